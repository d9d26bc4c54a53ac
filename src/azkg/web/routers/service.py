"""The service's own pages under /-/: metrics (Prometheus' text format, from the app's telemetry:
azkg.store.telemetry lists every metric and where it is counted), health (for a load balancer: a live
store snapshot and query workers alive, or a remote store that answers), version and the non-secret
settings. With `serve --processes N` each process answers for itself (its own queue, workers and
counts), so a request sees the one it reached; `azkg_http_process_info{pid}` says which."""

from __future__ import annotations

import dataclasses
import platform

import pyoxigraph
from fastapi import APIRouter
from prometheus_client import CONTENT_TYPE_LATEST
from starlette.responses import JSONResponse, Response

from azkg import __version__
from azkg.settings import ServiceSettings
from azkg.web.deps import PoolDep, ServiceDep, TelemetryDep

router = APIRouter(tags=["service"])
NO_STORE = {"Cache-Control": "no-store"}
SECRET_WORDS = ("token", "secret", "password", "credential")  # a setting so named is never shown


@router.get("/-/metrics", summary="Queries, queue, waits, timeouts and workers (Prometheus text format)")
async def metrics(telemetry: TelemetryDep) -> Response:
    return Response(telemetry.exposition(), media_type=CONTENT_TYPE_LATEST, headers=NO_STORE)


@router.get("/-/health", summary="Whether this process can answer: a live store snapshot and query workers alive, "
            "or a remote store that answers")
async def health(pool: PoolDep) -> JSONResponse:
    found = await pool.health()
    healthy = found.pop("ok")
    body = {"status": "ok" if healthy else "unavailable", **found}
    return JSONResponse(body, status_code=200 if healthy else 503, headers=NO_STORE)


@router.get("/-/version", summary="The versions of azkg, pyoxigraph and Python this process runs")
async def version() -> dict:
    return {"azkg": __version__, "pyoxigraph": pyoxigraph.__version__, "python": platform.python_version()}


@router.get("/-/settings", summary="The service's settings in force, secrets left out")
async def settings(service: ServiceDep) -> JSONResponse:
    return JSONResponse(public_settings(service), headers=NO_STORE)


def public_settings(service: ServiceSettings) -> dict:
    """Every setting but the secrets (left out by name, so that a new token is hidden without a change
    here); whether writes are enabled is said instead of the token that enables them."""
    shown = {
        name: value for name, value in dataclasses.asdict(service).items()
        if not any(word in name for word in SECRET_WORDS)
    }
    return {**shown, "writes_enabled": service.update_token is not None}
