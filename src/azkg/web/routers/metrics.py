"""The service's own pages under /-/: metrics (the query pool's queue, waits and refusals in
Prometheus' text format, written by hand: a few counters and gauges need no client library), health
(for a load balancer: a live store snapshot and query workers alive) and version. With `serve
--processes N` each process answers for itself, so a request sees the one it reached."""

from __future__ import annotations

import platform

import pyoxigraph
from fastapi import APIRouter
from starlette.responses import JSONResponse, Response

from azkg import __version__
from azkg.store.pool import QueryPool
from azkg.store.queueing import WAIT_BUCKETS
from azkg.store.snapshots import current_snapshot
from azkg.web.deps import PoolDep, StoreDirDep

router = APIRouter(tags=["service"])
TEXT_FORMAT = "text/plain; version=0.0.4; charset=utf-8"


@router.get("/-/metrics", summary="Queue, waits and refusals of the query pool (Prometheus text format)")
async def metrics(pool: PoolDep) -> Response:
    return Response(exposition(pool), media_type=TEXT_FORMAT, headers={"Cache-Control": "no-store"})


@router.get("/-/health", summary="Whether this process can answer: a live store snapshot and query workers alive")
async def health(pool: PoolDep, store_dir: StoreDirDep) -> JSONResponse:
    snapshot = current_snapshot(store_dir)
    store = {"snapshot": snapshot.path.name, "triples": snapshot.triples} if snapshot else None
    workers = {"alive": pool.workers, "configured": pool.size}
    healthy = snapshot is not None and pool.workers > 0
    body = {"status": "ok" if healthy else "unavailable", "store": store, "workers": workers}
    return JSONResponse(body, status_code=200 if healthy else 503, headers={"Cache-Control": "no-store"})


@router.get("/-/version", summary="The versions of azkg, pyoxigraph and Python this process runs")
async def version() -> dict:
    return {"azkg": __version__, "pyoxigraph": pyoxigraph.__version__, "python": platform.python_version()}


def exposition(pool: QueryPool) -> str:
    scheduler, counts = pool.scheduler, pool.scheduler.metrics
    lines: list[str] = []

    def metric(name: str, kind: str, help_text: str, samples: list[tuple[str, float]]) -> None:
        lines.extend((f"# HELP azkg_{name} {help_text}", f"# TYPE azkg_{name} {kind}"))
        lines.extend(f"azkg_{name}{labels} {value:g}" for labels, value in samples)

    metric("queries_total", "counter", "Queries asked of the pool, admitted or not.", [("", counts.requests)])
    metric("queries_refused_total", "counter", "Queries refused with 429 (expected wait or the hard cap).",
           [("", counts.refused)])
    metric("queries_expired_waiting_total", "counter", "Queries whose time limit passed while they waited (503).",
           [("", counts.expired_waiting)])
    metric("query_timeouts_total", "counter", "Queries stopped at their time limit while running (503).",
           [("", pool.timeouts)])
    metric("queries_preempted_total", "counter", "Jobs stopped on turning heavy while the heavy slots were full, "
           "and queued again.", [("", counts.preempted)])
    metric("workers_lost_total", "counter", "Workers that died under a query.", [("", pool.lost)])
    metric("queue_length", "gauge", "Queries waiting for a worker, by line.",
           [('{lane="light"}', scheduler.light.length), ('{lane="heavy"}', scheduler.heavy.length)])
    metric("running_jobs", "gauge", "Queries on a worker, by kind.",
           [('{kind="all"}', scheduler.running), ('{kind="heavy"}', scheduler.heavy_running)])
    metric("workers", "gauge", "Worker processes alive.", [("", pool.workers)])
    metric("service_seconds_mean", "gauge", "Moving mean of the time a job holds its worker, by kind.",
           [('{kind="light"}', scheduler.service[False]), ('{kind="heavy"}', scheduler.service[True])])
    pairs = zip(WAIT_BUCKETS, counts.wait_buckets, strict=True)
    buckets = [(f'_bucket{{le="{bound:g}"}}', count) for bound, count in pairs]
    metric("query_wait_seconds", "histogram", "Time from arrival to getting a worker.",
           [*buckets, ('_bucket{le="+Inf"}', counts.waits), ("_sum", counts.wait_seconds), ("_count", counts.waits)])
    return "\n".join(lines) + "\n"
