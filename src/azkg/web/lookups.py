"""Named queries run through the query workers, like any query (same time limit, same snapshot),
for the routers that shape answers themselves: provenance, linked data, pages."""

from __future__ import annotations

import json
import time

from fastapi import Request

from azkg.sparql.named_queries import named_query
from azkg.store.snapshots import current_snapshot
from azkg.store.worker import Job
from azkg.web.answers import client_address, whole_answer
from azkg.web.services import services_of

JSON_RESULTS = "application/sparql-results+json"


CACHED_BYTES = 64 << 20  # named-query answers kept per process (LRU), in bytes of answers
CACHED_ANSWER_BYTES = 1 << 20  # a bigger answer is not kept


async def run_named(request: Request, name: str, media_type: str, **bindings: str) -> bytes:
    """The whole answer of `queries/<name>.rq` with the given variables bound to IRIs. Snapshots never
    change, so an answer is kept for the snapshot it was asked on (a newer snapshot has other keys)."""
    services = services_of(request)
    snapshot = current_snapshot(services.store_dir)
    key = (name, media_type, tuple(sorted(bindings.items())), snapshot.path if snapshot else None)
    cache = services.caches.answers
    if key in cache:
        cache.move_to_end(key)
        return cache[key]
    body = await _evaluate_named(request, name, media_type, bindings)
    if len(body) <= CACHED_ANSWER_BYTES:
        previous = cache.pop(key, b"")  # two requests may have asked at once
        cache[key] = body
        services.caches.answer_bytes += len(body) - len(previous)
        while services.caches.answer_bytes > CACHED_BYTES:
            services.caches.answer_bytes -= len(cache.popitem(last=False)[1])
    return body


async def _evaluate_named(request: Request, name: str, media_type: str, bindings: dict[str, str]) -> bytes:
    service = services_of(request).service
    pool = services_of(request).pool
    job = Job(
        named_query(name),
        media_type,
        service.max_rows,
        time.time() + service.query_timeout,
        bindings=tuple(sorted(bindings.items())),
    )
    client = client_address(request.scope)
    messages = pool.run(job, service.query_timeout, light=True, client=client)  # light by construction
    return await whole_answer(messages, service.query_timeout)


class Iri(str):
    """A value that is an IRI, not a literal that happens to look like one."""


async def select(request: Request, name: str, **bindings: str) -> list[dict[str, str]]:
    """Rows of a named SELECT as {variable: value} (IRIs as `Iri`), unbound variables left out."""
    answer = json.loads(await run_named(request, name, JSON_RESULTS, **bindings))
    return [
        {var: Iri(term["value"]) if term["type"] == "uri" else term["value"] for var, term in row.items()}
        for row in answer["results"]["bindings"]
    ]


async def ask(request: Request, query_name: str, **bindings: str) -> bool:
    return bool(json.loads(await run_named(request, query_name, JSON_RESULTS, **bindings))["boolean"])


async def labels(request: Request) -> dict[str, str]:
    """Every named thing's label, fetched once per store snapshot."""
    services = services_of(request)
    snapshot = current_snapshot(services.store_dir)
    key = snapshot.path if snapshot else None
    cache = services.caches.labels
    if key not in cache:
        rows = await select(request, "labels")
        cache.clear()
        cache[key] = {row["iri"]: row["label"] for row in rows}
    return cache[key]
