"""A query worker: a process that evaluates one query at a time against the live store snapshot.

The service kills a worker whose query runs past its deadline (pyoxigraph cannot cancel a query),
so everything here is disposable. Between rows the worker checks the deadline itself, which stops a
streaming query without a kill; a sort or a group that has not produced its first row is stopped by
the kill. Messages to the service (over a multiprocessing pipe):

    ("ready",)                                   the store is open
    ("whole", media_type, truncated, bytes)      the complete answer at once (small answers)
    ("head", media_type, truncated | None)       the answer starts; None: not known until the end
    ("data", bytes)                              a chunk of the answer
    ("end", rows, cut)                           the answer is complete; cut: a cut found after the head,
                                                 which the service turns into an aborted body
    ("error", status, code, message)             before any head: the answer is this error instead
    ("abort", message)                           after a head: the answer cannot be completed

A cut answer says so in its body: SPARQL JSON and XML carry a head link to a notice (results.
TRUNCATION_NOTICE); the formats with no place for it (CSV, TSV, RDF syntaxes) are refused with 422
answer_truncated instead of being sent cut.

Unless SERVICE is allowed, the worker confines itself before it opens the store (azkg.store.sandbox): it
cannot open an internet socket, so no spelling of SERVICE reaches another host; pyoxigraph's
attempt fails with PermissionError, answered as `service_disabled`. Where the sandbox is not
available the worker refuses to start rather than run unconfined.
"""

from __future__ import annotations

import csv
import io
import json
import os
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import pyoxigraph

from azkg.errors import QueryError, StoreError
from azkg.sparql.formats import results_format
from azkg.sparql.results import TRUNCATION_NOTICE, says_cut, write_boolean, write_solutions, write_triples
from azkg.store.sandbox import SandboxError, confine
from azkg.store.snapshots import CURRENT, QUERY_PREFIXES, open_reader

PREBUFFER = 2048  # rows read before the head is sent, so that most answers know whether they were cut
WHOLE_BYTES = 4 << 20  # an answer known complete and smaller than this goes in one message
SERVICE_DISABLED = (
    "SERVICE is disabled on this endpoint: the server sends no requests to other endpoints (setting allow_service)"
)


@dataclass(frozen=True)
class Job:
    query: str
    media_type: str
    max_rows: int
    deadline: float  # time.time() after which the answer is abandoned
    default_graphs: tuple[str, ...] = ()
    named_graphs: tuple[str, ...] = ()
    union_default_graph: bool = True  # False when the query names its own dataset (FROM, FROM NAMED)
    bindings: tuple[tuple[str, str], ...] = ()  # (variable, IRI): bound by pyoxigraph, never pasted into the text
    base_iri: str | None = None  # relative IRIs in the query resolve against it


class DeadlinePassed(Exception):
    pass


def main(jobs: Connection, answers: Connection, store_dir: str, allow_service: bool = False) -> None:
    """The worker's loop; the process ends when the pipes close or the service kills it."""
    try:
        confine(memory_bytes=None, network=allow_service)
    except SandboxError as err:
        print(
            f"azkg query worker: {err}; without the sandbox nothing stops SERVICE from reaching other hosts, "
            "so the worker does not start (set AZKG_ALLOW_SERVICE=true to run unconfined)",
            file=sys.stderr,
        )
        sys.exit(78)  # EX_CONFIG
    reader = _Reader(Path(store_dir))
    answers.send(("ready",))
    while True:
        try:
            job = jobs.recv()
        except (EOFError, OSError):
            return
        if job is None:
            return
        try:
            _answer(answers, reader.store(), job)
        except (BrokenPipeError, OSError):
            return


class _Reader:
    """The live snapshot, reopened when CURRENT names a newer one."""

    def __init__(self, store_dir: Path):
        self.dir = store_dir
        self.stamp: int | None = None
        self._store: pyoxigraph.Store | None = None

    def store(self) -> pyoxigraph.Store:
        stamp = os.stat(self.dir / CURRENT).st_mtime_ns
        if self._store is None or stamp != self.stamp:
            self._store, _ = open_reader(self.dir)
            self.stamp = stamp
        return self._store


def _answer(conn: Connection, store: pyoxigraph.Store, job: Job) -> None:
    try:
        results = _evaluate(store, job)
    except QueryError as err:
        conn.send(("error", 400, "malformed_query", str(err)))
        return
    except PermissionError:
        conn.send(("error", 400, "service_disabled", SERVICE_DISABLED))
        return
    except (StoreError, OSError, RuntimeError) as err:
        conn.send(("error", 500, "evaluation_failed", f"the query could not be evaluated: {err}"))
        return
    if isinstance(results, pyoxigraph.QueryBoolean):
        conn.send(("whole", job.media_type, False, write_boolean(bool(results), job.media_type)))
        return
    if isinstance(results, pyoxigraph.QuerySolutions):
        if results_format(job.media_type) is not None and _answer_in_rust(conn, results, job):
            return
        results = _evaluate(store, job)  # too big or too many rows for one message: stream it, cut at the cap
        variables = [v.value for v in results.variables]
        rows: Iterator = ([solution[name] for name in variables] for solution in results)
        _stream(conn, job, rows, lambda items, link: write_solutions(variables, items, job.media_type, link))
        return
    _stream(conn, job, iter(results), lambda items, _: write_triples(items, job.media_type))


class _Overflow(Exception):
    pass


class _Sink:
    """Collects what pyoxigraph writes, up to WHOLE_BYTES and the deadline; past either it raises, which
    stops the serialisation (pyoxigraph passes the exception through)."""

    def __init__(self, deadline: float):
        self.parts: list[bytes] = []
        self.size = 0
        self.deadline = deadline

    def write(self, data: bytes) -> int:
        self.size += len(data)
        if self.size > WHOLE_BYTES:
            raise _Overflow
        if time.time() > self.deadline:
            raise DeadlinePassed
        self.parts.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass


def _answer_in_rust(conn: Connection, results: pyoxigraph.QuerySolutions, job: Job) -> bool:
    """Serialise the whole answer in Rust (far faster than row by row in Python) when it fits in one
    message and under the row cap; False when it does not, and the caller streams it instead."""
    sink = _Sink(job.deadline)
    try:
        results.serialize(output=sink, format=_rust_format(job))  # type: ignore[arg-type]  # write() is all it uses
    except _Overflow:
        return False
    except DeadlinePassed:
        conn.send(("error", 503, "query_timeout", ""))
        return True
    except PermissionError:
        conn.send(("error", 400, "service_disabled", SERVICE_DISABLED))
        return True
    except (OSError, RuntimeError) as err:
        conn.send(("error", 500, "evaluation_failed", f"the query could not be evaluated: {err}"))
        return True
    body = b"".join(sink.parts)
    if count_rows(body, _rust_format(job)) > job.max_rows:
        return False
    conn.send(("whole", job.media_type, False, body))
    return True


def _rust_format(job: Job) -> pyoxigraph.QueryResultsFormat:
    found = results_format(job.media_type)
    if found is None or found.results is None:
        raise KeyError(job.media_type)
    return found.results


def count_rows(body: bytes, syntax: pyoxigraph.QueryResultsFormat) -> int:
    """Rows of a serialised SELECT answer, exactly: literals are escaped in each format, so a row
    marker cannot occur inside a value."""
    if syntax == pyoxigraph.QueryResultsFormat.XML:
        return body.count(b"<result>")
    if syntax == pyoxigraph.QueryResultsFormat.TSV:
        return body.count(b"\n") - 1  # newlines in values are written as \n
    if syntax == pyoxigraph.QueryResultsFormat.CSV:
        return sum(1 for _ in csv.reader(io.StringIO(body.decode("utf-8"), newline=""))) - 1
    return len(json.loads(body)["results"]["bindings"])


def _evaluate(store: pyoxigraph.Store, job: Job) -> Any:  # whatever the query's form gives
    try:
        return store.query(job.query, **_options(job))
    except SyntaxError as err:
        raise QueryError(f"malformed query: {err}") from err
    except ValueError as err:
        raise QueryError(f"invalid dataset: {err}") from err


def _options(job: Job) -> dict:
    """The query's dataset: the protocol's parameters when given (they win over FROM), else the query's
    own FROM (pyoxigraph reads it only without the union default), else the union of all graphs."""
    options: dict = {"prefixes": QUERY_PREFIXES, "base_iri": job.base_iri}
    if job.default_graphs or job.named_graphs:
        options["default_graph"] = [pyoxigraph.NamedNode(g) for g in job.default_graphs]
        options["named_graphs"] = [pyoxigraph.NamedNode(g) for g in job.named_graphs]
    else:
        options["use_default_graph_as_union"] = job.union_default_graph
    if job.bindings:
        options["substitutions"] = {pyoxigraph.Variable(name): pyoxigraph.NamedNode(iri) for name, iri in job.bindings}
    return options


def _stream(conn: Connection, job: Job, items: Iterator, write) -> None:
    """Read ahead PREBUFFER items; then send the head and the items, stopping at the row cap."""
    try:
        buffered = _take(items, min(job.max_rows + 1, PREBUFFER), job.deadline)
    except DeadlinePassed:
        conn.send(("error", 503, "query_timeout", ""))
        return
    except PermissionError:  # the sandbox refused a SERVICE call made while iterating
        conn.send(("error", 400, "service_disabled", SERVICE_DISABLED))
        return
    except (OSError, RuntimeError) as err:  # evaluation errors surface while iterating
        conn.send(("error", 500, "evaluation_failed", f"the query could not be evaluated: {err}"))
        return
    complete = len(buffered) <= job.max_rows and len(buffered) < PREBUFFER
    truncated = len(buffered) > job.max_rows
    if truncated and not says_cut(job.media_type):
        conn.send(("error", 422, "answer_truncated", cut_message(job)))
        return
    link = TRUNCATION_NOTICE.format(job.max_rows) if truncated else None
    if complete or truncated:
        body = b"".join(write(iter(buffered[: job.max_rows]), link))
        if len(body) < WHOLE_BYTES:
            conn.send(("whole", job.media_type, truncated, body))
            return
    conn.send(("head", job.media_type, truncated if (complete or truncated) else None))
    counted = _Counted(buffered[: job.max_rows], items, job, already=len(buffered))
    try:
        for chunk in write(iter(counted), link):
            conn.send(("data", chunk))
    except DeadlinePassed:
        conn.send(("abort", "the query ran past its time limit while its answer was being sent"))
        return
    except PermissionError:
        conn.send(("abort", SERVICE_DISABLED))
        return
    except (OSError, RuntimeError) as err:
        conn.send(("abort", f"the query failed while its answer was being sent: {err}"))
        return
    conn.send(("end", counted.sent, counted.truncated))


def cut_message(job: Job) -> str:
    return (
        f"the answer has more than {job.max_rows} rows, the limit (setting max_rows, which a request may lower); "
        f"{job.media_type} has no place to say that an answer was cut, so it is not sent cut: add a LIMIT, "
        "or ask for SPARQL JSON or XML, which carry a link saying so"
    )


def _take(items: Iterator, count: int, deadline: float) -> list:
    taken = []
    for item in items:
        taken.append(item)
        if len(taken) >= count:
            break
        if len(taken) % 256 == 0 and time.time() > deadline:
            raise DeadlinePassed
    if time.time() > deadline:
        raise DeadlinePassed
    return taken


class _Counted:
    """The buffered items, then the rest of the iterator, up to the row cap and the deadline."""

    def __init__(self, first: list, rest: Iterator, job: Job, already: int):
        self.first, self.rest, self.job = first, rest, job
        self.more = already > len(first) or already >= PREBUFFER
        self.sent = 0
        self.truncated = False

    def __iter__(self) -> Iterator:
        for item in self.first:
            self.sent += 1
            yield item
        if not self.more or self.sent >= self.job.max_rows:
            return
        for item in self.rest:
            if self.sent >= self.job.max_rows:
                self.truncated = True
                return
            if self.sent % 256 == 0 and time.time() > self.job.deadline:
                raise DeadlinePassed
            self.sent += 1
            yield item
