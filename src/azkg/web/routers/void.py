"""The VoID description of the dataset at /.well-known/void, computed once per store snapshot, so it
is true after every load or write."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pyoxigraph
from fastapi import APIRouter, Request
from starlette.responses import Response

from azkg.errors import NotAcceptableError
from azkg.sparql.negotiation import choose
from azkg.sparql.results import GRAPH_MEDIA
from azkg.store.export import EXPORTS
from azkg.store.snapshots import current_snapshot, evaluate, open_reader
from azkg.web.deps import CachesDep, LinksDep, StoreDirDep

router = APIRouter(tags=["dataset"])
OFFERED = ("text/turtle", "application/n-triples", "application/ld+json", "application/rdf+xml")
COUNTS = """SELECT (COUNT(*) AS ?triples) (COUNT(DISTINCT ?s) AS ?subjects) (COUNT(DISTINCT ?p) AS ?properties)
  (COUNT(DISTINCT ?o) AS ?objects) WHERE { ?s ?p ?o }"""
ENTITIES = "SELECT (COUNT(DISTINCT ?e) AS ?n) WHERE { ?e ?p ?o FILTER STRSTARTS(STR(?e), 'https://w3id.org/azkg/id/') }"
CLASSES = "SELECT ?class (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?class } GROUP BY ?class ORDER BY ?class"
SOURCES = "SELECT ?source (COUNT(?fact) AS ?n) WHERE { ?fact azkg:statedIn ?source } GROUP BY ?source ORDER BY ?source"


@router.get("/.well-known/void", summary="VoID description of the dataset")
async def void(request: Request, store_dir: StoreDirDep, caches: CachesDep, links: LinksDep) -> Response:
    media_type = choose(request.headers.get("accept"), OFFERED)
    if media_type is None:
        raise NotAcceptableError(f"the dataset description is available as: {', '.join(OFFERED)}")
    snapshot = current_snapshot(store_dir)
    cache = caches.void
    if snapshot is None or snapshot.path not in cache:
        cache.clear()
        cache[snapshot.path if snapshot else None] = await asyncio.to_thread(_statistics, store_dir)
    base = links.root.rstrip("/")
    turtle = _describe(base, cache[snapshot.path if snapshot else None], links.base_iri)
    body = pyoxigraph.serialize(
        pyoxigraph.parse(turtle, format=pyoxigraph.RdfFormat.TURTLE), format=GRAPH_MEDIA[media_type]
    )
    return Response(body, media_type=media_type, headers={"Vary": "Accept"})


def _statistics(store_dir: Path) -> dict:
    store, _ = open_reader(store_dir)
    counts = next(iter(evaluate(store, COUNTS)))
    return {
        "triples": int(counts["triples"].value),
        "subjects": int(counts["subjects"].value),
        "properties": int(counts["properties"].value),
        "objects": int(counts["objects"].value),
        "entities": int(next(iter(evaluate(store, ENTITIES)))["n"].value),
        "classes": [(row["class"].value, int(row["n"].value)) for row in evaluate(store, CLASSES)],
        "sources": [(row["source"].value, int(row["n"].value)) for row in evaluate(store, SOURCES)],
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
