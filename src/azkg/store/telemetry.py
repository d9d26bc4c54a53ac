"""What the service counts and logs, in one place: every metric of /-/metrics is made here and counted
through the functions below, which also write the one log line per query and per worker kill.

One `Telemetry` per app, each with its own registry rather than prometheus_client's global one, so that
several apps in one process (the in-process tests) neither share figures nor clash on names. It lives in
azkg.store, not azkg.web, because the pool counts into it and must not import the web layer.

    metric                                      counted by          called from
    azkg_queries_finished_total{kind,status}    query_finished      web/query_log.py, at a query request's end
    azkg_query_duration_seconds{kind}           query_finished      idem (arrival to last byte, wait included)
    azkg_query_rows_total{kind}                 query_finished      idem, when the answer stated its rows
    azkg_query_timeouts_total                   query_timed_out     store/pool.py, a deadline passed while running
    azkg_workers_lost_total                     worker_lost         store/pool.py, a worker died under a query
    azkg_worker_kills_total{reason}             worker_killed       store/pool.py `_replace`
    azkg_worker_restarts_total                  worker_killed       idem (a killed worker is replaced)
    azkg_answer_cache_lookups_total{result}     answer_cache_used   web/lookups.py (named look-ups' answers)
    azkg_http_process_info{pid}                 (constant)          tells apart the processes of `--processes N`
    the queue's figures, read at each scrape    PoolFigures         counted by store/queueing.py (`Metrics`):
      azkg_queries_total, azkg_queries_refused_total, azkg_queries_expired_waiting_total,
      azkg_queries_preempted_total, azkg_query_wait_seconds (histogram), azkg_queue_length{lane},
      azkg_running_jobs{kind}, azkg_workers, azkg_service_seconds_mean{kind}

Log lines are key=value (logfmt), not JSON: the service's other lines (uvicorn's, the errors') are plain
text, so one line stays readable in a terminal and greppable by `kind=`, while log shippers parse logfmt
as readily as JSON.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily

from azkg.store.queueing import WAIT_BUCKETS, Metrics

log = logging.getLogger(__name__)
LOG_FORMAT = "%(levelname)s %(name)s: %(message)s"
DURATION_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)  # seconds


@dataclass
class QueryRecord:
    """The request a query runs for, as the log lines name it; rows once the answer states them."""

    kind: str
    request_id: str = ""
    client: str = ""
    rows: int | None = None


_current: ContextVar[QueryRecord | None] = ContextVar("azkg_query", default=None)


def configure_logging() -> None:
    """The process's log handler, set once at start (the CLI, each HTTP process of `--processes N`)."""
    logging.basicConfig(level=logging.WARNING, format=LOG_FORMAT)


def logfmt(**fields: object) -> str:
    """key=value pairs; a value with spaces, quotes or '=' is quoted, a missing one is '-'."""
    parts = []
    for key, value in fields.items():
        text = "-" if value is None else f"{value:.4f}" if isinstance(value, float) else str(value)
        quoted = not text or any(c in text for c in ' "=')
        parts.append(f"{key}={json.dumps(text) if quoted else text}")
    return " ".join(parts)


@contextmanager
def query_running(record: QueryRecord) -> Iterator[QueryRecord]:
    """Makes `record` the current query for this request's task (and the tasks it starts), so that the
    pool's kill line and the answer's row count reach it without being passed through every call."""
    token = _current.set(record)
    try:
        yield record
    finally:
        _current.reset(token)


def rows_stated(rows: int) -> None:
    """The answer being sent said how many rows it held."""
    record = _current.get()
    if record is not None:
        record.rows = rows


class Telemetry:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.figures = PoolFigures()
        self.registry.register(self.figures)
        metric: dict[str, Any] = {"registry": self.registry, "namespace": "azkg"}
        self.finished = Counter("queries_finished", "Query requests answered, by kind and HTTP status "
                                "(aborted: the answer broke off after its head).", ["kind", "status"], **metric)
        self.duration = Histogram("query_duration_seconds", "Time from a query request's arrival to its last "
                                  "byte, queueing included, by kind.", ["kind"], buckets=DURATION_BUCKETS, **metric)
        self.rows = Counter("query_rows", "Rows of the answers that stated them, by kind.", ["kind"], **metric)
        self.timeouts = Counter("query_timeouts", "Queries stopped at their time limit while running (503).", **metric)
        self.lost = Counter("workers_lost", "Workers that died under a query.", **metric)
        self.kills = Counter("worker_kills", "Workers the pool killed, by reason.", ["reason"], **metric)
        self.restarts = Counter("worker_restarts", "Workers started in place of a killed one.", **metric)
        self.inline = Counter("queries_inline", "Queries bounded by construction, answered in the HTTP process "
                              "without a worker (setting inline_queries).", **metric)
        self.cache = Counter("answer_cache_lookups", "Named look-ups answered from the answer cache (hit) or "
                             "run on a worker (miss).", ["result"], **metric)
        Gauge("http_process_info", "This HTTP process (with --processes N each reports its own figures).",
              ["pid"], **metric).labels(str(os.getpid())).set(1)

    def watch_pool(self, pool: object) -> None:
        """Report this pool's queue at each scrape."""
        self.figures.pool = pool

    def exposition(self) -> bytes:
        return generate_latest(self.registry)

    def query_finished(self, kind: str, status: int | str, seconds: float, rows: int | None) -> None:
        self.finished.labels(kind, str(status)).inc()
        self.duration.labels(kind).observe(seconds)
        if rows is not None:
            self.rows.labels(kind).inc(rows)
        record = _current.get() or QueryRecord(kind)
        log.info("query %s", logfmt(request_id=record.request_id or None, kind=kind, status=status,
                                    seconds=seconds, rows=rows, client=record.client or None))

    def query_timed_out(self) -> None:
        self.timeouts.inc()

    def worker_lost(self) -> None:
        self.lost.inc()

    def worker_killed(self, reason: str, pid: int | None, restarting: bool) -> None:
        self.kills.labels(reason).inc()
        if restarting:
            self.restarts.inc()
        request_id = record.request_id if (record := _current.get()) else None  # None: no request (died idle)
        log.warning("worker_killed %s", logfmt(reason=reason, pid=pid, request_id=request_id))

    def answered_inline(self) -> None:
        self.inline.inc()

    def answer_cache_used(self, hit: bool) -> None:
        self.cache.labels("hit" if hit else "miss").inc()


class PoolFigures:
    """The pool's queue as the scheduler counts it (store/queueing.py), read at each scrape."""

    pool: Any = None  # a QueryPool, once watched (the pool imports this module, not the other way)

    def collect(self) -> Iterator:
        if self.pool is None:
            return
        scheduler, counts = self.pool.scheduler, self.pool.scheduler.metrics
        yield _counter("queries", "Queries asked of the pool, admitted or not.", counts.requests)
        yield _counter("queries_refused", "Queries refused with 429 (expected wait or the hard cap).", counts.refused)
        yield _counter("queries_expired_waiting", "Queries whose time limit passed while they waited (503).",
                       counts.expired_waiting)
        yield _counter("queries_preempted", "Jobs stopped on turning heavy while the heavy slots were full, and "
                       "queued again.", counts.preempted)
        yield _gauge("queue_length", "Queries waiting for a worker, by line.", "lane",
                     {"light": scheduler.light.length, "heavy": scheduler.heavy.length})
        yield _gauge("running_jobs", "Queries on a worker, by kind.", "kind",
                     {"all": scheduler.running, "heavy": scheduler.heavy_running})
        yield GaugeMetricFamily("azkg_workers", "Worker processes alive.", value=self.pool.workers)
        yield _gauge("service_seconds_mean", "Moving mean of the time a job holds its worker, by kind.", "kind",
                     {"light": scheduler.service[False], "heavy": scheduler.service[True]})
        yield _wait_histogram(counts)


def _counter(name: str, help_text: str, value: float) -> CounterMetricFamily:
    return CounterMetricFamily(f"azkg_{name}", help_text, value=value)


def _gauge(name: str, help_text: str, label: str, values: dict[str, float]) -> GaugeMetricFamily:
    family = GaugeMetricFamily(f"azkg_{name}", help_text, labels=[label])
    for key, value in values.items():
        family.add_metric([key], value)
    return family


def _wait_histogram(counts: Metrics) -> HistogramMetricFamily:
    """The scheduler's wait buckets, cumulative already (a wait counts in every bucket it fits)."""
    pairs = zip(WAIT_BUCKETS, counts.wait_buckets, strict=True)
    buckets = [*((f"{bound:g}", count) for bound, count in pairs), ("+Inf", counts.waits)]
    return HistogramMetricFamily("azkg_query_wait_seconds", "Time from arrival to getting a worker.",
                                 buckets=buckets, sum_value=counts.wait_seconds)
