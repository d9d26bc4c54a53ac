"""What the drafter reads from the ontology: metrics, units, hedges with their wordings, classes.

Read with pyoxigraph (fast to import and parse), so `azkg draft` does not pay for rdflib.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pyoxigraph

from azkg.prefixes import BASE
from azkg.sparql.evaluation import DEFAULT_GRAPH, evaluate

DEF = BASE + "def/"
QUERY = """
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?concept ?label ?kind WHERE {  # ?kind is bound, and pyoxigraph binds only projected variables
  ?concept a ?kind .
  { ?concept skos:prefLabel ?label } UNION { ?concept skos:altLabel ?label } UNION { ?concept rdfs:label ?label }
}
"""
CLASSES = """
PREFIX owl: <http://www.w3.org/2002/07/owl#>
SELECT ?class WHERE { ?class a owl:Class }
"""


@dataclass(frozen=True)
class Vocabulary:
    metrics: dict[str, tuple[str, ...]]  # metric id -> its labels
    units: dict[str, tuple[str, ...]]
    approximations: dict[str, tuple[str, ...]]  # approximation id -> its wordings ("more than", "over")
    statuses: dict[str, tuple[str, ...]]
    classes: frozenset[str]  # local names of the ontology's classes


@cache
def load_vocabulary(ontology_dir: Path) -> Vocabulary:
    store = pyoxigraph.Store()
    for path in sorted(ontology_dir.glob("*.ttl")):
        store.bulk_load(path=str(path), format=pyoxigraph.RdfFormat.TURTLE)

    def concepts(kind: str) -> dict[str, tuple[str, ...]]:
        found: dict[str, set[str]] = {}
        for row in evaluate(store, QUERY, bindings={"kind": DEF + kind}, dataset=DEFAULT_GRAPH):
            concept = row["concept"].value.rsplit("/", 1)[-1]
            found.setdefault(concept, set()).add(row["label"].value)
        return {key: tuple(sorted(labels)) for key, labels in sorted(found.items())}

    rows = evaluate(store, CLASSES, dataset=DEFAULT_GRAPH)
    classes = frozenset(row["class"].value.removeprefix(DEF) for row in rows if row["class"].value.startswith(DEF))
    return Vocabulary(
        concepts("Metric"), concepts("Unit"), concepts("Approximation"), concepts("FigureStatus"), classes
    )
