"""Provenance look-ups as a JSON API under /api: an entity with all its facts, a fact's full chain,
a source with every fact drawn from it, and the conflicts between sources. Each answer is built
from the named queries in `azkg/queries/` (docs/provenance.md shows them), shaped by `views`."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Query, Request

from azkg.errors import NotFoundError, RequestError
from azkg.lookup import find_entities
from azkg.web.links import Links
from azkg.web.lookups import labels, select
from azkg.web.paths import check
from azkg.web.views import Namer, conflicts, facts, resource

router = APIRouter(prefix="/api", tags=["provenance"])

SOURCE_TEXT = "https://schema.org/text"


@router.get("/entities", summary="Every entity a name may denote, with its aliases and the sources using each")
async def entities_named(
    request: Request,
    name: str = Query(min_length=1, max_length=200, description="A name as an article writes it"),
    limit: int = Query(10, ge=1, le=100),
) -> dict:
    """Read from the curated files beside the service (as `azkg entities find`), so a curator can look
    a name up before the article is built; exact matches first, then near misses."""
    settings = request.app.state.settings
    if not settings.entities_file.exists():
        raise NotFoundError("this service has no curated files beside it (data/curation/entities.yaml)")
    matches = await asyncio.to_thread(find_entities, settings, name, limit)
    links = Links.of(request)
    return {"name": name, "entities": [{**m.as_json(), "url": links.url(f"id/{m.id}")} for m in matches]}


async def namer_for(request: Request) -> Namer:
    return Namer(await labels(request), Links.of(request))


async def describe(request: Request, kind: str, rest: str) -> tuple[str, list[dict], Namer]:
    """The IRI of `kind/rest`, its resource.rq rows and a namer; 404 if the graph has nothing on it."""
    check(kind, rest)
    namer = await namer_for(request)
    iri = namer.links.iri_of(f"{kind}/{rest}" if rest else kind)
    rows = await select(request, "resource", resource=iri)
    if not rows:
        raise NotFoundError(f"the graph has nothing on <{iri}>")
    return iri, rows, namer


async def entity_view(request: Request, slug: str) -> dict:
    iri, rows, namer = await describe(request, "id", slug)
    fact_rows, conflict_rows = await asyncio.gather(  # two workers at once
        select(request, "facts", entity=iri), select(request, "conflicts", entity=iri)
    )
    return {
        "entity": resource(iri, rows, namer),
        "facts": facts(fact_rows, namer),
        "conflicts": conflicts(conflict_rows, namer),
    }


async def fact_view(request: Request, path: str) -> dict:
    iri, _, namer = await describe(request, "fact", path)
    found = facts(await select(request, "facts", fact=iri), namer)
    if not found:
        raise NotFoundError(f"<{iri}> is not a fact")
    fact = found[0]
    ingestion_rows, source_rows = await asyncio.gather(
        select(request, "resource", resource=fact["ingestion"]["iri"]),
        select(request, "resource", resource=fact["source"]["iri"]),
    )
    return {
        "fact": fact,
        "source": _source(fact["source"]["iri"], source_rows, namer, with_text=False),
        "ingestion": resource(fact["ingestion"]["iri"], ingestion_rows, namer),
    }


async def source_view(request: Request, source_id: str) -> dict:
    iri, rows, namer = await describe(request, "source", source_id)
    drawn = facts(await select(request, "facts", source=iri), namer)
    return {"source": _source(iri, rows, namer, with_text=True), "facts": drawn, "highlights": highlights(drawn)}


async def conflicts_view(request: Request, entity: str | None) -> dict:
    namer = await namer_for(request)
    if entity is None:
        return {"conflicts": conflicts(await select(request, "conflicts"), namer)}
    slug = entity[len(namer.links.iri_of("id/")) :] if entity.startswith(namer.links.iri_of("id/")) else entity
    check("id", slug)
    iri = namer.links.iri_of(f"id/{slug}")
    return {"entity": namer.ref(iri), "conflicts": conflicts(await select(request, "conflicts", entity=iri), namer)}


def _source(iri: str, rows: list[dict], namer: Namer, with_text: bool) -> dict:
    described = resource(iri, rows, namer)
    text = next((row["value"] for row in rows if row["property"] == SOURCE_TEXT and "subject" not in row), None)
    described["statements"] = [s for s in described["statements"] if s["property"]["iri"] != SOURCE_TEXT]
    if with_text:
        described["text"] = text
    return described


def highlights(drawn: list[dict]) -> list[dict]:
    """The quoted spans of a source, each with the facts derived from it, in text order."""
    spans: dict[tuple[int, int], dict] = {}
    for fact in drawn:
        quote = fact["quote"]
        span = spans.setdefault((quote["start"], quote["end"]), {**quote, "facts": []})
        span["facts"].append({"iri": fact["iri"], "url": fact["url"], "label": fact["label"]})
    return [spans[key] for key in sorted(spans)]


@router.get(
    "/entities/{slug}", summary="An entity with all its facts, each with value, date, qualifiers, quote and source"
)
async def api_entity(request: Request, slug: str) -> dict:
    """Answers what the SPARQL of docs/provenance.md ("An entity") answers, shaped as JSON: the entity's
    label, aliases, types and statements, every fact about it, and the conflicts among them."""
    return await entity_view(request, slug)


@router.get("/facts/{source}/{claim}", summary="A fact's full chain: its quote, source document and ingestion")
async def api_fact(request: Request, source: str, claim: str) -> dict:
    return await fact_view(request, f"{source}/{claim}")


@router.get("/sources/{source}", summary="A source: what is known of it, its text, every fact drawn from it")
async def api_source(request: Request, source: str) -> dict:
    """`highlights` lists the quoted spans (Unicode code point offsets into `text`) with their facts."""
    return await source_view(request, source)


@router.get("/conflicts", summary="Figures on which sources disagree, all values side by side")
async def api_conflicts(
    request: Request,
    entity: str | None = Query(None, description="An entity's slug or IRI, to narrow the list to it"),
) -> dict:
    if entity is not None and not entity.strip():
        raise RequestError("parameter entity is empty; give an entity's slug or IRI, or leave it out")
    return await conflicts_view(request, entity)
