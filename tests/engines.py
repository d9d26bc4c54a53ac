"""Real external SPARQL stores on 127.0.0.1 for the remote-store tests: OpenLink Virtuoso (Debian's
virtuoso-opensource, 7.2.5) and Oxigraph's server (the `oxigraph` package's CLI). Each runs on free ports
with a private data folder, in its own session, and is stopped by its process id: the tests may also kill
it mid-test (`Engine.kill`) and start it again on the same folder and ports (`Engine.restart`).

Where an engine's binary is missing, its tests are skipped, except under CI (the CI variable set), where
a missing engine fails them: CI installs both (.ci/run, pyproject.toml's test extra).
"""

from __future__ import annotations

import dataclasses
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from tests.server import free_port

START_SECONDS = 120  # a first Virtuoso start creates its database: about 6 s here, more on a busy machine
STOP_SECONDS = 30
SQL_SECONDS = 60


@dataclass
class _Process:
    """The engine's current process, shared by an Engine and the copies `restart` makes of it, so that the
    context manager stops whichever one runs when it exits."""

    name: str
    command: list[str]
    cwd: Path
    ready_url: str
    popen: subprocess.Popen | None = None
    reader: threading.Thread | None = None
    output: deque[bytes] = field(default_factory=lambda: deque(maxlen=200))

    def start(self) -> int:
        assert self.popen is None or self.popen.poll() is not None, f"{self.name} is running already"
        self.output.append(f"--- {self.name} started: {' '.join(self.command)}\n".encode())
        self.popen = subprocess.Popen(
            self.command, cwd=self.cwd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        # read its output all along, or a full pipe would stall it
        self.reader = threading.Thread(target=self.output.extend, args=(self.popen.stdout,), daemon=True)
        self.reader.start()
        try:
            self._wait_until_up()
        except BaseException:
            self.stop()
            raise
        return self.popen.pid

    def _wait_until_up(self, seconds: float = START_SECONDS) -> None:
        assert self.popen is not None
        stop = time.monotonic() + seconds
        while time.monotonic() < stop:
            if self.popen.poll() is not None:
                if self.reader is not None:
                    self.reader.join(timeout=10)
                raise RuntimeError(f"{self.name} exited with {self.popen.returncode}:\n{self.last_lines()}")
            try:
                if httpx.get(self.ready_url, timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"{self.name} did not answer {self.ready_url} within {seconds} s:\n{self.last_lines()}")

    def alive(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def stop(self, sig: int = signal.SIGTERM) -> None:
        """Stops the process (and its session) by its pid: `sig`, then SIGKILL if it outlasts STOP_SECONDS."""
        if self.popen is None:
            return
        if self.popen.poll() is None:
            _killpg(self.popen.pid, sig)
            try:
                self.popen.wait(timeout=STOP_SECONDS)
            except subprocess.TimeoutExpired:
                _killpg(self.popen.pid, signal.SIGKILL)
                self.popen.wait(timeout=STOP_SECONDS)
        else:
            _killpg(self.popen.pid, signal.SIGKILL)  # whatever it left in its session
        if self.reader is not None:
            self.reader.join(timeout=10)
        if self.popen.stdout is not None:
            self.popen.stdout.close()

    def last_lines(self, count: int = 40) -> str:
        return b"".join(list(self.output)[-count:]).decode(errors="replace")


def _killpg(pid: int, sig: int) -> None:
    with suppress(ProcessLookupError):
        os.killpg(pid, sig)


@dataclass(frozen=True)
class Engine:
    kind: str  # "virtuoso" | "oxigraph"
    pid: int
    query_url: str  # SPARQL 1.1 Protocol queries (Virtuoso: GET or a form POST only)
    update_url: str  # SPARQL 1.1 Protocol updates
    graph_store_url: str  # Graph Store HTTP Protocol (with `graph=<iri>`)
    user: str  # "" where writes need no login
    password: str
    auth: str  # "digest" (Virtuoso) or "" (Oxigraph: none)
    folder: Path
    base: str  # http://127.0.0.1:PORT
    admin_password: str = ""  # Virtuoso's dba, at isql_port
    isql_port: int = 0
    _process: _Process = field(repr=False, compare=False, default=None)  # type: ignore[assignment]

    def client_auth(self) -> httpx.Auth | None:
        """The httpx auth that writes need."""
        return httpx.DigestAuth(self.user, self.password) if self.auth == "digest" else None

    def alive(self) -> bool:
        """Whether this engine's process still runs (a killed one is reaped, so its pid is gone)."""
        return self._process.alive() and self._process.popen is not None and self._process.popen.pid == self.pid

    def kill(self, sig: int = signal.SIGKILL) -> None:
        """Kills the engine by its pid (SIGKILL by default: a crash; SIGTERM: a clean stop) and reaps it."""
        assert self.alive(), f"{self.kind} (pid {self.pid}) is not running"
        self._process.stop(sig)

    def restart(self) -> Engine:
        """Starts the engine again on the same folder and ports (stopping it first if it runs): the new
        Engine has the new pid; the context manager stops this one too."""
        if self._process.alive():
            self._process.stop()
        return dataclasses.replace(self, pid=self._process.start())

    def log(self, count: int = 40) -> str:
        """The engine's last lines of output, for failure messages."""
        return self._process.last_lines(count)


def pid_alive(pid: int) -> bool:
    """Whether a process with this pid exists and is not a zombie (Linux)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state != "Z"


def _binary(name: str, *candidates: str) -> str:
    """The path of an engine's binary, next to this Python (a venv's CLI) or on PATH; a skip, or under CI a
    failure, if there is none."""
    for candidate in candidates:
        beside = Path(sys.executable).parent / candidate
        if beside.is_file() and os.access(beside, os.X_OK):
            return str(beside)
        found = shutil.which(candidate)
        if found:
            return found
    reason = f"{name} is not installed (no {' or '.join(candidates)})"
    if os.environ.get("CI"):
        pytest.fail(f"{reason}, and CI must run the engine tests (.ci/run installs it)")
    pytest.skip(reason)


# --- Virtuoso -------------------------------------------------------------------------------------------

VIRTUOSO_INI = """\
[Database]
DatabaseFile = {folder}/virtuoso.db
ErrorLogFile = {folder}/virtuoso.log
LockFile = {folder}/virtuoso.lck
TransactionFile = {folder}/virtuoso.trx
xa_persistent_file = {folder}/virtuoso.pxa
ErrorLogLevel = 7
FileExtend = 200
MaxCheckpointRemap = 2000
Striping = 0
TempStorage = TempDatabase

[TempDatabase]
DatabaseFile = {folder}/virtuoso-temp.db
TransactionFile = {folder}/virtuoso-temp.trx
MaxCheckpointRemap = 2000
Striping = 0

[Parameters]
ServerPort = 127.0.0.1:{isql_port}
LiteMode = 0
DisableUnixSocket = 1
DisableTcpSocket = 0
MaxClientConnections = 20
CheckpointInterval = 60
O_DIRECT = 0
CaseMode = 2
MaxStaticCursorRows = 5000
CheckpointAuditTrail = 0
AllowOSCalls = 0
SchedulerInterval = 10
DirsAllowed = ., {folder}
ThreadCleanupInterval = 0
ThreadThreshold = 10
ResourcesCleanupInterval = 0
FreeTextBatchSize = 100000
SingleCPU = 0
PrefixResultNames = 0
RdfFreeTextRulesSize = 100
IndexTreeMaps = 64
MaxQueryMem = 512M
VectorSize = 1000
MaxVectorSize = 1000000
AdjustVectorSize = 0
ThreadsPerQuery = 4
AsyncQueueMaxThreads = 10
NumberOfBuffers = 10000
MaxDirtyBuffers = 6000
; ORDER BY with OFFSET + LIMIT over it is refused (500, SR353); 10000 by default
MaxSortedTopRows = {result_set_max_rows}

[HTTPServer]
ServerPort = 127.0.0.1:{http_port}
ServerRoot = {folder}
MaxClientConnections = 20
DavRoot = DAV
EnabledDavVSP = 0
HTTPProxyEnabled = 0
TempASPXDir = 0
ServerThreads = 20
MaxKeepAlives = 10
KeepAliveTimeout = 10
HTTPThreadSize = 280000
HttpPrintWarningsInOutput = 0
Charset = UTF-8
EnabledGzipContent = 0

[Client]
SQL_PREFETCH_ROWS = 100
SQL_PREFETCH_BYTES = 16000
SQL_QUERY_TIMEOUT = 0
SQL_TXN_TIMEOUT = 0

[SPARQL]
; an answer that reaches ResultSetMaxRows is sent as 200 with the header X-SPARQL-MaxRows: N (a SELECT;
; a CONSTRUCT or a Graph Store GET is cut without it)
ResultSetMaxRows = {result_set_max_rows}
; seconds: a query whose estimate exceeds the first is refused (500); one that runs past the second fails
; (500, SR171 "Transaction timed out"), unless it came with /sparql's timeout parameter (milliseconds,
; capped by it): then it is cut, an "anytime" answer, 200 with X-SQL-State: S1TAT
MaxQueryCostEstimationTime = {max_query_cost_estimation_time}
MaxQueryExecutionTime = {max_query_execution_time}
DeferInferenceRulesInit = 0
"""


@contextmanager
def virtuoso_store(
    folder: Path, *, result_set_max_rows: int = 1_000_000, max_query_execution_time: int = 60,
    max_query_cost_estimation_time: int = 400,
) -> Iterator[Engine]:
    """Virtuoso on free 127.0.0.1 ports, its database and log in `folder` (created if missing; one made
    before by virtuoso_store is started again, with its passwords, on new ports). A user `azkg`
    with a random password may update (SPARQL_UPDATE, graph read-write); anyone may read; dba's password
    is random too. Queries: GET or form POST to /sparql; updates: /sparql-auth, graph store:
    /sparql-graph-crud-auth, both with HTTP Digest."""
    binary = _binary("Virtuoso", "virtuoso-t")
    isql = _binary("Virtuoso's isql", "isql-vt", "isql-v")
    folder = folder.resolve()
    folder.mkdir(parents=True, exist_ok=True)
    isql_port, http_port = free_port(), free_port()
    while http_port == isql_port:
        http_port = free_port()
    (folder / "virtuoso.ini").write_text(VIRTUOSO_INI.format(
        folder=folder, isql_port=isql_port, http_port=http_port, result_set_max_rows=result_set_max_rows,
        max_query_execution_time=max_query_execution_time,
        max_query_cost_estimation_time=max_query_cost_estimation_time,
    ))
    base = f"http://127.0.0.1:{http_port}"
    process = _Process(
        "virtuoso", [binary, "+foreground", "+configfile", str(folder / "virtuoso.ini")], folder,
        base + "/sparql?query=ASK%7B%7D",
    )
    # the passwords of a database made before, in this folder: a second virtuoso_store on it starts it again
    credentials = folder / "azkg-credentials.json"
    try:
        pid = process.start()
        engine = Engine(
            kind="virtuoso", pid=pid, query_url=base + "/sparql", update_url=base + "/sparql-auth",
            graph_store_url=base + "/sparql-graph-crud-auth", user="azkg", password="", auth="digest",
            folder=folder, base=base, admin_password="dba", isql_port=isql_port, _process=process,
        )
        if credentials.exists():
            engine = dataclasses.replace(engine, **json.loads(credentials.read_text()))
        else:
            password, admin_password = secrets.token_hex(12), secrets.token_hex(12)
            sql(engine, f"""
                DB.DBA.USER_CREATE('{engine.user}', '{password}');
                GRANT SPARQL_UPDATE TO "{engine.user}";
                DB.DBA.RDF_DEFAULT_USER_PERMS_SET('nobody', 1);
                DB.DBA.RDF_DEFAULT_USER_PERMS_SET('{engine.user}', 3);
                USER_SET_PASSWORD('dba', '{admin_password}');
            """, isql=isql)
            engine = dataclasses.replace(engine, password=password, admin_password=admin_password)
            credentials.write_text(json.dumps({"password": password, "admin_password": admin_password}))
        yield engine
    finally:
        process.stop()


def sql(engine: Engine, statements: str, *, isql: str | None = None) -> str:
    """Runs SQL statements (each ending with `;`) on a Virtuoso engine as dba through isql, and returns
    isql's output; a RuntimeError if any fails (isql itself exits 0 after a failed statement)."""
    assert engine.kind == "virtuoso", "sql is Virtuoso's"
    isql = isql or _binary("Virtuoso's isql", "isql-vt", "isql-v")
    done = subprocess.run(
        [isql, f"127.0.0.1:{engine.isql_port}", "dba", engine.admin_password, f"exec={statements}"],
        stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=SQL_SECONDS, check=False,
    )
    output = done.stdout + done.stderr
    if done.returncode != 0 or "*** Error" in output:
        raise RuntimeError(f"isql failed ({done.returncode}):\n{output}\n{engine.log()}")
    return output


# --- Oxigraph -------------------------------------------------------------------------------------------

@contextmanager
def oxigraph_store(
    folder: Path, *, timeout_s: int | None = None, union_default_graph: bool = False
) -> Iterator[Engine]:
    """`oxigraph serve` on a free 127.0.0.1 port, its store in `folder`/oxigraph: /query, /update and
    /store, without a login. `timeout_s` is its --timeout-s (queries only); `union_default_graph` its
    --union-default-graph (otherwise the default graph is its own, empty unless written to)."""
    binary = _binary("Oxigraph's server", "oxigraph")
    folder = folder.resolve()
    (folder / "oxigraph").mkdir(parents=True, exist_ok=True)
    port = free_port()
    command = [binary, "serve", "--location", str(folder / "oxigraph"), "--bind", f"127.0.0.1:{port}"]
    if timeout_s is not None:
        command += ["--timeout-s", str(timeout_s)]
    if union_default_graph:
        command.append("--union-default-graph")
    base = f"http://127.0.0.1:{port}"
    process = _Process("oxigraph", command, folder, base + "/query?query=ASK%7B%7D")
    try:
        pid = process.start()
        yield Engine(
            kind="oxigraph", pid=pid, query_url=base + "/query", update_url=base + "/update",
            graph_store_url=base + "/store", user="", password="", auth="", folder=folder, base=base,
            _process=process,
        )
    finally:
        process.stop()


# --- both -----------------------------------------------------------------------------------------------

MEDIA_TYPES = {".nt": "application/n-triples", ".ttl": "text/turtle"}


def load(engine: Engine, graph_iri: str, path: Path) -> int:
    """Replaces the named graph `graph_iri` with the N-Triples (.nt) or Turtle (.ttl) file at `path`,
    through the engine's Graph Store endpoint (PUT, with its auth); returns the HTTP status (200/201/204)."""
    body = path.read_bytes()
    if not body.endswith(b"\n"):
        body += b"\n"  # Virtuoso 7.2.5 answers 201 to a one-line Turtle body without one, and stores nothing
    response = httpx.put(
        engine.graph_store_url, params={"graph": graph_iri}, content=body,
        headers={"Content-Type": MEDIA_TYPES[path.suffix]}, auth=engine.client_auth(), timeout=120,
    )
    if response.status_code not in (200, 201, 204):
        raise RuntimeError(
            f"{engine.kind} refused PUT {graph_iri}: {response.status_code}\n{response.text[:2000]}\n{engine.log()}"
        )
    return response.status_code
