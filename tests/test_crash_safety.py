"""No data lost: a write killed at any moment is never published by the next writer, and a full disk
is a clear error that publishes nothing. Real servers, real `kill -9`, a real full (tmpfs) disk."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from azkg.sparql.evaluation import evaluate
from azkg.store.snapshots import open_reader
from tests.conftest import ROOT
from tests.server import Server, children, running_server

pytestmark = pytest.mark.slow

TOKEN = "test-token-0123456789abcdef"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
GRAPH = "urn:crash:g"
OLD, NEW = 3_000, 200_000
BIG = {"update_token": TOKEN, "max_body_bytes": "50000000", "query_workers": "1"}


def triples(count: int, tag: str) -> bytes:
    return "".join(f'<urn:{tag}:{i}> <urn:crash:p> "{i}" .\n' for i in range(count)).encode()


def count(store: Path, graph: str) -> int:
    reader, _ = open_reader(store)
    rows = evaluate(reader, f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}")
    return int(next(iter(rows))["n"].value)


def has_tiny(store: Path) -> bool:
    reader, _ = open_reader(store)
    return bool(evaluate(reader, "ASK { <urn:tiny:s> <urn:tiny:p> 'tiny' }"))


def put(server: Server, body: bytes, graph: str = GRAPH) -> httpx.Response:
    with httpx.Client(timeout=120) as client:
        return client.put(server.base + "/store", params={"graph": graph}, content=body,
                          headers={**AUTH, "Content-Type": "application/n-triples"})


def _size(folder: Path) -> int:
    return sum(f.stat().st_size for f in folder.rglob("*") if f.is_file()) if folder.exists() else 0


def _snapshots(store: Path) -> set[str]:
    return {p.name for p in (store / "snapshots").iterdir()}


# moments of the big PUT, seen from outside: primary has begun to change, is well into the change,
# or a new snapshot is being made (publishing)
MOMENTS: dict[str, Callable[[Path, int, set[str]], bool]] = {
    "begun": lambda store, size, snaps: _size(store / "primary") > size + 100_000,
    "midway": lambda store, size, snaps: _size(store / "primary") > size + 40_000_000,
    "publishing": lambda store, size, snaps: _snapshots(store) != snaps,
}


def descendants(pid: int) -> list[int]:
    found = []
    for child in _alive(children, pid):
        found += [child, *descendants(child)]
    return found


def _alive(function, *args):  # a process may end while we look at it
    try:
        return function(*args)
    except (FileNotFoundError, ProcessLookupError):
        return []


def writers(server_pid: int, store: Path) -> list[int]:
    """The processes holding a file under primary/: whoever is doing the write (a write child, or on
    the old code the HTTP process itself)."""
    primary = str(store / "primary")
    found = []
    for pid in [server_pid, *descendants(server_pid)]:
        links = _alive(lambda p: [os.readlink(f"/proc/{p}/fd/{fd}") for fd in os.listdir(f"/proc/{p}/fd")], pid)
        if any(link.startswith(primary) for link in links):
            found.append(pid)
    return found


def parent_of(pid: int) -> int:
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])


def _under(pid: int, top: int) -> int:
    """The ancestor of pid that is a child of top (the write child's HTTP process, past the fork server)."""
    for _ in range(10):
        parent = parent_of(pid)
        if parent in (top, 1):
            return pid
        pid = parent
    return pid


@contextmanager
def big_put_in_background(server: Server) -> Iterator[threading.Thread]:
    body = triples(NEW, "new")
    thread = threading.Thread(target=lambda: _ignore_errors(put, server, body), daemon=True)
    thread.start()
    try:
        yield thread
    finally:
        thread.join(timeout=120)


def _ignore_errors(function, *args) -> None:
    with contextlib.suppress(httpx.TransportError):  # the process answering it was killed
        function(*args)


def kill_the_writer(server: Server, store: Path, moment: str, with_parent: bool) -> list[int]:
    """Wait (bounded) for the moment, then SIGKILL the process writing primary (and its HTTP parent)."""
    size, snaps = _size(store / "primary"), _snapshots(store)
    stop = time.monotonic() + 90
    targets: list[int] = []
    while time.monotonic() < stop:
        targets = targets or writers(server.pid, store)
        if targets and MOMENTS[moment](store, size, snaps):
            break
        time.sleep(0.005)
    assert targets, "no process ever opened primary for the write"
    if with_parent:  # the HTTP process that started the write: the server's child, or the server itself
        targets += [server.pid] if with_parent == "server" else [_under(pid, server.pid) for pid in targets]
    ours = {server.pid, *descendants(server.pid)}  # never a process the server did not start
    targets = [pid for pid in targets if pid in ours]
    for pid in targets:
        _alive(os.kill, pid, signal.SIGKILL)
    return targets


def assert_whole(store: Path) -> None:
    found = count(store, GRAPH)
    assert found in (OLD, NEW), f"graph {GRAPH} has {found} triples: neither the old {OLD} nor the new {NEW}"


def load_tiny(tmp_path: Path, store: Path) -> subprocess.CompletedProcess:
    tiny = tmp_path / "tiny.nt"
    tiny.write_text("<urn:tiny:s> <urn:tiny:p> \"tiny\" .\n", encoding="utf-8")
    return subprocess.run([sys.executable, "-m", "azkg.cli", "--root", str(ROOT), "load", str(tiny), "--store",
                           str(store)], capture_output=True, text=True, timeout=120)


def post_tiny(server: Server) -> httpx.Response:
    with httpx.Client(timeout=120) as client:
        return client.post(server.base + "/store", params={"graph": "urn:tiny:g"},
                           content=b'<urn:tiny:s> <urn:tiny:p> "tiny" .',
                           headers={**AUTH, "Content-Type": "application/n-triples"})


@pytest.mark.parametrize(("moment", "with_parent"),
                         [("begun", False), ("midway", False), ("publishing", False), ("midway", "server")])
def test_a_killed_write_is_not_published_by_azkg_load(tmp_path: Path, moment: str, with_parent: object) -> None:
    store = tmp_path / "s"
    with running_server(ROOT, store, **BIG) as server:
        assert put(server, triples(OLD, "old")).status_code == 201
        with big_put_in_background(server):
            kill_the_writer(server, store, moment, with_parent)
    loaded = load_tiny(tmp_path, store)  # the service is down: the command line is the next writer
    assert loaded.returncode == 0, loaded.stderr
    assert "1 new triples" in loaded.stdout, loaded.stdout  # it published its own triple, nothing more
    assert_whole(store)
    assert has_tiny(store)


@pytest.mark.parametrize("moment", ["begun", "midway"])
def test_a_killed_write_is_not_published_by_the_same_service(tmp_path: Path, moment: str) -> None:
    """The write child is killed; the service that started it takes the next write."""
    store = tmp_path / "s"
    with running_server(ROOT, store, **BIG) as server:
        assert put(server, triples(OLD, "old")).status_code == 201
        with big_put_in_background(server):
            kill_the_writer(server, store, moment, with_parent=False)
        assert post_tiny(server).status_code in (201, 204)
    assert_whole(store)
    assert has_tiny(store)


@pytest.mark.parametrize("moment", ["begun", "midway"])
def test_a_killed_http_process_is_not_published_by_the_other_one(tmp_path: Path, moment: str) -> None:
    """`serve --processes 2`: the writer and the HTTP process that started it are killed; the other
    HTTP process takes the next write."""
    store = tmp_path / "s"
    with running_server(ROOT, store, http_processes="2", **BIG) as server:
        assert put(server, triples(OLD, "old")).status_code == 201
        with big_put_in_background(server):
            killed = kill_the_writer(server, store, moment, with_parent=True)
        assert len(set(killed)) >= 2 or killed[0] in children(server.pid), f"no HTTP process was killed: {killed}"
        posted = None
        for _ in range(20):  # bounded: a connection may land on the killed process before it is reaped
            try:
                posted = post_tiny(server)
                break
            except httpx.TransportError:
                time.sleep(0.2)
        assert posted is not None and posted.status_code in (201, 204)
    assert_whole(store)
    assert has_tiny(store)


@contextmanager
def small_disk(folder: Path, megabytes: int) -> Iterator[Path]:
    folder.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={megabytes}m", "tmpfs", str(folder)],
                             capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs to fill (needs root): {mounted.stderr.strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


def test_a_full_disk_is_a_clear_error_and_publishes_nothing(tmp_path: Path) -> None:
    big = tmp_path / "big.nt"
    big.write_bytes(triples(NEW, "new"))
    with small_disk(tmp_path / "disk", 24) as disk:
        store = disk / "s"
        first = load_tiny(tmp_path, store)
        assert first.returncode == 0, first.stderr
        before = (store / "CURRENT").read_text()
        failed = subprocess.run([sys.executable, "-m", "azkg.cli", "load", str(big), "--store", str(store)],
                                capture_output=True, text=True, timeout=300, cwd=ROOT)
        assert failed.returncode == 1
        message = failed.stderr.strip().splitlines()[-1]
        assert message.startswith("azkg load: the disk holding the store is full"), failed.stderr
        assert "nothing was written" in message and "Traceback" not in failed.stderr
        assert (store / "CURRENT").read_text() == before, "a failed load was published"
        other = tmp_path / "other.nt"
        other.write_text("<urn:other:s> <urn:other:p> \"other\" .\n", encoding="utf-8")
        after = subprocess.run([sys.executable, "-m", "azkg.cli", "load", str(other), "--store", str(store)],
                               capture_output=True, text=True, timeout=120, cwd=ROOT)
        assert after.returncode == 0, after.stderr
        assert "1 new triples" in after.stdout, after.stdout
        assert count_all(store) == 2, "the next load published the failed load's leftovers"


def test_a_full_disk_answers_507_over_http(tmp_path: Path) -> None:
    with small_disk(tmp_path / "disk", 24) as disk:
        store = disk / "s"
        with running_server(ROOT, store, **BIG) as server:
            before = (store / "CURRENT").read_text()
            response = put(server, triples(NEW, "new"))
            assert response.status_code == 507, response.text
            assert response.text.startswith("507 disk_full: the disk holding the store is full"), response.text
            assert (store / "CURRENT").read_text() == before
            assert post_tiny(server).status_code == 201, "the next write must work and publish only itself"
        assert count(store, GRAPH) == 0 and has_tiny(store)


def count_all(store: Path) -> int:
    reader, _ = open_reader(store)
    return int(next(iter(evaluate(reader, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")))["n"].value)
