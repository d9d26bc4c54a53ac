"""The stores a service's tests run on: the embedded one, and the remote ones (Virtuoso from Debian,
Oxigraph's server from PyPI, started by tests/engines.py and filled by `azkg publish --remote`). The
`backend` fixture of tests/conftest.py runs a module once on each; it gives the settings to serve with."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.engines import Engine, oxigraph_store, virtuoso_store

# AZKG_TEST_BACKENDS narrows them (tests/test_growth.py reruns modules on grown data on the embedded one)
BACKENDS = tuple(os.environ.get("AZKG_TEST_BACKENDS", "embedded,oxigraph,virtuoso").split(","))


def store_env(engine: Engine) -> dict[str, str]:
    """The settings a front-end (or `azkg publish`) needs for this engine, as the test servers take them."""
    env = {"store_url": engine.query_url}
    if engine.user:
        env |= {"store_user": engine.user, "store_password": engine.password, "store_auth": engine.auth}
    return env


def publish(engine: Engine, root: Path) -> subprocess.CompletedProcess:
    """`azkg publish --remote` of the project at `root` into the engine, as a user runs it."""
    environment = {**os.environ, **{f"AZKG_{k.upper()}": v for k, v in store_env(engine).items()}}
    return subprocess.run(
        [sys.executable, "-m", "azkg.cli", "--root", str(root), "publish", "--remote", engine.query_url],
        env=environment, capture_output=True, text=True, timeout=600, check=False,
    )


@contextmanager
def engine_of(kind: str, folder: Path, **options) -> Iterator[Engine]:
    start = virtuoso_store if kind == "virtuoso" else oxigraph_store
    with start(folder, **options) as engine:
        yield engine


@contextmanager
def serving_on(kind: str, folder: Path, root: Path) -> Iterator[dict[str, str]]:
    """The settings that make a service run on `kind`: none for the embedded store; for a remote one,
    those of an engine started in `folder` and filled with the project at `root`."""
    if kind == "embedded":
        yield {}
        return
    with engine_of(kind, folder) as engine:
        done = publish(engine, root)
        if done.returncode != 0:
            raise RuntimeError(f"azkg publish into {kind} failed:\n{done.stderr}\n{engine.log()}")
        yield store_env(engine)
