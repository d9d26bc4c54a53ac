"""The shapes and violation queries catch what they are meant to: each is shown failing on broken data."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, SKOS, XSD

from azkg.build.curation import load_curation
from azkg.build.ontology import load_ontology
from azkg.build.pipeline import build
from azkg.build.triples import build_graph
from azkg.build.validation import check_ontology, validate_data
from azkg.errors import CurationError, OntologyError
from azkg.settings import Paths
from azkg.vocab import AZKG, OA, SCHEMA
from tests.conftest import ROOT


@pytest.fixture(scope="module")
def real() -> tuple:
    paths = Paths(ROOT)
    ontology = load_ontology(paths.ontology_dir)
    curation = load_curation(paths, ontology)
    return paths, ontology, curation, build_graph(curation, ontology)


def check(real: tuple, graph: Graph) -> CurationError:
    paths, ontology, curation, _ = real
    with pytest.raises(CurationError) as raised:
        validate_data(graph, ontology, paths.shapes_dir / "data.shapes.ttl", paths.checks_dir / "data", curation)
    return raised.value


def copy(graph: Graph) -> Graph:
    out = Graph()
    out += graph
    return out


AZERNEWS = URIRef("https://w3id.org/azkg/source/azernews-2026-01-27")


def one_fact(claim_id: str) -> URIRef:
    return URIRef(f"https://w3id.org/azkg/fact/azernews-2026-01-27/{claim_id}")


def test_the_real_graph_passes(real: tuple) -> None:
    paths, ontology, curation, graph = real
    validate_data(graph, ontology, paths.shapes_dir / "data.shapes.ttl", paths.checks_dir / "data", curation)


def test_shifted_quote_offsets_are_caught(real: tuple) -> None:
    graph = copy(real[3])
    selector = next(graph.subjects(RDF.type, OA.TextPositionSelector))
    start = graph.value(selector, OA.start)
    graph.set((selector, OA.start, Literal(int(start) + 1, datatype=XSD.integer)))
    error = check(real, graph)
    assert "quote-offsets-violation.rq" in str(error)
    assert "quote-context-violation.rq" in str(error)
    assert "data/curation/" in str(error), "the problem must point at the curated claim"


def test_edited_source_text_is_caught(real: tuple) -> None:
    graph = copy(real[3])
    text = str(graph.value(AZERNEWS, SCHEMA.text))
    graph.set((AZERNEWS, SCHEMA.text, Literal(text.replace("640 hectares", "650 hectares"))))
    assert "quote-offsets-violation.rq" in str(check(real, graph))


def test_direct_triple_without_fact_is_caught(real: tuple) -> None:
    graph = copy(real[3])
    graph.add((URIRef("https://w3id.org/azkg/id/byd"), AZKG.residentIn, URIRef("https://w3id.org/azkg/id/ganja-park")))
    error = check(real, graph)
    assert "unsourced-direct-triple-violation.rq" in str(error)
    assert "data/curation/entities.yaml" in str(error)


def test_fact_without_direct_triple_is_caught(real: tuple) -> None:
    graph = copy(real[3])
    graph.remove((URIRef("https://w3id.org/azkg/id/azermirror"), AZKG.founder, None))
    assert "missing-direct-triple-violation.rq" in str(check(real, graph))


def test_fact_quoting_another_source_is_caught(real: tuple) -> None:
    graph = copy(real[3])
    fact = one_fact("sumgayit-area")
    other = next(q for q in graph.subjects(RDF.type, AZKG.Quote) if "industrial-clusters-2025" in str(q))
    graph.set((fact, URIRef("http://www.w3.org/ns/prov#wasDerivedFrom"), other))
    assert "quote-from-other-source-violation.rq" in str(check(real, graph))


def test_figure_with_two_values_breaks_a_shape(real: tuple) -> None:
    graph = copy(real[3])
    graph.add((one_fact("sumgayit-area"), AZKG.value, Literal("641", datatype=XSD.decimal)))
    error = check(real, graph)
    assert "data.shapes.ttl" in str(error) and "[value]" in str(error)


def test_undeclared_term_is_caught(real: tuple) -> None:
    graph = copy(real[3])
    graph.add((one_fact("sumgayit-area"), AZKG.confidence, Literal("high")))
    assert "undeclared-term-violation.rq" in str(check(real, graph))


def test_ontology_passes_its_own_checks(real: tuple) -> None:
    paths, ontology, _, _ = real
    check_ontology(ontology, paths.shapes_dir / "ontology.shapes.ttl", paths.checks_dir / "ontology")


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ('    skos:definition "A plant, service centre or other installation built or run by an organisation; '
         'sources also call it a project."@en ;\n', "", "every term needs one English skos:definition"),
        ('    rdfs:label "brand"@en ;', '    rdfs:label "product"@en ;', "duplicate-label-violation.rq"),
        ('azkg:Zone a owl:Class ;\n    rdfs:subClassOf schema:Place ;',
         'azkg:Zone a owl:Class ;\n    rdfs:subClassOf schema:Place , azkg:IndustrialPark ;', "subclass-cycle-violation.rq"),
        ('    owl:versionInfo "0.1.0" ;\n', "", "versionInfo"),
    ],
    ids=["missing definition", "duplicate label", "subclass cycle", "missing version"],
)
def test_broken_ontology_stops_the_build(project: Path, old: str, new: str, expected: str) -> None:
    path = project / "ontology" / "azkg.ttl"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    before = (project / "data" / "triples.ttl").read_bytes()
    with pytest.raises(OntologyError, match=expected):
        build(Paths(project))
    assert (project / "data" / "triples.ttl").read_bytes() == before


def test_concept_without_scheme_is_caught(project: Path) -> None:
    path = project / "ontology" / "vocabularies.ttl"
    text = path.read_text(encoding="utf-8")
    old = "<https://w3id.org/azkg/def/metric/payload> a azkg:Metric , skos:Concept ;\n    skos:inScheme <https://w3id.org/azkg/def/metrics> ;\n"
    assert old in text
    path.write_text(text.replace(old, "<https://w3id.org/azkg/def/metric/payload> a azkg:Metric , skos:Concept ;\n"))
    with pytest.raises(OntologyError, match="every concept belongs to a scheme"):
        build(Paths(project))


def test_every_vocabulary_concept_is_a_skos_concept(real: tuple) -> None:
    ontology = real[1]
    for name in ("metric", "unit", "approximation", "status", "zone-status"):
        concepts = ontology.concepts(name)
        assert concepts, name
        for concept in concepts.values():
            assert (concept, RDF.type, SKOS.Concept) in ontology.graph
