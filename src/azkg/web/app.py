"""The app factory: settings in, a FastAPI app out; the store is made ready and the workers started
in the lifespan, so nothing happens at import time."""

from __future__ import annotations

import logging
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from starlette.exceptions import HTTPException
from starlette.middleware.cors import CORSMiddleware
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp

from azkg import __version__
from azkg.errors import AzkgError
from azkg.settings import CHILD_SETTINGS, Paths, ServiceSettings, read_child_settings
from azkg.store.pool import QueryPool
from azkg.store.snapshots import ensure_store
from azkg.store.telemetry import Telemetry, configure_logging
from azkg.web.errors import RequestIdMiddleware, azkg_error_handler, http_error_handler, unexpected_error_handler
from azkg.web.fast_sparql import FastSparql
from azkg.web.query_log import QueryLog
from azkg.web.routers import (
    api_docs,
    dumps,
    graph_store,
    pages,
    provenance,
    resources,
    search,
    sparql,
    void,
    writes,
)
from azkg.web.routers import service as service_pages  # `service` names the service's settings here
from azkg.web.security import outer_layers
from azkg.web.services import AnswerCache, Queries, Services

log = logging.getLogger("azkg.web")


def create_app(
    paths: Paths, service: ServiceSettings, store_dir: Path | None = None, pool: Queries | None = None
) -> FastAPI:
    """The app over the store in `store_dir` (default: the project's), querying through `pool` (default: one
    sized by the service settings). The app owns the pool: its lifespan starts it and closes it."""
    store = store_dir or paths.store_dir
    telemetry = pool.telemetry if pool is not None else Telemetry()  # this app's metrics, apart from others'

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        queries, source_sha256 = pool or _queries(paths, service, store, telemetry), None
        if not service.remote:  # the embedded store: made ready, built if need be
            snapshot, rebuilt = ensure_store(store, paths.triples_file, paths.ontology_files)
            log.info("store %s: %d triples%s", store, snapshot.triples, " (rebuilt)" if rebuilt else "")
            telemetry.watch_pool(queries)
            source_sha256 = snapshot.source_sha256
        app.state.services = Services(
            paths, service, store, source_sha256, queries, telemetry,
            sparql_answers=AnswerCache(limit=service.answer_cache_mb << 20),
        )
        await queries.start()
        try:
            yield
        finally:
            await queries.close()

    app = FastAPI(
        title="azkg",
        version=__version__,
        lifespan=lifespan,
        description="Azerbaijan's industrial zones as a sourced knowledge graph: SPARQL 1.1 and more.",
        docs_url=None,  # api_docs serves both from the bundled copies, not from a CDN
        redoc_url=None,
    )
    app.state.telemetry = telemetry  # for the query log, which wraps the app before its lifespan runs
    for router in (sparql.router, graph_store.router, writes.router, void.router, search.router, dumps.router,
                   provenance.router, resources.router, pages.router, api_docs.router, service_pages.router):
        app.include_router(router)
    app.mount("/static", StaticFiles(packages=[("azkg.web", "static")]), name="static")
    app.add_exception_handler(AzkgError, azkg_error_handler)
    app.add_exception_handler(HTTPException, http_error_handler)
    app.add_exception_handler(Exception, unexpected_error_handler)
    app.add_middleware(
        CORSMiddleware,
        allow_origins=["*"],
        allow_methods=["GET", "HEAD", "POST", "OPTIONS"],
        allow_headers=["Accept", "Content-Type"],
        expose_headers=["X-Azkg-Truncated", "X-Azkg-Max-Rows", "X-Request-Id"],
    )
    app.add_middleware(RequestIdMiddleware)
    return app


def _queries(paths: Paths, service: ServiceSettings, store: Path, telemetry: Telemetry) -> Queries:
    """Who runs the queries: a remote store when store_url is set (the store folder then holds only the
    search index), else the embedded store's workers."""
    if service.remote:
        from azkg.store.remote import RemoteStore  # only here: httpx costs a tenth of a second of every start-up

        return RemoteStore(service, telemetry)
    return QueryPool(
        store,
        service.query_workers,
        max_waiting=service.max_waiting,
        heavy_after=service.heavy_query_seconds,
        allow_service=service.allow_service,
        telemetry=telemetry,
        inline=service.inline_queries,
    )


def asgi_app(
    paths: Paths, service: ServiceSettings, store_dir: Path | None = None, pool: Queries | None = None
) -> ASGIApp:
    """What the server runs: the app, its fast path, and the layers every response passes through."""
    app = create_app(paths, service, store_dir, pool)
    # the request id is given first, so that a query's log lines (and the pool's, through it) carry it
    return outer_layers(RequestIdMiddleware(QueryLog(FastSparql(app), app.state.telemetry)), service)


def from_environment() -> ASGIApp:
    """The app of one of several HTTP processes (`azkg serve --processes N`), with the settings that the
    command handed down whole (azkg.settings.child_settings)."""
    configure_logging()  # a new process: the command's configuration did not come with it
    logging.getLogger("azkg").setLevel(logging.INFO)
    return asgi_app(*read_child_settings(os.environ[CHILD_SETTINGS]))
