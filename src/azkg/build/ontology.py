"""The ontology as the build needs it: its graph, and the names curated files may use."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from rdflib import Graph, URIRef
from rdflib.exceptions import ParserError
from rdflib.namespace import OWL, RDF, RDFS, SKOS

from azkg.errors import OntologyError
from azkg.vocab import AZKG

VOCABULARY_CLASSES = {
    "metric": AZKG.Metric,
    "unit": AZKG.Unit,
    "approximation": AZKG.Approximation,
    "status": AZKG.FigureStatus,
    "zone-status": AZKG.ZoneStatus,
}


@dataclass(frozen=True)
class Ontology:
    graph: Graph
    files: tuple[Path, ...]

    def classes(self) -> dict[str, URIRef]:
        return self._local_names(OWL.Class)

    def object_properties(self) -> dict[str, URIRef]:
        return self._local_names(OWL.ObjectProperty)

    def datatype_properties(self) -> dict[str, URIRef]:
        return self._local_names(OWL.DatatypeProperty)

    def range_of(self, prop: URIRef) -> URIRef | None:
        return next(iter(sorted(self.graph.objects(prop, RDFS.range))), None)  # type: ignore[type-var, return-value]  # IRIs

    def concepts(self, vocabulary: str) -> dict[str, URIRef]:
        """Concepts of one controlled vocabulary, keyed by the last segment of their IRI."""
        cls = VOCABULARY_CLASSES[vocabulary]
        return {str(c).rsplit("/", 1)[1]: c for c in self.graph.subjects(RDF.type, cls) if isinstance(c, URIRef)}

    def vocabulary_of(self, cls: URIRef) -> str | None:
        return next((name for name, c in VOCABULARY_CLASSES.items() if c == cls), None)

    def wordings(self, concept: URIRef) -> list[str]:
        """The words that express a concept in text (its labels), longest first."""
        words = {str(w) for p in (SKOS.prefLabel, SKOS.altLabel) for w in self.graph.objects(concept, p)}
        return sorted(words, key=lambda w: (-len(w), w))

    def superclasses(self, cls: URIRef) -> set[URIRef]:
        return set(self.graph.transitive_objects(cls, RDFS.subClassOf))  # type: ignore[arg-type]  # IRIs

    def _local_names(self, kind: URIRef) -> dict[str, URIRef]:
        return {
            str(term)[len(AZKG) :]: term
            for term in self.graph.subjects(RDF.type, kind)
            if isinstance(term, URIRef) and str(term).startswith(str(AZKG)) and "/" not in str(term)[len(AZKG) :]
        }


def load_ontology(ontology_dir: Path) -> Ontology:
    files = tuple(sorted(ontology_dir.glob("*.ttl")))
    if not files:
        raise OntologyError(f"{ontology_dir}: no ontology files (*.ttl) found")
    graph = Graph()
    for path in files:
        try:
            graph.parse(path, format="turtle")
        except (ParserError, SyntaxError, ValueError) as err:
            raise OntologyError(f"{path.name}: not valid Turtle: {err}") from err
    return Ontology(graph, files)
