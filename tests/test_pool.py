"""The pool's queue policy (azkg.store.queueing), in-process: workers are plain tokens and the clock is fake
where the test reasons about estimates, and the heavy check's timer is fired by the test (FakeTime)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest

from azkg.errors import QueryTimeoutError, TooManyRequestsError
from azkg.sparql.evaluation import Deadline
from azkg.store.queueing import Scheduler

LIGHT = "ASK { <https://w3id.org/azkg/id/x> ?p ?o }"
HEAVY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class FakeTime(Clock):
    """A clock and the scheduler's timer together: callbacks wait until the test advances the time."""

    def __init__(self) -> None:
        super().__init__()
        self.pending: list[tuple[float, Callable[[], None], Handle]] = []

    def call_later(self, delay: float, callback: Callable[[], None]) -> Handle:
        handle = Handle()
        self.pending.append((self.now + delay, callback, handle))
        return handle

    def advance(self, seconds: float) -> None:
        """Move the clock on, then run the callbacks now due (and those they schedule that are due too)."""
        self.now += seconds
        while due := [entry for entry in self.pending if entry[0] <= self.now]:
            for entry in due:
                self.pending.remove(entry)
            for _, callback, handle in sorted(due, key=lambda entry: entry[0]):
                if not handle.cancelled:
                    callback()

    def scheduler(self, workers: int, **options) -> Scheduler:
        return scheduler(workers, clock=self, call_later=self.call_later, **options)


class Handle:
    def __init__(self) -> None:
        self.cancelled = False

    def cancel(self) -> None:
        self.cancelled = True


class Job:
    """A running job as the policy sees it: CPU time as the test says (None: wall time), and a record of
    what was done to it."""

    def __init__(self, name: str, cpu: float | None = None) -> None:
        self.name, self.used, self.done = name, cpu, []

    def cpu(self) -> float | None:
        return self.used

    def stop(self) -> None:
        self.done.append("stopped")

    def demote(self) -> None:
        self.done.append("demoted")


def ticket_for(pool: Scheduler, query: str, client: str, light: bool, seconds: float):
    """A ticket whose deadline is `seconds` away on the scheduler's own clock (fake or real)."""
    return pool.ticket(query, client, light, Deadline.after(seconds, clock=pool.clock))


def scheduler(workers: int = 1, **options) -> Scheduler:
    found = Scheduler(workers, **options)
    for index in range(workers):
        found.release(f"w{index}")
    return found


async def settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


def test_a_freed_worker_goes_to_the_oldest_waiter_not_to_a_newcomer():
    async def scenario() -> list[str]:
        pool = scheduler(1)
        order: list[str] = []
        first = ticket_for(pool, LIGHT, "c", False, 10)
        worker = await pool.acquire(first)

        async def wait(name: str) -> None:
            ticket = ticket_for(pool, LIGHT, "c", False, 10)
            got = await pool.acquire(ticket)
            order.append(name)
            pool.finished(ticket)
            pool.release(got)

        waiters = [asyncio.create_task(wait(name)) for name in ("b", "c")]
        await settle()
        pool.finished(first)
        pool.release(worker)
        newcomer = asyncio.create_task(wait("newcomer"))  # arrives as the worker is freed: must not barge
        await asyncio.gather(*waiters, newcomer)
        return order

    assert asyncio.run(scenario()) == ["b", "c", "newcomer"]


def test_clients_take_turns_and_each_client_is_first_come_first_served():
    async def scenario() -> list[str]:
        pool = scheduler(1)
        busy = ticket_for(pool, LIGHT, "x", False, 10)
        worker = await pool.acquire(busy)
        order: list[str] = []

        async def wait(name: str, client: str) -> None:
            ticket = ticket_for(pool, LIGHT, client, False, 10)
            got = await pool.acquire(ticket)
            order.append(name)
            pool.finished(ticket)
            pool.release(got)

        tasks = []
        for name, client in (("a1", "a"), ("a2", "a"), ("a3", "a"), ("b1", "b")):
            tasks.append(asyncio.create_task(wait(name, client)))
            await settle()
        pool.finished(busy)
        pool.release(worker)
        await asyncio.gather(*tasks)
        return order

    assert asyncio.run(scenario()) == ["a1", "b1", "a2", "a3"]


def test_the_deadline_counts_from_arrival_and_a_waiter_past_it_never_takes_a_worker():
    async def scenario() -> None:
        pool = scheduler(1)
        busy = ticket_for(pool, LIGHT, "c", False, 10)
        worker = await pool.acquire(busy)
        late = ticket_for(pool, LIGHT, "c", False, 0.05)
        with pytest.raises(QueryTimeoutError):
            await pool.acquire(late)
        assert pool.light.length == 0 and pool.metrics.expired_waiting == 1
        after = ticket_for(pool, LIGHT, "c", False, 10)
        waiting = asyncio.create_task(pool.acquire(after))
        await settle()
        pool.finished(busy)
        pool.release(worker)
        assert await waiting == worker  # the expired one gave up its place
        assert pool.running == 1

    asyncio.run(scenario())


def test_a_waiter_that_goes_away_gives_up_its_place():
    async def scenario() -> None:
        pool = scheduler(1)
        busy = ticket_for(pool, LIGHT, "c", False, 10)
        worker = await pool.acquire(busy)
        gone = asyncio.create_task(pool.acquire(ticket_for(pool, LIGHT, "c", False, 10)))
        await settle()
        gone.cancel()
        await settle()
        assert pool.light.length == 0
        pool.finished(busy)
        pool.release(worker)
        assert pool.idle == [worker] and pool.running == 0

    asyncio.run(scenario())


def test_admission_is_by_expected_wait_against_the_time_limit():
    async def scenario() -> None:
        clock = Clock()
        pool = scheduler(2, clock=clock)
        pool.service[False] = 1.0  # one second per light job, recently
        held = [await pool.acquire(ticket_for(pool, LIGHT, "c", False, 100)) for _ in range(2)]
        queued = [asyncio.create_task(pool.acquire(ticket_for(pool, LIGHT, "c", False, 100))) for _ in range(9)]
        await settle()
        assert pool.estimated_wait(heavy=False) == pytest.approx(5.0)  # (9 waiting + 1) × 1 s / 2 workers
        with pytest.raises(TooManyRequestsError) as refused:
            await pool.acquire(ticket_for(pool, LIGHT, "c", False, 3))
        assert refused.value.retry_after == 5 and pool.metrics.refused == 1
        admitted = asyncio.create_task(pool.acquire(ticket_for(pool, LIGHT, "c", False, 10)))
        await settle()
        assert pool.light.length == 10 and not admitted.done()
        for task in (*queued, admitted):
            task.cancel()
        assert len(held) == 2

    asyncio.run(scenario())


def test_a_burst_far_larger_than_the_workers_is_admitted_when_jobs_are_quick():
    async def scenario() -> None:
        pool = scheduler(2)
        pool.service[False] = 0.005
        held = [await pool.acquire(ticket_for(pool, LIGHT, "c", False, 10)) for _ in range(2)]
        tasks = [asyncio.create_task(pool.acquire(ticket_for(pool, LIGHT, "c", False, 10))) for _ in range(200)]
        await settle()
        assert pool.metrics.refused == 0 and pool.light.length == 200
        for task in tasks:
            task.cancel()
        assert held

    asyncio.run(scenario())


def test_the_hard_cap_refuses_with_retry_after():
    async def scenario() -> None:
        pool = scheduler(1, max_waiting=3)
        await pool.acquire(ticket_for(pool, LIGHT, "c", False, 100))
        tasks = [asyncio.create_task(pool.acquire(ticket_for(pool, LIGHT, "c", False, 100))) for _ in range(3)]
        await settle()
        with pytest.raises(TooManyRequestsError, match="max_waiting") as refused:
            await pool.acquire(ticket_for(pool, LIGHT, "c", False, 100))
        assert refused.value.retry_after >= 1
        for task in tasks:
            task.cancel()

    asyncio.run(scenario())


def test_known_heavy_queries_never_take_the_last_worker():
    async def scenario() -> None:
        pool = scheduler(2)
        pool._remember_slow(ticket_for(pool, HEAVY, "c", False, 10).key)
        first = ticket_for(pool, HEAVY, "c", False, 100)
        assert first.heavy
        await pool.acquire(first)
        second = asyncio.create_task(pool.acquire(ticket_for(pool, HEAVY, "c", False, 100)))
        await settle()
        assert not second.done() and pool.heavy.length == 1 and len(pool.idle) == 1  # kept for light ones
        light = ticket_for(pool, LIGHT, "d", False, 10)
        assert await pool.acquire(light) == "w0"
        assert pool.heavy_running == 1
        second.cancel()

    asyncio.run(scenario())


def test_app_lookups_are_never_heavy():
    pool = scheduler(2)
    pool._remember_slow(ticket_for(pool, HEAVY, "c", False, 10).key)
    assert not ticket_for(pool, HEAVY, "c", True, 10).heavy


def test_a_job_that_turns_heavy_while_the_heavy_slots_are_full_is_stopped_and_its_text_remembered():
    async def scenario() -> None:
        time = FakeTime()
        pool = time.scheduler(2, heavy_after=0.02)
        tickets = [ticket_for(pool, HEAVY, "c", False, 100) for _ in range(2)]
        jobs = [Job("first"), Job("second")]
        for ticket, job in zip(tickets, jobs, strict=True):
            await pool.acquire(ticket)
            pool.watch(ticket, job)
        time.advance(0.1)
        assert jobs[0].done == ["demoted"] and jobs[1].done == ["stopped"]
        assert tickets[1].preempted and not tickets[0].preempted
        assert pool.metrics.preempted == 1
        assert ticket_for(pool, HEAVY, "other", False, 10).heavy  # remembered as slow
        pool.finished(tickets[1])
        assert pool.heavy_running == 1

    asyncio.run(scenario())


def test_a_light_waiter_whose_text_turned_slow_moves_to_the_heavy_line():
    async def scenario() -> None:
        pool = scheduler(2)
        runaway = ticket_for(pool, HEAVY, "c", False, 100)
        await pool.acquire(runaway)
        other = ticket_for(pool, LIGHT, "c", False, 100)
        await pool.acquire(other)
        queued = ticket_for(pool, HEAVY, "c", False, 100)  # not yet known slow: waits in the light line
        waiting = asyncio.create_task(pool.acquire(queued))
        await settle()
        pool._remember_slow(runaway.key)
        runaway.heavy, runaway.holds_heavy_slot = True, True
        pool.heavy_running = 1
        pool.finished(other)
        pool.release("w1")
        await settle()
        assert queued.heavy and not waiting.done() and pool.idle == ["w1"]  # the worker stays for light ones
        waiting.cancel()

    asyncio.run(scenario())


def test_a_job_slowed_by_a_busy_machine_is_not_taken_for_heavy():
    async def scenario() -> None:
        time = FakeTime()
        pool = time.scheduler(2, heavy_after=0.02)
        job = Job("slowed", cpu=0.001)
        ticket = ticket_for(pool, LIGHT, "c", False, 100)
        await pool.acquire(ticket)
        pool.watch(ticket, job)
        time.advance(0.1)  # five times heavy_after of wall time, but little CPU
        assert not ticket.heavy and pool.heavy_running == 0 and not ticket_for(pool, LIGHT, "c", False, 1).heavy
        job.used = 0.05
        time.advance(0.05)
        assert ticket.heavy and pool.heavy_running == 1 and job.done == ["demoted"]  # the one heavy slot: runs on

    asyncio.run(scenario())


def test_a_known_heavy_job_is_demoted_from_the_start_and_a_lookup_is_never_watched():
    async def scenario() -> None:
        time = FakeTime()
        pool = time.scheduler(2)
        pool._remember_slow(ticket_for(pool, HEAVY, "c", False, 10).key)
        heavy, lookup = ticket_for(pool, HEAVY, "c", False, 10), ticket_for(pool, HEAVY, "c", True, 10)
        jobs = Job("heavy"), Job("lookup", cpu=99.0)
        for ticket, job in zip((heavy, lookup), jobs, strict=True):
            await pool.acquire(ticket)
            pool.watch(ticket, job)
        time.advance(0.7)  # past heavy_after (0.5 s): a watched job would have been checked
        assert jobs[0].done == ["demoted"] and jobs[1].done == [] and not lookup.heavy

    asyncio.run(scenario())


def test_a_request_gone_after_its_job_was_answered_does_not_take_the_worker_from_the_next_job():
    async def scenario() -> None:
        dropped: list[str] = []
        pool = Scheduler(1, drop=dropped.append)
        pool.release("w0")
        busy = ticket_for(pool, LIGHT, "c", False, 10)
        await pool.acquire(busy)
        waiting = ticket_for(pool, LIGHT, "c", False, 10)
        task = asyncio.create_task(pool.acquire(waiting))
        await settle()
        pool.finished(busy)
        pool.release("w0")  # handed to `waiting` (its job sent), whose task has not run yet
        assert pool.finished(waiting)  # ... and answered at once: the worker is given back from the reader
        pool.release("w0")
        task.cancel()  # then its client goes away
        await settle()
        assert dropped == [] and pool.idle == ["w0"] and pool.running == 0

    asyncio.run(scenario())
