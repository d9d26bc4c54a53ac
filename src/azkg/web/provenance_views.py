"""What the service knows of an entity, a fact, a source and the conflicts, as the API answers it and
the pages show it: named queries run through the workers (`lookups`), rows shaped by `views`."""

from __future__ import annotations

import asyncio

from azkg.errors import NotFoundError
from azkg.web.links import Links
from azkg.web.lookups import Lookups, labels, select
from azkg.web.paths import check
from azkg.web.views import Namer, conflicts, facts, resource

SOURCE_TEXT = "https://schema.org/text"


async def namer_for(lookups: Lookups, links: Links) -> Namer:
    return Namer(await labels(lookups), links)


async def describe(lookups: Lookups, links: Links, kind: str, rest: str) -> tuple[str, list[dict], Namer]:
    """The IRI of `kind/rest`, its resource.rq rows and a namer; 404 if the graph has nothing on it."""
    check(kind, rest)
    namer = await namer_for(lookups, links)
    iri = namer.links.iri_of(f"{kind}/{rest}" if rest else kind)
    rows = await select(lookups, "resource", resource=iri)
    if not rows:
        raise NotFoundError(f"the graph has nothing on <{iri}>")
    return iri, rows, namer


async def entity_view(lookups: Lookups, links: Links, slug: str) -> dict:
    iri, rows, namer = await describe(lookups, links, "id", slug)
    fact_rows, conflict_rows = await asyncio.gather(  # two workers at once
        select(lookups, "facts", entity=iri), select(lookups, "conflicts", entity=iri)
    )
    return {
        "entity": resource(iri, rows, namer),
        "facts": facts(fact_rows, namer),
        "conflicts": conflicts(conflict_rows, namer),
    }


async def fact_view(lookups: Lookups, links: Links, path: str) -> dict:
    iri, _, namer = await describe(lookups, links, "fact", path)
    found = facts(await select(lookups, "facts", fact=iri), namer)
    if not found:
        raise NotFoundError(f"<{iri}> is not a fact")
    fact = found[0]
    ingestion_rows, source_rows = await asyncio.gather(
        select(lookups, "resource", resource=fact["ingestion"]["iri"]),
        select(lookups, "resource", resource=fact["source"]["iri"]),
    )
    return {
        "fact": fact,
        "source": _source(fact["source"]["iri"], source_rows, namer, with_text=False),
        "ingestion": resource(fact["ingestion"]["iri"], ingestion_rows, namer),
    }


async def source_view(lookups: Lookups, links: Links, source_id: str) -> dict:
    iri, rows, namer = await describe(lookups, links, "source", source_id)
    drawn = facts(await select(lookups, "facts", source=iri), namer)
    return {"source": _source(iri, rows, namer, with_text=True), "facts": drawn, "highlights": highlights(drawn)}


async def conflicts_view(lookups: Lookups, links: Links, entity: str | None) -> dict:
    namer = await namer_for(lookups, links)
    if entity is None:
        return {"conflicts": conflicts(await select(lookups, "conflicts"), namer)}
    slug = entity[len(namer.links.iri_of("id/")) :] if entity.startswith(namer.links.iri_of("id/")) else entity
    check("id", slug)
    iri = namer.links.iri_of(f"id/{slug}")
    return {"entity": namer.ref(iri), "conflicts": conflicts(await select(lookups, "conflicts", entity=iri), namer)}


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
