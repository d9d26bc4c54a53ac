"""Provenance look-ups as a JSON API under /api: an entity with all its facts, a fact's full chain,
a source with every fact drawn from it, and the conflicts between sources. Each answer is built
from the named queries in `azkg/sparql/queries/` (docs/provenance.md shows them), shaped by `views`."""

from __future__ import annotations

from collections import defaultdict

from fastapi import APIRouter, Query

from azkg.errors import RequestError
from azkg.names import NamedEntity, NameUse, rank_entities
from azkg.prefixes import PREFIXES
from azkg.web.deps import LinksDep, LookupsDep
from azkg.web.lookups import select
from azkg.web.provenance_views import conflicts_view, entity_view, fact_view, source_view

router = APIRouter(prefix="/api", tags=["provenance"])

@router.get("/entities", summary="Every entity a name may denote, with its aliases and the sources using each")
async def entities_named(
    lookups: LookupsDep,
    links: LinksDep,
    name: str = Query(min_length=1, max_length=200, description="A name as an article writes it"),
    limit: int = Query(10, ge=1, le=100),
) -> dict:
    """Answered from the store, as last built, in the shape and order of `azkg entities find --json`
    (which reads the curated files, so a curator can look a name up before the article is built);
    exact matches first, then near misses."""
    matches = rank_entities(_named_entities(await select(lookups, "entity-names")), name, limit)
    return {"name": name, "entities": [{**m.as_json(), "url": links.url(f"id/{m.id}")} for m in matches]}


def _named_entities(rows: list[dict[str, str]]) -> list[NamedEntity]:
    """The rows of entity-names.rq (one per entity and role) gathered into one record per entity."""
    fields: dict[str, dict[str, str]] = defaultdict(dict)
    uses: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for row in rows:
        entity = row["entity"].removeprefix(PREFIXES["id"])
        if row["role"] == "name":
            uses[entity][row["value"]].append(row["source"])
        else:
            fields[entity][row["role"]] = row["value"]
    return [
        NamedEntity(
            entity, found.get("type", ""), found.get("label", ""),
            tuple(NameUse(used, tuple(sorted(sources))) for used, sources in uses[entity].items()),
            int(found.get("facts", 0)),
        )
        for entity, found in fields.items()
    ]


@router.get(
    "/entities/{slug}", summary="An entity with all its facts, each with value, date, qualifiers, quote and source"
)
async def api_entity(lookups: LookupsDep, links: LinksDep, slug: str) -> dict:
    """Answers what the SPARQL of docs/provenance.md ("An entity") answers, shaped as JSON: the entity's
    label, aliases, types and statements, every fact about it, and the conflicts among them."""
    return await entity_view(lookups, links, slug)


@router.get("/facts/{source}/{claim}", summary="A fact's full chain: its quote, source document and ingestion")
async def api_fact(lookups: LookupsDep, links: LinksDep, source: str, claim: str) -> dict:
    return await fact_view(lookups, links, f"{source}/{claim}")


@router.get("/sources/{source}", summary="A source: what is known of it, its text, every fact drawn from it")
async def api_source(lookups: LookupsDep, links: LinksDep, source: str) -> dict:
    """`highlights` lists the quoted spans (Unicode code point offsets into `text`) with their facts."""
    return await source_view(lookups, links, source)


@router.get("/conflicts", summary="Figures on which sources disagree, all values side by side")
async def api_conflicts(
    lookups: LookupsDep,
    links: LinksDep,
    entity: str | None = Query(None, description="An entity's slug or IRI, to narrow the list to it"),
) -> dict:
    if entity is not None and not entity.strip():
        raise RequestError("parameter entity is empty; give an entity's slug or IRI, or leave it out")
    return await conflicts_view(lookups, links, entity)
