"""The VoID description of the dataset at /.well-known/void, computed once per data version, so it
is true after every load or write."""

from __future__ import annotations

import sys

import pyoxigraph
from fastapi import APIRouter, Request
from starlette.responses import Response

from azkg.sparql.formats import DESCRIPTION_OFFER, JSON_RESULTS
from azkg.sparql.negotiation import negotiate
from azkg.store.export import EXPORTS
from azkg.store.messages import Job
from azkg.web.deps import LinksDep, LookupsDep, ServicesDep
from azkg.web.lookups import Lookups, rows_of, run_query

router = APIRouter(tags=["dataset"])
COUNTS = """SELECT (COUNT(*) AS ?triples) (COUNT(DISTINCT ?s) AS ?subjects) (COUNT(DISTINCT ?p) AS ?properties)
  (COUNT(DISTINCT ?o) AS ?objects) WHERE { ?s ?p ?o }"""
ENTITIES = "SELECT (COUNT(DISTINCT ?e) AS ?n) WHERE { ?e ?p ?o FILTER STRSTARTS(STR(?e), 'https://w3id.org/azkg/id/') }"
CLASSES = "SELECT ?class (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?class } GROUP BY ?class ORDER BY ?class"
SOURCES = "SELECT ?source (COUNT(?fact) AS ?n) WHERE { ?fact azkg:statedIn ?source } GROUP BY ?source ORDER BY ?source"


@router.get("/.well-known/void", summary="VoID description of the dataset")
async def void(request: Request, services: ServicesDep, lookups: LookupsDep, links: LinksDep) -> Response:
    refusal = "the dataset description is available as: {types}"
    media_type = negotiate(DESCRIPTION_OFFER, request.headers.get("accept"), refusal)
    version = await lookups.pool.content_version()  # whole-store counts: redone when the data changed
    cache = services.void
    if version is None or version not in cache:
        cache.clear()
        cache[version] = await _statistics(lookups)
    base = links.root.rstrip("/")
    turtle = _describe(base, cache[version], links.base_iri)
    body = pyoxigraph.serialize(
        pyoxigraph.parse(turtle, format=pyoxigraph.RdfFormat.TURTLE), format=DESCRIPTION_OFFER.format_of(media_type).rdf
    )
    return Response(body, media_type=media_type, headers={"Vary": "Accept"})


async def _statistics(lookups: Lookups) -> dict:
    """The figures, through the query workers under one deadline (whole-store counts: not light)."""
    deadline = lookups.deadline()

    async def rows(query: str) -> list[dict[str, str]]:
        job = Job(query, JSON_RESULTS.media_type, sys.maxsize, deadline)
        return rows_of(await run_query(lookups, job, light=False))

    counts = (await rows(COUNTS))[0]
    return {
        "triples": int(counts["triples"]),
        "subjects": int(counts["subjects"]),
        "properties": int(counts["properties"]),
        "objects": int(counts["objects"]),
        "entities": int((await rows(ENTITIES))[0]["n"]),
        "classes": [(row["class"], int(row["n"])) for row in await rows(CLASSES)],
        "sources": [(row["source"], int(row["n"])) for row in await rows(SOURCES)],
    }


def _describe(base: str, stats: dict, uri_space: str) -> str:
    dataset = f"<{base}/.well-known/void#azkg>"
    # every RDF dump, plain and gzipped, is a void:dataDump; the figures CSV is not RDF: rdfs:seeAlso
    files = [(f"<{base}/dumps/{e.filename}{gz}>", e.syntax is not None) for e in EXPORTS for gz in ("", ".gz")]
    dumps = ", ".join(url for url, rdf in files if rdf)
    see_also = ", ".join(url for url, rdf in files if not rdf)
    lines = [
        "@prefix void: <http://rdfs.org/ns/void#> .",
        "@prefix dcterms: <http://purl.org/dc/terms/> .",
        "@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .",
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .",
        f"{dataset} a void:Dataset ;",
        '    dcterms:title "azkg: Azerbaijan\'s industrial zones, with sourced facts"@en ;',
        f"    void:sparqlEndpoint <{base}/sparql> ;",
        f"    void:dataDump {dumps} ;",
        f"    rdfs:seeAlso {see_also} ;",
        f'    void:uriSpace "{uri_space}" ;',
        "    void:vocabulary <https://w3id.org/azkg/def/> , <http://www.w3.org/ns/prov#> ,",
        "        <http://www.w3.org/ns/oa#> ;",
        f"    void:triples {stats['triples']} ;",
        f"    void:entities {stats['entities']} ;",
        f"    void:distinctSubjects {stats['subjects']} ;",
        f"    void:distinctObjects {stats['objects']} ;",
        f"    void:properties {stats['properties']} ;",
        f"    void:classes {len(stats['classes'])} .",
    ]
    for index, (cls, count) in enumerate(stats["classes"]):
        lines.append(f"{dataset} void:classPartition <{base}/.well-known/void#class-{index}> .")
        lines.append(f"<{base}/.well-known/void#class-{index}> void:class <{cls}> ; void:entities {count} .")
    for index, (source, count) in enumerate(stats["sources"]):
        lines.append(f"{dataset} void:subset <{base}/.well-known/void#source-{index}> .")
        lines.append(
            f"<{base}/.well-known/void#source-{index}> a void:Dataset ; dcterms:source <{source}> ; "
            f"void:entities {count} ."
        )
    return "\n".join(lines) + "\n"
