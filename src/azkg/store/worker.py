"""A query worker: a process that evaluates one query at a time against the live store snapshot.

The service kills a worker whose query runs past its deadline (pyoxigraph cannot cancel a query),
so everything here is disposable. Between rows the worker checks the deadline itself, which stops a
streaming query without a kill; a sort or a group that has not produced its first row is stopped by
the kill. Each query is evaluated once (azkg.sparql.evaluation) and its rows read once: the first
PREBUFFER rows decide whether the answer goes whole or streamed; the messages are azkg.store.messages.

A cut answer says so in its body: SPARQL JSON and XML carry a head link to a notice (results.
TRUNCATION_NOTICE); the formats with no place for it (CSV, TSV, RDF syntaxes) are refused with 422
answer_truncated instead of being sent cut.

Unless SERVICE is allowed, the worker confines itself before it opens the store (azkg.store.sandbox): it
cannot open an internet socket, so no spelling of SERVICE reaches another host; pyoxigraph's
attempt fails with PermissionError, answered as `service_disabled`. Where the sandbox is not
available the worker refuses to start rather than run unconfined.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from multiprocessing.connection import Connection
from pathlib import Path

import pyoxigraph

from azkg.errors import AnswerTruncatedError, AzkgError
from azkg.sparql.evaluation import CHECK_EVERY, error_of, evaluate, take
from azkg.sparql.results import TRUNCATION_NOTICE, says_cut, write_boolean, write_solutions, write_triples
from azkg.store.messages import Chunk, Done, Failed, Head, Job, Ready, Whole
from azkg.store.sandbox import SandboxError, confine
from azkg.store.snapshots import CURRENT, open_reader

PREBUFFER = 2048  # rows read before the head is sent, so that most answers know whether they were cut
WHOLE_BYTES = 4 << 20  # an answer known complete and smaller than this goes in one message
# what pyoxigraph raises while evaluating or while its results are iterated (azkg.sparql.evaluation.error_of)
ENGINE_ERRORS = (AzkgError, SyntaxError, ValueError, OSError, RuntimeError, MemoryError)


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
    answers.send(Ready())
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
        results = evaluate(
            store, job.query, bindings=dict(job.bindings), dataset=job.dataset, base_iri=job.base_iri
        )
        if isinstance(results, pyoxigraph.QueryBoolean):
            conn.send(Whole(write_boolean(bool(results), job.media_type), False))
            return
        if isinstance(results, pyoxigraph.QuerySolutions):
            variables = [v.value for v in results.variables]
            rows: Iterator = ([solution[name] for name in variables] for solution in results)
            _stream(conn, job, rows, lambda items, link: write_solutions(variables, items, job.media_type, link))
            return
        _stream(conn, job, iter(results), lambda items, _: write_triples(items, job.media_type))
    except ENGINE_ERRORS as err:  # before the head: the answer is this error
        conn.send(Failed.of(error_of(err)))


def _stream(conn: Connection, job: Job, items: Iterator, write: Callable) -> None:
    """Read ahead PREBUFFER items; then send the answer whole, or its head and its chunks, stopping at the
    row cap. Errors before the head propagate (the caller answers with them); after it, they end the body."""
    buffered = take(items, min(job.max_rows + 1, PREBUFFER), job.deadline)
    complete = len(buffered) <= job.max_rows and len(buffered) < PREBUFFER
    truncated = len(buffered) > job.max_rows
    if truncated and not says_cut(job.media_type):
        raise AnswerTruncatedError(cut_message(job))
    link = TRUNCATION_NOTICE.format(job.max_rows) if truncated else None
    if complete or truncated:
        body = b"".join(write(iter(buffered[: job.max_rows]), link))
        if len(body) < WHOLE_BYTES:
            conn.send(Whole(body, truncated, min(len(buffered), job.max_rows)))
            return
    conn.send(Head(truncated if (complete or truncated) else None))
    capped = _Capped(buffered[: job.max_rows], items, job, already=len(buffered))
    try:
        for chunk in write(iter(capped), link):
            conn.send(Chunk(chunk))
    except ENGINE_ERRORS as err:
        conn.send(Failed.of(error_of(err)))
        return
    conn.send(Done(capped.sent, capped.truncated))


def cut_message(job: Job) -> str:
    return (
        f"the answer has more than {job.max_rows} rows, the limit (setting max_rows, which a request may lower); "
        f"{job.media_type} has no place to say that an answer was cut, so it is not sent cut: add a LIMIT, "
        "or ask for SPARQL JSON or XML, which carry a link saying so"
    )


class _Capped:
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
            if self.sent % CHECK_EVERY == 0 and self.job.deadline.expired():
                raise self.job.deadline.error()
            self.sent += 1
            yield item
