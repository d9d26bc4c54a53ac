"""The pool of query workers, driven from the service's event loop.

Each worker is a process with a pipe; the loop is told when a pipe has something to read
(`add_reader`), so no thread sits waiting. A query that runs past its deadline gets its worker
killed (SIGKILL: the CPU it burns stops at once) and a fresh worker started in its place, while the
other workers go on answering. Who gets a free worker, and who is refused with 429, is the queue
policy of `azkg.store.queueing` (first come first served, deadline from arrival, admission by expected
wait, workers kept for light queries).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing
import os
import pickle
import struct
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from pathlib import Path

from azkg.errors import QueryTimeoutError, WorkerLostError
from azkg.store import worker as worker_module
from azkg.store.children import CONTEXT, preload
from azkg.store.inline import InlineLane
from azkg.store.messages import LAST, Answer, Failed, Job, Ready
from azkg.store.queueing import Scheduler, Ticket
from azkg.store.snapshots import current_snapshot
from azkg.store.telemetry import Telemetry

log = logging.getLogger(__name__)
preload(worker_module.__name__)  # workers fork from the fork server with it imported (azkg.store.children)
CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
HEAVY_NICE = 10  # a worker running a heavy job yields the CPU to light queries and the HTTP process


@dataclass(eq=False)
class _Worker:
    process: multiprocessing.process.BaseProcess
    jobs: Connection  # the service writes jobs (blocking)
    answers: Connection  # the service reads answers (non-blocking, reassembled in `pending`)
    inbox: asyncio.Queue = field(default_factory=asyncio.Queue)  # the current job's (a new one per job)
    ticket: Ticket | None = None  # the current job
    pending: bytearray = field(default_factory=bytearray)
    stat: int | None = None  # an open /proc/<pid>/stat, re-read for the CPU a job uses (None off Linux)
    demoted: bool = False  # running at HEAVY_NICE


class _Running:
    """A job on its worker, as the queue policy sees it (azkg.store.queueing.Running)."""

    def __init__(self, worker: _Worker):
        self.worker = worker
        self.start = _cpu_seconds(worker.stat)

    def cpu(self) -> float | None:
        now = _cpu_seconds(self.worker.stat)
        return None if now is None or self.start is None else now - self.start

    def stop(self) -> None:
        self.worker.process.kill()

    def demote(self) -> None:
        with contextlib.suppress(OSError, AttributeError):  # gone already, or no setpriority on this system
            os.setpriority(os.PRIO_PROCESS, self.worker.process.pid, HEAVY_NICE)  # type: ignore[arg-type]  # started
            self.worker.demoted = True


_LOST = object()  # put in a worker's inbox when its pipe closes: the process died


class _Preempted(Exception):
    """The job turned heavy while the heavy slots were full: its worker was stopped, it waits again."""


class QueryPool:
    def __init__(
        self,
        store_dir: Path,
        size: int,
        *,
        max_waiting: int = 10_000,
        heavy_after: float = 0.5,
        allow_service: bool = False,
        telemetry: Telemetry | None = None,
        inline: bool = False,
    ):
        self.store_dir, self.size = store_dir, size
        self.inline = InlineLane(store_dir) if inline else None  # bounded queries, answered with no hop
        self._on_workers = 0  # this process's jobs out to a worker (waiting for one included)
        self.allow_service = allow_service  # without it, each worker confines itself (no internet sockets)
        self.scheduler = Scheduler(
            size, max_waiting=max_waiting, heavy_after=heavy_after, start=self._send, drop=self._replace
        )
        self._all: set[_Worker] = set()
        self._closing = False
        self.telemetry = telemetry or Telemetry()

    async def start(self) -> None:
        await asyncio.gather(*(self._spawn() for _ in range(self.size)))

    async def close(self) -> None:
        self._closing = True
        for worker in list(self._all):
            self._retire(worker, kill=False)

    async def version(self) -> str | None:
        """The data version the answers come from: the live snapshot's name (a write makes another)."""
        snapshot = current_snapshot(self.store_dir)
        return snapshot.path.name if snapshot else None

    async def content_version(self) -> str | None:
        """The version the search index and the dumps are keyed by: the same, for a snapshot never changes."""
        return await self.version()

    async def health(self) -> dict:
        snapshot = current_snapshot(self.store_dir)
        return {
            "ok": snapshot is not None and self.workers > 0,
            "store": {"snapshot": snapshot.path.name, "triples": snapshot.triples} if snapshot else None,
            "workers": {"alive": self.workers, "configured": self.size},
        }

    @property
    def workers(self) -> int:
        return len(self._all)

    async def run(self, job: Job, *, client: str = "", light: bool = False) -> AsyncIterator[Answer]:
        """The job's messages, up to its last, from the inline lane (a bounded query, see `_inline_now`) or
        a worker; QueryTimeoutError past `job.deadline` (waiting included), TooManyRequestsError if the
        queue would not reach it in time. `light`: a look-up of the app's own, never classed heavy;
        `client`: whom the per-client turns are for."""
        answered = self.inline.answer(job) if self.inline is not None and self._inline_now() else None
        if answered is not None:
            self.telemetry.answered_inline()
            for message in answered:
                yield message
            return
        self._on_workers += 1
        try:
            ticket = self.scheduler.ticket(job.query, client, light, job.deadline)
            ticket.job = job
            while True:
                worker = await self.scheduler.acquire(ticket)  # the job was sent to it at the hand-over
                try:
                    if ticket.send_failed:
                        raise WorkerLostError("the query worker stopped unexpectedly")
                    # not for the app's look-ups (spares them the read of the CPU time), nor for a job answered
                    # and given back already (the worker may be on another job)
                    if not ticket.light and worker.ticket is ticket:
                        self.scheduler.watch(ticket, _Running(worker))
                    while True:
                        message = await self._receive(ticket, job)
                        ticket.answered = True
                        yield message
                        if isinstance(message, LAST):
                            return
                except _Preempted:
                    pass  # back to the heavy line, below
                finally:
                    if not ticket.released:  # timed out, died, aborted, preempted or abandoned mid-answer
                        self._done(ticket, worker, healthy=False)
        finally:
            self._on_workers -= 1

    def _inline_now(self) -> bool:
        """The inline lane saves the hop but keeps the work on this process's one core (measured: faster
        alone, slower when busy, docs/benchmarks.md). It answers when no other job is out to a worker (a
        lone request, whose latency counts), or when heavy jobs hold the workers and none is free (it
        would wait behind them); a process busy with light jobs spreads them over the workers' cores."""
        return self._on_workers == 0 or (not self.scheduler.idle and self.scheduler.heavy_running > 0)

    @staticmethod
    def _send(ticket: Ticket, worker: _Worker) -> None:
        """Called by the scheduler as it hands the worker over; a failure is raised by `run`, in the
        job's own task, not in whichever task freed the worker. The job's messages go to a queue of
        its own, so that a worker given back early (see `_on_readable`) cannot mix two jobs' messages."""
        ticket.inbox = worker.inbox = asyncio.Queue()
        worker.ticket, ticket.released = ticket, False
        try:
            worker.jobs.send(ticket.job)
            ticket.send_failed = False
        except OSError:
            ticket.send_failed = True

    def _done(self, ticket: Ticket, worker: _Worker, healthy: bool) -> None:
        self.scheduler.finished(ticket)
        if healthy and worker.demoted:
            healthy = _promote(worker)
        if healthy:
            self.scheduler.release(worker)
        else:
            self._replace(worker)

    async def _receive(self, ticket: Ticket, job: Job) -> Answer:
        """The next message, or the kill timer: a worker silent past the job's deadline is killed (by
        `run`'s finally, as unhealthy) and the query answered with the time-limit error."""
        try:
            message = await asyncio.wait_for(ticket.inbox.get(), timeout=job.deadline.remaining())  # type: ignore[union-attr]  # set when sent
        except TimeoutError:
            self._finished(QueryTimeoutError.code)
            raise job.deadline.error() from None
        if message is _LOST:
            if ticket.preempted:
                raise _Preempted
            self._finished(WorkerLostError.code)
            raise WorkerLostError("the query worker stopped unexpectedly")
        if isinstance(message, LAST):
            self._finished(message.code if isinstance(message, Failed) else "ok")
        return message

    def _finished(self, outcome: str) -> None:
        """A query's run on a worker ended: "ok", or its error's code. The one place where that is counted."""
        if outcome == QueryTimeoutError.code:
            self.telemetry.query_timed_out()
        elif outcome == WorkerLostError.code:
            self.telemetry.worker_lost()

    async def _spawn(self) -> None:
        job_reader, job_writer = CONTEXT.Pipe(duplex=False)
        answer_reader, answer_writer = CONTEXT.Pipe(duplex=False)
        process = CONTEXT.Process(
            target=worker_module.main, args=(job_reader, answer_writer, str(self.store_dir), self.allow_service),
            daemon=True,
        )
        process.start()
        job_reader.close()
        answer_writer.close()
        worker = _Worker(process, job_writer, answer_reader, stat=_open_stat(process.pid))
        self._all.add(worker)
        os.set_blocking(answer_reader.fileno(), False)
        asyncio.get_running_loop().add_reader(answer_reader.fileno(), self._on_readable, worker)
        ready = await worker.inbox.get()
        if not isinstance(ready, Ready):
            self._retire(worker, kill=True)
            raise WorkerLostError(f"a query worker failed to start (exit code {process.exitcode})")
        self.scheduler.release(worker)

    def _on_readable(self, worker: _Worker) -> None:
        """Read what the pipe has and pass on every complete message (multiprocessing's framing:
        a 4-byte big-endian size, or -1 and an 8-byte size, then the pickle)."""
        try:
            data = os.read(worker.answers.fileno(), 1 << 20)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        if not data:
            asyncio.get_running_loop().remove_reader(worker.answers.fileno())
            worker.inbox.put_nowait(_LOST)
            if worker.ticket is None and worker in self.scheduler.idle:  # died idle: not handed to anyone
                self.scheduler.idle.remove(worker)
                self._replace(worker)
            return
        buffer = worker.pending
        buffer += data
        while len(buffer) >= 4:
            size, start = struct.unpack("!i", buffer[:4])[0], 4
            if size == -1:
                if len(buffer) < 12:
                    return
                size, start = struct.unpack("!Q", buffer[4:12])[0], 12
            if len(buffer) < start + size:
                return
            message = pickle.loads(buffer[start : start + size])
            del buffer[: start + size]
            worker.inbox.put_nowait(message)
            if isinstance(message, LAST):
                self._give_back(worker)

    def _give_back(self, worker: _Worker) -> None:
        """The job's last message is in: the worker goes to the next job now, from the reader callback,
        rather than when the job's task next runs (on a busy event loop, many milliseconds of an idle
        worker per job; and a consumer that stops at the last message never resumes the task)."""
        ticket, worker.ticket = worker.ticket, None
        if ticket is None or ticket.preempted:  # a preempted worker is replaced by the job's task
            return
        ticket.released = True
        self._done(ticket, worker, healthy=True)

    def _replace(self, worker: _Worker) -> None:
        """Kill a worker (past its deadline, preempted, died, or left mid-answer) and start another: the one
        place where a worker is killed."""
        self.telemetry.worker_killed(
            _kill_reason(worker), worker.process.pid, not self._closing
        )
        self._retire(worker, kill=True)
        if not self._closing:
            task = asyncio.get_running_loop().create_task(self._spawn())
            task.add_done_callback(_log_failure)

    def _retire(self, worker: _Worker, kill: bool) -> None:
        self._all.discard(worker)
        with contextlib.suppress(ValueError, OSError):
            asyncio.get_running_loop().remove_reader(worker.answers.fileno())
        if kill:
            worker.process.kill()
        else:
            try:
                worker.jobs.send(None)
            except OSError:
                worker.process.kill()
        worker.jobs.close()
        worker.answers.close()
        if worker.stat is not None:
            os.close(worker.stat)
            worker.stat = None
        worker.process.join(timeout=2)


def _kill_reason(worker: _Worker) -> str:
    """Why the pool replaces a worker, told from the state it leaves behind (for the metrics and the log)."""
    ticket = worker.ticket
    if ticket is not None and ticket.preempted:
        return "preempted"
    if wait([worker.process.sentinel], timeout=0):  # ready once the process is ending, reaped or not
        return "died"
    if ticket is None:
        return "not_promoted"  # its job was answered, but its priority could not be raised back
    if ticket.deadline.expired():
        return "timeout"
    return "abandoned"  # its client went away, or the answer was aborted, before the last message


def _cpu_seconds(stat: int | None) -> float | None:
    """The CPU seconds a worker has used, from its /proc stat file, which stays open and is re-read with
    pread (about 10 µs, against 80 for opening it each time); None where there is no such file."""
    if stat is None:
        return None
    try:
        fields = os.pread(stat, 1024, 0).rsplit(b")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def _promote(worker: _Worker) -> bool:
    """A demoted worker back to normal priority; False where that is not allowed (raising priority
    needs a privilege), and the worker is replaced instead."""
    try:
        os.setpriority(os.PRIO_PROCESS, worker.process.pid, 0)  # type: ignore[arg-type]  # started
    except (OSError, AttributeError):
        return False
    worker.demoted = False
    return True


def _open_stat(pid: int | None) -> int | None:
    try:
        return os.open(f"/proc/{pid}/stat", os.O_RDONLY)
    except OSError:
        return None


def _log_failure(task: asyncio.Task) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("could not start a replacement query worker: %s", task.exception())
