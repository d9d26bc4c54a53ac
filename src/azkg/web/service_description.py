"""The SPARQL 1.1 Service Description answered by GET /sparql without a query."""

from __future__ import annotations

import pyoxigraph

from azkg.sparql.formats import GRAPH_OFFER, SELECT_OFFER
from azkg.store.snapshots import DATA_GRAPH, ONTOLOGY_GRAPH

FORMATS = "http://www.w3.org/ns/formats/"
RESULT_FORMATS = tuple(f.w3c for f in SELECT_OFFER.formats + GRAPH_OFFER.formats)  # what /sparql answers in


def service_description(endpoint: str, allow_service: bool) -> str:
    """Turtle describing the endpoint at `endpoint` (the URL the client used)."""
    formats = ", ".join(f"<{FORMATS}{name}>" for name in RESULT_FORMATS)
    features = "sd:UnionDefaultGraph" + (", sd:BasicFederatedQuery" if allow_service else "")
    return f"""@prefix sd: <http://www.w3.org/ns/sparql-service-description#> .
@prefix void: <http://rdfs.org/ns/void#> .

<{endpoint}#service> a sd:Service ;
    sd:endpoint <{endpoint}> ;
    sd:supportedLanguage sd:SPARQL11Query ;
    sd:feature {features} ;
    sd:resultFormat {formats} ;
    sd:defaultDataset [
        a sd:Dataset ;
        sd:defaultGraph [ a sd:Graph ] ;
        sd:namedGraph [ a sd:NamedGraph ; sd:name <{DATA_GRAPH.value}> ] ,
                      [ a sd:NamedGraph ; sd:name <{ONTOLOGY_GRAPH.value}> ]
    ] .
"""


def as_format(turtle: str, syntax: pyoxigraph.RdfFormat) -> bytes:
    if syntax == pyoxigraph.RdfFormat.TURTLE:
        return turtle.encode("utf-8")
    return pyoxigraph.serialize(pyoxigraph.parse(turtle, format=pyoxigraph.RdfFormat.TURTLE), format=syntax)  # type: ignore[return-value]  # bytes: no output given
