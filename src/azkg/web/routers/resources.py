"""Every IRI the graph mints dereferences here: entities, facts, quotes, sources, ingestions, graphs
and the ontology's terms. HTML for browsers; Turtle, N-Triples, JSON-LD and RDF/XML by Accept or by
suffix (.ttl, .nt, .jsonld, .rdf, .html). The RDF comes from the describe-*.rq named queries."""

from __future__ import annotations

from itertools import pairwise
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from starlette.responses import RedirectResponse, Response

from azkg.errors import NotAcceptableError, NotFoundError
from azkg.sparql.formats import HTML, RESOURCE_OFFER
from azkg.sparql.negotiation import negotiate
from azkg.web import provenance_views as provenance
from azkg.web.charts import figure_charts
from azkg.web.html import render
from azkg.web.links import Links
from azkg.web.lookups import Lookups, ask, run_named, select
from azkg.web.paths import SUFFIXES, check, split_suffix
from azkg.web.views import facts, resource

router = APIRouter(tags=["linked data"])

DESCRIBE = {
    "id": ("describe-entity", "entity"),
    "fact": ("describe-fact", "fact"),
    "quote": ("describe-quote", "quote"),
    "source": ("describe-source", "source"),
}
ONTOLOGY_GRAPH = "graph/ontology"


def document_type(request: Request, suffix: str | None) -> str:
    """The media type of the document asked for by suffix or Accept (plain JSON clients get JSON-LD)."""
    accept = request.headers.get("accept")
    chosen = negotiate(RESOURCE_OFFER, accept, "this resource is available as: {types}", suffix=suffix)
    return RESOURCE_OFFER.format_of(chosen).media_type


def alternates(links: Links, path: str) -> list[tuple[str, str, str]]:
    """The other documents of a page: (suffix, URL, media type)."""
    return [(suffix, links.url(f"{path}.{suffix}"), media_type) for suffix, media_type in SUFFIXES.items()]


async def require_exists(request: Request, path: str) -> str:
    iri = Links.of(request).iri_of(path)
    if not await ask(Lookups.of(request), "exists", resource=iri):
        raise NotFoundError(f"the graph has nothing on <{iri}>")
    return iri


async def rdf(request: Request, kind: str, path: str, media_type: str) -> Response:
    links = Links.of(request)
    iri = await require_exists(request, path)
    name, variable = DESCRIBE.get(kind, ("describe-resource", "resource"))
    body = await run_named(Lookups.of(request), name, media_type, **{variable: iri})
    return Response(body, media_type=media_type, headers={"Vary": "Accept", "Content-Location": links.url(path)})


def _dereference(kind: str):
    async def handler(request: Request, rest: str) -> Response:
        stem, suffix = split_suffix(rest)
        check(kind, stem)
        path = f"{kind}/{stem}"
        try:
            media_type = document_type(request, suffix)
        except NotAcceptableError:
            await require_exists(request, path)  # an unknown IRI is a 404 whatever the Accept
            raise
        if kind == "graph":
            iri = Links.of(request).iri_of(path)
            return RedirectResponse(Links.of(request).url(f"store?graph={quote(iri, safe='')}"), status_code=303)
        if media_type != HTML.media_type:
            return await rdf(request, kind, path, media_type)
        return await page(request, kind, stem, path)

    handler.__name__ = f"dereference_{kind}"
    return handler


async def page(request: Request, kind: str, stem: str, path: str) -> Response:
    links = Links.of(request)
    context: dict[str, Any] = {"alternates": alternates(links, path), "path": path}
    headers = {"Vary": "Accept"}
    if kind == "id":
        view = await provenance.entity_view(Lookups.of(request), links, stem)
        conflicted = {value["fact"]["iri"] for group in view["conflicts"] for value in group["values"]}
        charts = figure_charts(view["facts"], conflicted)
        return render(request, "entity.html", headers=headers, **context, **view, conflicted=conflicted, charts=charts)
    if kind == "fact":
        view = await provenance.fact_view(Lookups.of(request), links, stem)
        return render(request, "fact.html", headers=headers, **context, **view)
    if kind == "source":
        view = await provenance.source_view(Lookups.of(request), links, stem)
        return render(request, "source.html", headers=headers, **context, **view, passages=passages(view))
    if kind == "quote":
        return await quote_page(request, stem, context)
    iri, rows, namer = await provenance.describe(Lookups.of(request), links, kind, stem)
    return render(request, "resource.html", headers=headers, **context, resource=resource(iri, rows, namer))


async def quote_page(request: Request, stem: str, context: dict) -> Response:
    lookups = Lookups.of(request)
    iri, rows, namer = await provenance.describe(lookups, Links.of(request), "quote", stem)
    derived = facts(await select(lookups, "facts", quote=iri), namer)
    return render(
        request, "quote.html", headers={"Vary": "Accept"}, **context, resource=resource(iri, rows, namer), facts=derived
    )


def passages(view: dict) -> list[dict]:
    """The source text cut at quote boundaries: plain runs and highlighted runs, for the page."""
    text = view["source"].get("text") or ""
    cuts = sorted({0, len(text)} | {h["start"] for h in view["highlights"]} | {h["end"] for h in view["highlights"]})
    runs = []
    for start, end in pairwise(cuts):
        covering = [h for h in view["highlights"] if h["start"] <= start and end <= h["end"]]
        starting = [h for h in view["highlights"] if h["start"] == start]
        runs.append({"text": text[start:end], "quotes": covering, "starting": starting})
    return runs


for _kind in ("id", "fact", "quote", "source", "ingestion", "graph"):
    router.add_api_route(
        f"/{_kind}/{{rest:path}}",
        _dereference(_kind),
        methods=["GET", "HEAD"],
        summary=f"Dereference a {_kind}/... IRI (HTML or RDF)",
        include_in_schema=_kind == "id",
    )


@router.api_route("/def/{rest:path}", methods=["GET", "HEAD"], summary="An ontology term (HTML or RDF)")
async def ontology_term(request: Request, rest: str) -> Response:
    return await _dereference("def")(request, rest)


@router.api_route("/def", methods=["GET", "HEAD"], summary="The ontology: HTML documentation, or its Turtle by Accept")
async def ontology(request: Request) -> Response:
    return await ontology_document(request, None)


@router.api_route("/def.{suffix}", methods=["GET", "HEAD"], include_in_schema=False)
async def ontology_suffixed(request: Request, suffix: str) -> Response:
    return await ontology_document(request, split_suffix(f"def.{suffix}")[1])


async def ontology_document(request: Request, suffix: str | None) -> Response:
    media_type = document_type(request, suffix)
    links = Links.of(request)
    if media_type != HTML.media_type:
        body = await run_named(Lookups.of(request), "ontology", media_type)
        return Response(body, media_type=media_type, headers={"Vary": "Accept", "Content-Location": links.url("def")})
    iri, rows, namer = await provenance.describe(Lookups.of(request), links, "def", "")
    terms = await select(Lookups.of(request), "ontology-terms")
    return render(
        request,
        "ontology.html",
        headers={"Vary": "Accept"},
        alternates=alternates(links, "def"),
        ontology=resource(iri, rows, namer),
        sections=term_sections(terms, namer),
    )


def term_sections(rows: list[dict], namer) -> list[tuple[str, list[dict]]]:
    """Terms grouped for the documentation: classes, object and datatype properties, schemes, concepts."""
    titles = {
        "Class": "Classes",
        "ObjectProperty": "Object properties",
        "DatatypeProperty": "Datatype properties",
        "Property": "Other properties",
        "ConceptScheme": "Concept schemes",
        "Concept": "Concepts",
    }
    terms: dict[str, dict] = {}
    for row in rows:
        kind = row["type"].rsplit("#", 1)[-1]
        term = terms.setdefault(
            row["term"],
            {
                "iri": row["term"],
                "url": namer.links.href(row["term"]),
                "name": row["term"].split("/def/", 1)[-1],
                "kind": kind,
                "label": row.get("label"),
                "definition": row.get("definition"),
                "parents": [],
                "domain": namer.ref(row.get("domain")),
                "range": namer.ref(row.get("range")),
            },
        )
        if "parent" in row and all(p["iri"] != row["parent"] for p in term["parents"]):
            term["parents"].append(namer.ref(row["parent"]))
    return [
        (title, [t for t in terms.values() if t["kind"] == kind])
        for kind, title in titles.items()
        if any(t["kind"] == kind for t in terms.values())
    ]


@router.get("/conflicts", summary="Every disagreement between sources, side by side (HTML)", include_in_schema=False)
async def conflicts_page(request: Request, entity: str | None = None) -> Response:
    view = await provenance.conflicts_view(Lookups.of(request), Links.of(request), entity)
    return render(request, "conflicts.html", **view)
