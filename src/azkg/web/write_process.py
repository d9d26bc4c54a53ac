"""Each write runs in a child process of its own, confined like a query worker (no network, bounded memory).

What a write parses is untrusted: a deeply nested update overflows the parser's stack (a segfault),
an RDF/XML body can expand entities without end, `LOAD <url>` makes the evaluating process fetch the
URL. In a child process all of that costs the child alone: the service's event loop only waits on a
pipe. The child parses first (the update on an empty in-memory store, the body into quads), says
`Parsed`, then takes the store's lock and applies and publishes the change. The parent turns the
outcome into the answer: a result, an error the child reports, or the child's death — before
`Parsed` nothing was changed; after it the store's dirty marker makes the next writer reset primary,
so the store holds all of the write or none of it whatever moment the child died.

This module must not import the web stack: the fork server imports it.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import signal
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path

import pyoxigraph

from azkg.errors import AzkgError, PayloadTooLargeError, RequestError, StoreError, WriteLostError, reported
from azkg.sparql import evaluation
from azkg.store.children import CONTEXT, preload
from azkg.store.sandbox import confine
from azkg.store.snapshots import store_failure, writing
from azkg.web.update_dataset import with_dataset

log = logging.getLogger(__name__)
preload(__name__)  # each write forks from the fork server with this module imported (azkg.store.children)
LOAD_DISABLED = "LOAD is disabled: the server sends no requests to other URLs (setting allow_service)"


@dataclass(frozen=True)
class UpdateJob:
    text: str
    base_iri: str
    using: tuple[str, ...] = ()  # using-graph-uri
    using_named: tuple[str, ...] = ()  # using-named-graph-uri


@dataclass(frozen=True)
class UploadJob:
    graph: str | None  # None: the default graph
    body: bytes
    media_type: str
    format: str  # a pyoxigraph.RdfFormat's MIME type (RdfFormat itself does not pickle)
    replace: bool


@dataclass(frozen=True)
class DeleteJob:
    graph: str | None


Job = UpdateJob | UploadJob | DeleteJob


@dataclass(frozen=True)
class WriteLimits:
    store_dir: Path
    memory_bytes: int
    network: bool
    source_sha256: str | None


@dataclass(frozen=True)
class Parsed:
    """Sent by the child once the job is parsed, before it touches the store."""


@dataclass(frozen=True)
class Written:
    changed: bool  # for a PUT/POST: the graph is new; for a DELETE: the graph existed


@dataclass(frozen=True)
class Failed:
    code: str  # of the error tree (azkg.errors), which the service raises again by it
    message: str


async def run_write(job: Job, limits: WriteLimits) -> bool:
    """Run the job in a confined child and wait for it in a thread, so the event loop never blocks
    (not even on the first write, which starts the fork server)."""
    outcome = await asyncio.to_thread(_run, job, limits)
    if isinstance(outcome, Written):
        return outcome.changed
    raise reported(outcome.code, outcome.message, StoreError)


def _run(job: Job, limits: WriteLimits) -> Written | Failed:
    reader, writer = CONTEXT.Pipe(duplex=False)
    process = CONTEXT.Process(target=child_main, args=(writer, job, limits), daemon=True)
    try:
        process.start()
        writer.close()  # so that the child's death reads as end of file
        return _outcome(reader, process)
    finally:
        reader.close()


def _outcome(reader: Connection, process: multiprocessing.process.BaseProcess) -> Written | Failed:
    parsed = False
    try:
        while True:
            message = reader.recv()
            if isinstance(message, Parsed):
                parsed = True
                continue
            process.join()
            return message
    except EOFError:
        process.join()
    return _death(process.exitcode, parsed)


def _death(exitcode: int | None, parsed: bool) -> Failed:
    """What to say when the child died without an answer (killed by a signal, or out of memory)."""
    how = f"exit {exitcode}"
    if exitcode is not None and exitcode < 0:
        how = f"signal {signal.Signals(-exitcode).name if -exitcode in signal.valid_signals() else -exitcode}"
    log.warning("a write process stopped (%s) %s parsing", how, "after" if parsed else "while")
    if not parsed:
        return Failed(RequestError.code, f"the write could not be parsed: the process parsing it stopped ({how}); "
                      "is it nested too deeply, or larger than the setting write_memory_mb allows? Nothing changed")
    return Failed(WriteLostError.code, f"the write process stopped ({how}) before it answered (out of memory? "
                  "setting write_memory_mb); the store holds either all of this write or none of it")


def child_main(answers: Connection, job: Job, limits: WriteLimits) -> None:
    """The child: confine, parse, apply under the store's lock, publish; answer with one message."""
    try:
        confine(limits.memory_bytes, network=limits.network)
        answers.send(Written(_apply(job, limits, answers)))
    except BaseException as err:  # every failure is an answer; the parent maps it
        answers.send(_failure(err))
    finally:
        answers.close()


def _apply(job: Job, limits: WriteLimits, answers: Connection) -> bool:
    update = _parse_update(job) if isinstance(job, UpdateJob) else ""
    quads = _parse_body(job) if isinstance(job, UploadJob) else []
    answers.send(Parsed())
    with writing(limits.store_dir) as writer:
        if isinstance(job, UpdateJob):
            writer.update(update, base_iri=job.base_iri)
            changed = True
        elif isinstance(job, UploadJob):
            changed = writer.put_graph(_graph(job.graph), quads, job.replace)
        else:
            changed = writer.drop_graph(_graph(job.graph))
            if not changed:
                return False
        writer.publish(limits.source_sha256)
    return changed


def _parse_update(job: UpdateJob) -> str:
    """The update to run (with the protocol's dataset applied), parsed before the store is touched:
    pyoxigraph parses an update only to run it, so it is run on an empty in-memory store first."""
    text = with_dataset(job.text, job.using, job.using_named)
    try:
        evaluation.update(pyoxigraph.Store(), text, job.base_iri)
    except PermissionError:
        raise  # the sandbox refused LOAD's socket
    except OSError as err:  # an in-memory store does no I/O but LOAD's: the URL failed
        raise RequestError(f"the update failed and changed nothing: {err}") from err
    except (RuntimeError, ValueError):
        pass  # DROP GRAPH <g> fails on the empty store; the real store decides
    return text


def _parse_body(job: UploadJob) -> list[pyoxigraph.Quad]:
    try:
        return list(pyoxigraph.parse(job.body, format=pyoxigraph.RdfFormat.from_media_type(job.format)))
    except SyntaxError as err:
        raise RequestError(f"the body is not valid {job.media_type}: {err}") from None


def _graph(name: str | None) -> pyoxigraph.NamedNode | pyoxigraph.DefaultGraph:
    return pyoxigraph.DefaultGraph() if name is None else pyoxigraph.NamedNode(name)


def _failure(err: BaseException) -> Failed:
    if isinstance(err, AzkgError):
        return Failed(err.code, str(err))
    if isinstance(err, PermissionError):  # the sandbox refused a socket: LOAD (or SERVICE) of a URL
        return Failed(RequestError.code, LOAD_DISABLED)
    if isinstance(err, MemoryError):
        return Failed(PayloadTooLargeError.code, "the write needs more memory than the setting write_memory_mb "
                      "allows; nothing changed")
    if isinstance(err, OSError):
        failure = store_failure(err, "the write failed")
        return Failed(failure.code, str(failure))
    log.exception("a write failed")
    return Failed(StoreError.code, "the write failed and changed nothing")
