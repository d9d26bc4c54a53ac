"""Named queries run through the query workers, like any query (same time limit, same snapshot),
for the routers that shape answers themselves: provenance, linked data, pages, the Graph Store, VoID.

The routers hand a `Lookups` (what a look-up needs: the pool, the limits, the store folder, the
cache, the client) to the functions here, never the request."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from fastapi import Request

from azkg.settings import ServiceSettings
from azkg.sparql.evaluation import Deadline
from azkg.sparql.formats import JSON_RESULTS
from azkg.sparql.named_queries import named_query
from azkg.store.messages import Job
from azkg.web.answers import client_address, whole_answer
from azkg.web.services import AnswerCache, Queries, services_of


@dataclass(frozen=True)
class Lookups:
    pool: Queries
    service: ServiceSettings
    store_dir: Path
    cache: AnswerCache
    client: str = ""  # whom the per-client turns of the queue are for
    read: dict = field(default_factory=dict)  # the data version, read once per request (a remote store's costs a query)

    @classmethod
    def of(cls, request: Request) -> Lookups:
        services = services_of(request)
        return cls(services.pool, services.service, services.store_dir, services.answers, client_address(request.scope))

    def deadline(self) -> Deadline:
        return Deadline.after(self.service.query_timeout, "query_timeout")

    async def version(self) -> str | None:
        """The data version this request's look-ups are answered and cached for (see Queries.version)."""
        if "version" not in self.read:
            self.read["version"] = await self.pool.version()
        return self.read["version"]


async def run_query(lookups: Lookups, job: Job, light: bool = True) -> bytes:
    """The whole answer of an app's own query; a look-up is light by construction (never classed heavy)."""
    return await whole_answer(lookups.pool.run(job, light=light, client=lookups.client))


async def run_named(lookups: Lookups, name: str, media_type: str, **bindings: str) -> bytes:
    """The whole answer of `queries/<name>.rq` with the given variables bound to IRIs, cached."""
    key = (name, media_type, tuple(sorted(bindings.items())), await lookups.version())
    cache = lookups.cache
    found = cache.get(key)
    lookups.pool.telemetry.answer_cache_used(hit=found is not None)
    if found is not None:
        return found
    job = Job(
        named_query(name), media_type, lookups.service.max_rows, lookups.deadline(),
        bindings=tuple(sorted(bindings.items())),
    )
    body = await run_query(lookups, job)
    cache.keep(key, body, len(body))
    return body


class Iri(str):
    """A value that is an IRI, not a literal that happens to look like one."""


async def select(lookups: Lookups, name: str, **bindings: str) -> list[dict[str, str]]:
    """Rows of a named SELECT as {variable: value} (IRIs as `Iri`), unbound variables left out."""
    return rows_of(await run_named(lookups, name, JSON_RESULTS.media_type, **bindings))


def rows_of(body: bytes) -> list[dict[str, str]]:
    return [
        {var: Iri(term["value"]) if term["type"] == "uri" else term["value"] for var, term in row.items()}
        for row in json.loads(body)["results"]["bindings"]
    ]


async def ask(lookups: Lookups, query_name: str, **bindings: str) -> bool:
    return bool(json.loads(await run_named(lookups, query_name, JSON_RESULTS.media_type, **bindings))["boolean"])


async def labels(lookups: Lookups) -> dict[str, str]:
    """Every named thing's label, fetched once per data version."""
    key = await lookups.version()
    cache = lookups.cache.labels
    if key not in cache:
        rows = await select(lookups, "labels")
        cache.clear()
        cache[key] = {row["iri"]: row["label"] for row in rows}
    return cache[key]
