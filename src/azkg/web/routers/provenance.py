"""Provenance look-ups as a JSON API under /api: an entity with all its facts, a fact's full chain,
a source with every fact drawn from it, and the conflicts between sources. Each answer is built
from the named queries in `azkg/sparql/queries/` (docs/provenance.md shows them), shaped by `views`."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Query, Request

from azkg.build.lookup import find_entities
from azkg.errors import NotFoundError, RequestError
from azkg.web.deps import LinksDep, SettingsDep
from azkg.web.provenance_views import conflicts_view, entity_view, fact_view, source_view

router = APIRouter(prefix="/api", tags=["provenance"])

@router.get("/entities", summary="Every entity a name may denote, with its aliases and the sources using each")
async def entities_named(
    settings: SettingsDep,
    links: LinksDep,
    name: str = Query(min_length=1, max_length=200, description="A name as an article writes it"),
    limit: int = Query(10, ge=1, le=100),
) -> dict:
    """Read from the curated files beside the service (as `azkg entities find`), so a curator can look
    a name up before the article is built; exact matches first, then near misses."""
    if not settings.entities_file.exists():
        raise NotFoundError("this service has no curated files beside it (data/curation/entities.yaml)")
    matches = await asyncio.to_thread(find_entities, settings, name, limit)
    return {"name": name, "entities": [{**m.as_json(), "url": links.url(f"id/{m.id}")} for m in matches]}


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
