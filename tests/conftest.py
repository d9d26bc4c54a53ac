"""Shared fixtures: the real project, a scratch copy of it for tests that break inputs, and the graph."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import httpx
import pyoxigraph
import pytest
from click.testing import CliRunner, Result

from azkg.cli import main
from azkg.settings import Paths
from tests.backends import BACKENDS, serving_on

REPO = Path(__file__).resolve().parents[1]
# the project whose data the tests read: this checkout, or a copy with more articles (tests/test_growth.py
# runs the data and service tests against a copy with an article added, through AZKG_TEST_ROOT)
ROOT = Path(os.environ["AZKG_TEST_ROOT"]).resolve() if os.environ.get("AZKG_TEST_ROOT") else REPO


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of the project's ontology and data, free to break."""
    for folder in ("ontology", "data"):
        shutil.copytree(ROOT / folder, tmp_path / folder)
    return tmp_path


@pytest.fixture
def paths(project: Path) -> Paths:
    return Paths(project)


def run_cli(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


@pytest.fixture(scope="session")
def store() -> pyoxigraph.Store:
    """The committed data/triples.ttl in an in-memory pyoxigraph store."""
    graph = pyoxigraph.Store()
    graph.bulk_load(path=str(ROOT / "data" / "triples.ttl"), format=pyoxigraph.RdfFormat.TURTLE)
    return graph


@pytest.fixture(scope="module")
def client() -> Iterator[httpx.Client]:
    """An HTTP client for the module's real server (generous timeout: the machines are shared)."""
    with httpx.Client(timeout=60) as http:
        yield http


@pytest.fixture(scope="module", params=BACKENDS)
def backend(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """The settings that run the module's service on each store in turn: the embedded one, Oxigraph's
    server, Virtuoso (tests/backends.py)."""
    with serving_on(request.param, tmp_path_factory.mktemp(request.param), ROOT) as settings:
        yield settings
