"""A real `azkg serve` on 127.0.0.1, started and stopped by the tests, with bounded waits."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass(frozen=True)
class Server:
    base: str
    pid: int

    @property
    def sparql(self) -> str:
        return self.base + "/sparql"


@contextmanager
def running_server(root: Path, store: Path, **env: str) -> Iterator[Server]:
    port = free_port()
    environment = {**os.environ, **{f"AZKG_{k.upper()}": v for k, v in env.items()}}
    process = subprocess.Popen(
        [sys.executable, "-m", "azkg.cli", "--root", str(root), "serve", "--store", str(store), "--port", str(port)],
        env=environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True,
    )
    # the server logs a line per query: read its output all along, or a full pipe would stall it
    output: deque[bytes] = deque(maxlen=500)  # the last lines, for the message if it fails to start
    reader = threading.Thread(target=output.extend, args=(process.stdout,), daemon=True)
    reader.start()
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(base, process, reader, output)
        yield Server(base, process.pid)
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
        reader.join(timeout=10)  # the output ends with the process (or with its children, if they outlive it)
        if process.stdout is not None:
            process.stdout.close()


def _wait_until_up(
    base: str, process: subprocess.Popen, reader: threading.Thread, output: deque[bytes], seconds: float = 60
) -> None:
    stop = time.monotonic() + seconds
    while time.monotonic() < stop:
        if process.poll() is not None:
            reader.join(timeout=10)
            raise RuntimeError(f"azkg serve exited with {process.returncode}:\n{b''.join(output).decode()}")
        try:
            if httpx.get(base + "/sparql", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"azkg serve did not answer within {seconds} s")


def wait_until(condition: Callable[[], object], seconds: float = 30) -> bool:
    """Whether `condition` came true within `seconds`: a wait for an event the test can see, instead of a
    fixed sleep that is too long on a fast machine and too short on a busy one."""
    stop = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > stop:
            return False
        time.sleep(0.05)
    return True


def children(pid: int) -> list[int]:
    """The pids of a process's children (Linux)."""
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(c) for c in (task / "children").read_text().split()]
    return found


def descendants(pid: int) -> list[int]:
    """The pids of a process's children, theirs, and so on (query workers are the fork server's children)."""
    found = []
    for child in children(pid):
        found += [child, *descendants(child)]
    return found


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
