"""A query worker: a process that evaluates one query at a time against the live store snapshot.

The service kills a worker whose query runs past its deadline (pyoxigraph cannot cancel a query),
so everything here is disposable. Between rows the worker checks the deadline itself, which stops a
streaming query without a kill; a sort or a group that has not produced its first row is stopped by
the kill. Each query is evaluated once (azkg.sparql.evaluation) and its rows read once, written as
the pool's messages by azkg.store.answering.

Unless SERVICE is allowed, the worker confines itself before it opens the store (azkg.store.sandbox): it
cannot open an internet socket, so no spelling of SERVICE reaches another host; pyoxigraph's
attempt fails with PermissionError, answered as `service_disabled`. Where the sandbox is not
available the worker refuses to start rather than run unconfined.
"""

from __future__ import annotations

import sys
from multiprocessing.connection import Connection
from pathlib import Path

import pyoxigraph

from azkg.sparql.evaluation import error_of, evaluate
from azkg.store.answering import ENGINE_ERRORS, send_results
from azkg.store.messages import Failed, Job, Ready
from azkg.store.sandbox import SandboxError, confine
from azkg.store.snapshots import LiveReader


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
    reader = LiveReader(Path(store_dir))
    answers.send(Ready())
    while True:
        try:
            job = jobs.recv()
        except (EOFError, OSError):
            return
        if job is None:
            return
        try:
            _answer(answers, reader.store(), job, reader.single_graph)
        except (BrokenPipeError, OSError):
            return


def _answer(conn: Connection, store: pyoxigraph.Store, job: Job, single_graph: bool = False) -> None:
    try:
        results = evaluate(
            store, job.query, bindings=dict(job.bindings), dataset=job.dataset, base_iri=job.base_iri,
            single_graph=single_graph,
        )
        send_results(conn, results, job)
    except ENGINE_ERRORS as err:  # before the head: the answer is this error
        conn.send(Failed.of(error_of(err)))
