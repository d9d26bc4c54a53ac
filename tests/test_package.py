"""azkg as an installed package: the wheel carries the ontology and the built graph, `azkg serve` in an
empty folder serves them, and the commands that edit a project say so when there is none."""

from __future__ import annotations

import os
import shutil
import signal
import site
import subprocess
import sys
import threading
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from tests.conftest import REPO, run_cli
from tests.server import _wait_until_up, free_port

BUILD_COMMANDS = [  # (the command's name in its message, its arguments)
    ("build", ["build"]),
    ("add", ["add", "article.txt"]),
    ("draft", ["draft", "some-source"]),
    ("reference", ["reference"]),
    ("entities find", ["entities", "find", "Sumgayit"]),
    ("stats --write", ["stats", "--write"]),
]


@pytest.mark.parametrize(("name", "arguments"), BUILD_COMMANDS, ids=[name for name, _ in BUILD_COMMANDS])
def test_build_commands_need_a_project_folder(tmp_path: Path, monkeypatch, name: str, arguments: list[str]) -> None:
    monkeypatch.chdir(tmp_path)
    result = run_cli(*arguments)  # run_cli lets exceptions through: a traceback fails the test
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"azkg {name}: ")
    assert "needs a project folder (one holding ontology/ and data/)" in lines[0] and "--root DIR" in lines[0]
    assert str(tmp_path.resolve()) in lines[0], "the message says where it looked"


def test_a_root_that_is_no_project_is_named(tmp_path: Path) -> None:
    result = run_cli("--root", str(tmp_path), "build")
    assert result.exit_code == 1
    assert f"{tmp_path.resolve()} is not one" in result.output and "--root DIR" in result.output


def test_outside_a_project_the_bundled_graph_is_queried(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data-home"))
    result = run_cli("query", "ASK { ?zone a <https://w3id.org/azkg/def/IndustrialPark> }")
    assert result.exit_code == 0 and result.output == "true\n", result.output
    assert (tmp_path / "data-home" / "azkg" / "store").is_dir() and not (tmp_path / ".azkg").exists()


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """A venv with the wheel installed; its dependencies come from this venv's site-packages (a .pth
    line adds the folder without running its .pth files, so the editable install stays out)."""
    work = tmp_path_factory.mktemp("package")
    source = work / "source"  # a copy, so that the build's scratch folders stay out of the checkout
    source.mkdir()
    for name in ("pyproject.toml", "setup.py", "MANIFEST.in", "README.md"):
        shutil.copy(REPO / name, source / name)
    for folder in ("src", "ontology"):
        shutil.copytree(REPO / folder, source / folder, ignore=shutil.ignore_patterns("*.egg-info", "__pycache__"))
    (source / "data").mkdir()
    shutil.copy(REPO / "data" / "triples.ttl", source / "data" / "triples.ttl")
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "--no-input"]
    _run([*pip, "wheel", "--no-deps", "--no-build-isolation", "--wheel-dir", str(work / "dist"), str(source)])
    venv = work / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", str(venv)])
    python = venv / "bin" / "python"
    target = Path(_run([str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"]).strip())
    (target / "dependencies.pth").write_text("\n".join(site.getsitepackages()) + "\n", encoding="utf-8")
    wheel = next((work / "dist").glob("azkg-*.whl"))
    _run([*pip, "--python", str(python), "install", "--no-deps", "--no-index", str(wheel)])
    return venv


@pytest.mark.slow
def test_the_wheel_serves_the_bundled_graph_from_an_empty_folder(installed: Path, tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    where = _run([str(installed / "bin" / "python"), "-c", "import azkg.bundle as b; print(b.bundled_root())"], empty)
    assert Path(where.strip()).is_relative_to(installed), f"azkg came from elsewhere: {where}"
    with _serving(installed, empty, tmp_path / "data-home") as base:
        query = "SELECT ?label { <https://w3id.org/azkg/id/sumgayit-industrial-park> rdfs:label ?label }"
        answer = httpx.get(base + "/sparql", params={"query": query}, headers={"Accept": "text/csv"}, timeout=30)
        assert answer.status_code == 200 and "Sumgayit" in answer.text, answer.text
        terms = "ASK { GRAPH ?g { <https://w3id.org/azkg/def/IndustrialPark> a ?class } }"
        assert httpx.get(base + "/sparql", params={"query": terms}, timeout=30).json()["boolean"], "the ontology"
    assert list(empty.iterdir()) == [], "serving leaves nothing in the folder it ran in"


@pytest.mark.slow
def test_the_wheel_loads_and_serves_a_store_from_any_folder(installed: Path, tmp_path: Path) -> None:
    (tmp_path / "mine.nt").write_text('<http://example.org/a> <http://example.org/b> "loaded" .\n', encoding="utf-8")
    (tmp_path / "elsewhere").mkdir()
    store = tmp_path / "x" / "store"
    _run([str(installed / "bin" / "azkg"), "load", str(tmp_path / "mine.nt"), "--store", str(store)], tmp_path)
    with _serving(installed, tmp_path / "elsewhere", tmp_path / "data-home", "--store", str(store)) as base:
        query = "SELECT ?o { <http://example.org/a> ?p ?o }"
        answer = httpx.get(base + "/sparql", params={"query": query}, headers={"Accept": "text/csv"}, timeout=30)
        assert answer.status_code == 200 and "loaded" in answer.text, answer.text


@contextmanager
def _serving(installed: Path, cwd: Path, data_home: Path, *options: str) -> Iterator[str]:
    """`azkg serve` of the installed wheel on a free port, stopped by its pid."""
    port = free_port()
    process = subprocess.Popen(
        [str(installed / "bin" / "azkg"), "serve", "--port", str(port), *options],
        cwd=cwd, env={**os.environ, "XDG_DATA_HOME": str(data_home)},
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    # the server logs a line per query: read its output all along, or a full pipe would stall it
    output: deque[bytes] = deque(maxlen=500)
    reader = threading.Thread(target=output.extend, args=(process.stdout,), daemon=True)
    reader.start()
    try:
        _wait_until_up(base, process, reader, output)
        yield base
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
        reader.join(timeout=10)
        if process.stdout is not None:
            process.stdout.close()


def _run(command: list[str], cwd: Path | None = None) -> str:
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, f"{' '.join(command)}\n{done.stdout}\n{done.stderr}"
    return done.stdout
