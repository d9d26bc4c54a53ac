"""Who gets the next free query worker: the queue policy of the pool, kept apart from the processes so
that it can be tested in-process with a fake clock and timer (`clock`, `call_later`).

- First come, first served: a freed worker goes straight to the oldest waiter (no barging by a request
  that arrives at that moment). Clients take turns: each client (IP address) has its own line, so a
  flood from one client queues behind itself, not in front of others; with one client it is a FIFO.
- One clock, from arrival: a ticket's deadline (azkg.sparql.evaluation.Deadline) is made when the
  request arrives and counts the wait. A waiter whose deadline passes leaves the queue with the
  time-limit error, never having taken a worker.
- Admission by expected wait, not by count: a request is admitted while the estimated wait (the
  waiters ahead × the recent mean service time, an exponential moving average, / the workers) is
  below its remaining time limit; otherwise 429 with Retry-After from that estimate. A large hard
  cap (max_waiting) bounds memory.
- Light queries cannot be starved: a job is heavy once it has used `heavy_after` seconds of CPU (CPU,
  not wall time: on a loaded machine a light query may take long without being heavy), or when the
  same query text did before (a small LRU of slow queries). With two workers or more, at
  most workers - 1 heavy jobs run at once; known-heavy jobs wait in a heavy line, and a job that turns
  heavy while the heavy slots are full is stopped and put back in the heavy line (its deadline still
  counts from arrival). Look-ups made by the app itself are light by construction.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from azkg.errors import TooManyRequestsError
from azkg.sparql.evaluation import CLOCK, Deadline

WAIT_BUCKETS = (0.005, 0.01, 0.05, 0.1, 0.5, 1.0, 5.0)  # seconds, for the metrics' histogram
SLOW_REMEMBERED = 1024  # query texts remembered as slow (LRU)
EMA_WEIGHT = 0.1  # weight of the newest service time in the moving averages


class Timer(Protocol):
    """A callback scheduled for later (asyncio.TimerHandle outside tests)."""

    def cancel(self) -> None: ...


CallLater = Callable[[float, Callable[[], None]], Timer]


def call_later_on_loop(delay: float, callback: Callable[[], None]) -> asyncio.TimerHandle:
    """The running event loop's timer: the scheduler's default `call_later`."""
    return asyncio.get_running_loop().call_later(delay, callback)


@dataclass(eq=False)
class Ticket:
    """One request for a worker, from arrival to the end of its run."""

    key: bytes  # digest of the query text: the slow-query memory's key
    client: str
    light: bool  # light by construction (the app's own look-ups): never heavy, never stopped for others
    arrived: float
    deadline: Deadline
    heavy: bool = False
    future: asyncio.Future | None = None  # set while it waits for a worker
    timer: Timer | None = None
    gone: bool = False  # left its line (expired or cancelled); skipped when reached
    admitted: bool = False
    started: float | None = None
    holds_heavy_slot: bool = False
    answered: bool = False  # a message was passed on: too late to stop and requeue it
    preempted: bool = False
    job: object = None  # what `start` sends to the worker
    send_failed: bool = False
    released: bool = False  # its worker was given back on its last message
    inbox: asyncio.Queue | None = None  # its worker's messages for this run


class Running(Protocol):
    """What the policy may do to a running job's worker."""

    def cpu(self) -> float | None:
        """CPU seconds the job has used so far; None where unknown (then wall time is used). Heavy is
        judged on CPU so that a light query slowed by a loaded machine is not taken for a heavy one."""

    def stop(self) -> None:
        """Kill the job's worker (it is requeued by the pool)."""

    def demote(self) -> None:
        """Lower the worker's CPU priority, so that light queries and the HTTP process come first."""


class _Line:
    """Waiters of one kind: one FIFO per client, clients taking turns. Leaving is lazy (`gone`)."""

    def __init__(self) -> None:
        self.by_client: dict[str, deque[Ticket]] = {}
        self.turns: deque[str] = deque()
        self.length = 0

    def push(self, ticket: Ticket) -> None:
        line = self.by_client.get(ticket.client)
        if line is None:
            line = self.by_client[ticket.client] = deque()
            self.turns.append(ticket.client)
        line.append(ticket)
        self.length += 1

    def peek(self) -> Ticket | None:
        while self.turns:
            line = self.by_client[self.turns[0]]
            while line and line[0].gone:
                line.popleft()
            if line:
                return line[0]
            del self.by_client[self.turns.popleft()]
        return None

    def pop(self) -> Ticket:
        client = self.turns.popleft()
        line = self.by_client[client]
        ticket = line.popleft()
        if line:
            self.turns.append(client)  # the next of this client's waiters goes behind the other clients
        else:
            del self.by_client[client]
        self.length -= 1
        return ticket


@dataclass
class Metrics:
    requests: int = 0
    refused: int = 0  # 429
    expired_waiting: int = 0  # 503 without having run
    preempted: int = 0
    waits: int = 0
    wait_seconds: float = 0.0
    wait_buckets: list[int] = field(default_factory=lambda: [0] * len(WAIT_BUCKETS))

    def waited(self, seconds: float) -> None:
        self.waits += 1
        self.wait_seconds += seconds
        for index, bound in enumerate(WAIT_BUCKETS):
            if seconds <= bound:
                self.wait_buckets[index] += 1


class Scheduler:
    def __init__(
        self,
        workers: int,
        *,
        max_waiting: int = 10_000,
        heavy_after: float = 0.5,
        clock: Callable[[], float] = CLOCK,
        call_later: CallLater = call_later_on_loop,
        start: Callable[[Ticket, Any], None] | None = None,
        drop: Callable[[Any], None] | None = None,
    ):
        self.workers, self.max_waiting, self.heavy_after, self.clock = workers, max_waiting, heavy_after, clock
        self.call_later = call_later  # with `clock`, the time a test can drive: (delay, callback) -> Timer
        # called with (ticket, worker) at the hand-over itself, so that the worker starts at once rather
        # than when the waiting task next runs (a loop turn later: long on a busy event loop)
        self.start = start or (lambda ticket, worker: None)
        self.drop = drop or self.release  # a worker given to a request that went away (its job already sent)
        self.heavy_slots = max(1, workers - 1)  # one worker kept for light jobs when there are two or more
        self.light, self.heavy = _Line(), _Line()
        self.idle: list = []
        self.running = 0
        self.heavy_running = 0
        self.service = {False: 0.01, True: 1.0}  # moving mean service time, light and heavy, in seconds
        self.slow: OrderedDict[bytes, None] = OrderedDict()
        self.metrics = Metrics()

    def ticket(self, query: str, client: str, light: bool, deadline: Deadline) -> Ticket:
        """`deadline` must be on this scheduler's clock (both are time.monotonic outside tests)."""
        key = hashlib.blake2b(query.encode("utf-8", "surrogatepass"), digest_size=16).digest()
        ticket = Ticket(key, client, light, self.clock(), deadline)
        ticket.heavy = not light and key in self.slow
        self.metrics.requests += 1
        return ticket

    # ------------------------------------------------------------------ waiting

    async def acquire(self, ticket: Ticket):
        """A worker for this ticket, handed over in turn; TooManyRequestsError or QueryTimeoutError instead."""
        if not ticket.admitted:
            self._admit(ticket)
        worker = self._take_at_once(ticket)
        if worker is not None:
            return worker
        ticket.future = asyncio.get_running_loop().create_future()
        ticket.gone = False
        (self.heavy if ticket.heavy else self.light).push(ticket)
        delay = max(ticket.deadline.remaining(), 0)
        ticket.timer = self.call_later(delay, functools.partial(self._expire, ticket))
        try:
            return await ticket.future
        except asyncio.CancelledError:
            self._abandon(ticket)
            raise

    def estimated_wait(self, heavy: bool) -> float:
        """Seconds a request arriving now would wait: the waiters ahead (plus one if no worker is free for
        it) × the moving mean service time of its kind / the workers that kind may use."""
        if heavy:
            ahead = self.heavy.length + (self.heavy_running >= self.heavy_slots)
            return ahead * self.service[True] / self.heavy_slots
        ahead = self.light.length + (not self.idle)
        return ahead * self.service[False] / max(1, self.workers - self.heavy_running)

    def _admit(self, ticket: Ticket) -> None:
        wait = self.estimated_wait(ticket.heavy)
        if self.light.length + self.heavy.length >= self.max_waiting:
            self._refuse(f"{self.light.length + self.heavy.length} queries are waiting (setting max_waiting)", wait)
        if wait >= ticket.deadline.remaining():
            kind = "heavy queries" if ticket.heavy else "queries"
            self._refuse(f"the {kind} ahead would take about {wait:.1f} s, longer than this query's time limit", wait)
        ticket.admitted = True

    def _refuse(self, why: str, wait: float) -> None:
        self.metrics.refused += 1
        raise TooManyRequestsError(f"the service is overloaded: {why}; try again shortly", wait)

    def _take_at_once(self, ticket: Ticket):
        """A free worker when nobody waits ahead of this ticket (else it queues: no barging)."""
        if not self.idle:
            return None
        if ticket.heavy and (self.heavy.peek() is not None or self.heavy_running >= self.heavy_slots):
            return None
        if not ticket.heavy and self.light.peek() is not None:
            return None
        worker = self.idle.pop()
        self._hand_over(ticket, worker)
        return worker

    def _expire(self, ticket: Ticket) -> None:
        if ticket.future is None or ticket.future.done():
            return
        self._leave(ticket)
        self.metrics.expired_waiting += 1
        ticket.future.set_exception(ticket.deadline.error())

    def _abandon(self, ticket: Ticket) -> None:
        """The waiting request went away (client gone): its place, or the worker it was just given, back."""
        future = ticket.future
        if future is not None and future.done() and not future.cancelled() and future.exception() is None:
            if self.finished(ticket):  # else its job was answered already and the worker given back
                self.drop(future.result())
        elif not ticket.gone:
            self._leave(ticket)

    def _leave(self, ticket: Ticket) -> None:
        ticket.gone = True
        (self.heavy if ticket.heavy else self.light).length -= 1
        if ticket.timer is not None:
            ticket.timer.cancel()

    # ------------------------------------------------------------------ handing over

    def release(self, worker) -> None:
        """A worker is free (after a job, or newly started): to the oldest eligible waiter, else idle."""
        self.idle.append(worker)
        self._dispatch()

    def _dispatch(self) -> None:
        while self.idle:
            ticket = self._next()
            if ticket is None:
                return
            ticket.timer.cancel()  # type: ignore[union-attr]  # a waiting ticket has its timer and future
            worker = self.idle.pop()
            self._hand_over(ticket, worker)
            ticket.future.set_result(worker)  # type: ignore[union-attr]

    def _next(self) -> Ticket | None:
        """The oldest waiter that may run now: light first in its line, heavy only while a heavy slot is free."""
        while True:
            light = self.light.peek()
            heavy = self.heavy.peek() if self.heavy_running < self.heavy_slots else None
            if light is None and heavy is None:
                return None
            if heavy is not None and (light is None or heavy.arrived < light.arrived):
                return self.heavy.pop()
            ticket = self.light.pop()
            if ticket.light or ticket.key not in self.slow:
                return ticket
            ticket.heavy = True  # its text turned out slow while it waited: it waits in the heavy line
            self.heavy.push(ticket)

    def _hand_over(self, ticket: Ticket, worker) -> None:
        self.metrics.waited(self.clock() - ticket.arrived)
        self.running += 1
        ticket.started = self.clock()
        ticket.answered = ticket.preempted = False
        if ticket.heavy:
            self.heavy_running += 1
            ticket.holds_heavy_slot = True
        self.start(ticket, worker)

    # ------------------------------------------------------------------ running

    def watch(self, ticket: Ticket, running: Running) -> None:
        """Arm the heavy check of a running job (a known-heavy one is demoted at once)."""
        if ticket.light:
            return
        if ticket.heavy:
            running.demote()
            return
        self._arm(ticket, running, self.heavy_after)

    def _arm(self, ticket: Ticket, running: Running, delay: float) -> None:
        ticket.timer = self.call_later(delay, functools.partial(self._check_heavy, ticket, running))

    def _check_heavy(self, ticket: Ticket, running: Running) -> None:
        if ticket.started is None:
            return
        spent = running.cpu()
        if spent is None:
            spent = self.clock() - ticket.started
        if spent < self.heavy_after:  # starved of CPU, not heavy (yet): look again when it could be
            self._arm(ticket, running, max(self.heavy_after - spent, self.heavy_after / 4))
            return
        self._remember_slow(ticket.key)
        ticket.heavy = ticket.holds_heavy_slot = True
        self.heavy_running += 1
        if self.heavy_running > self.heavy_slots and self.workers > 1 and not ticket.answered:
            ticket.preempted = True  # the heavy slots are full: back to the heavy line, a worker for the rest
            self.metrics.preempted += 1
            running.stop()
        else:
            running.demote()

    def finished(self, ticket: Ticket) -> bool:
        """The job left its worker (answered, failed, stopped or preempted); False if it had already."""
        if ticket.timer is not None:
            ticket.timer.cancel()
        if ticket.started is None:
            return False
        ran = self.clock() - ticket.started
        ticket.started = None
        self.running -= 1
        if ticket.holds_heavy_slot:
            self.heavy_running -= 1
            ticket.holds_heavy_slot = False
        kind = ticket.heavy
        self.service[kind] += EMA_WEIGHT * (ran - self.service[kind])
        self._dispatch()  # a heavy slot may have opened
        return True

    def _remember_slow(self, key: bytes) -> None:
        self.slow[key] = None
        self.slow.move_to_end(key)
        while len(self.slow) > SLOW_REMEMBERED:
            self.slow.popitem(last=False)
