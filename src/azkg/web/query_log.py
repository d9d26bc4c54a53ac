"""Which requests are queries, and of what kind: each one is timed from arrival to its last byte and
handed to the app's telemetry (a metric and a log line) as it ends. Kinds come from the URL and the
method, in one table, so that no router has to remember to count itself; the fast path for GET /sparql
is inside this layer, so it is counted like the rest."""

from __future__ import annotations

import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from azkg.store.telemetry import QueryRecord, Telemetry, query_running
from azkg.web.answers import client_address

READS = frozenset({"GET", "HEAD"})
NAMED_PAGES = ("/api/*", "/id/*", "/fact/*", "/quote/*", "/source/*", "/ingestion/*", "/graph/*", "/def", "/def/*",
               "/def.*", "/conflicts", "/")  # the pages and API answers made of named look-ups
KINDS = (  # (a path, or a prefix ending in '*'; the methods, None for any; the kind): the first match wins
    ("/sparql", frozenset({"GET", "HEAD", "POST"}), "sparql_query"),
    ("/update", frozenset({"POST"}), "sparql_update"),
    ("/store", None, "graph_store"),
    ("/dumps/*", READS, "export"),
    ("/search", READS, "search"),
    ("/.well-known/void", READS, "void"),
    *((where, READS, "named") for where in NAMED_PAGES),
)


def query_kind(method: str, path: str) -> str | None:
    """The kind of query a request runs, or None for a request that runs none (static files, /-/...)."""
    for where, methods, kind in KINDS:
        matches = path.startswith(where[:-1]) if where.endswith("*") else path == where
        if matches and (methods is None or method in methods):
            return kind
    return None


class QueryLog:
    def __init__(self, app: ASGIApp, telemetry: Telemetry):
        self.app, self.telemetry = app, telemetry

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = query_kind(scope["method"], scope["path"]) if scope["type"] == "http" else None
        if kind is None:
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status: int | str = 0  # the response's, once it starts

        async def send_noting_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        record = QueryRecord(kind, scope.get("azkg.request_id", ""), client_address(scope))
        with query_running(record):
            try:
                await self.app(scope, receive, send_noting_status)
            except BaseException:  # noted and passed on: an answer broken off after its head, or no answer
                status = "aborted" if status else 500
                raise
            finally:
                self.telemetry.query_finished(kind, status, time.perf_counter() - started, record.rows)
