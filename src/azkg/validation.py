"""Checking the graph: SHACL shapes for the data and for the ontology, and the *-violation.rq queries.

Data problems come back as Problems pointing at the curated file and line the offending node came
from, so a SHACL violation reads like any other curation error.
"""

from __future__ import annotations

from pathlib import Path

from pyshacl import validate
from rdflib import Graph, URIRef
from rdflib.exceptions import ParserError
from rdflib.namespace import SH

from azkg.errors import CurationError, OntologyError, Problem
from azkg.iris import entity_iri, fact_iri, quote_iri, source_iri
from azkg.ontology import Ontology
from azkg.records import Curation, Where


def validate_data(data: Graph, ontology: Ontology, shapes_file: Path, curation: Curation) -> None:
    """Validate the asserted triples; raise CurationError naming the curated line of each violation."""
    report = _shacl(data + ontology.graph, _parse(shapes_file))
    if report:
        origins = _origins(curation)
        raise CurationError([_problem(result, origins) for result in report])


def check_ontology(ontology: Ontology, shapes_file: Path, checks_dir: Path, data: Graph | None = None) -> None:
    """The ontology's own shapes, then each *-violation.rq over the ontology (and data, if given)."""
    failures = [f"{_term(r['focus'])}: {r['message']}" for r in _shacl(ontology.graph, _parse(shapes_file))]
    combined = ontology.graph + data if data is not None else ontology.graph
    for query_file in sorted(checks_dir.glob("*-violation.rq")):
        for row in combined.query(query_file.read_text(encoding="utf-8")):
            failures.append(f"{query_file.name}: " + ", ".join(_term(v) for v in row))
    if failures:
        raise OntologyError("the ontology fails its checks:\n" + "\n".join(f"  {f}" for f in failures))


def _shacl(data: Graph, shapes: Graph) -> list[dict]:
    """Violations of the shapes; the ontology is part of `data` so that sh:class sees rdfs:subClassOf."""
    conforms, results, _ = validate(data, shacl_graph=shapes, inference="none", advanced=True, allow_warnings=False)
    if conforms:
        return []
    rows = []
    for result in results.subjects(SH.resultSeverity, SH.Violation):
        rows.append(
            {
                "focus": results.value(result, SH.focusNode),
                "path": results.value(result, SH.resultPath),
                "value": results.value(result, SH.value),
                "message": str(results.value(result, SH.resultMessage) or "violates a shape"),
            }
        )
    return sorted(rows, key=lambda r: (str(r["focus"]), str(r["path"]), r["message"]))


def _problem(result: dict, origins: dict[URIRef, Where]) -> Problem:
    where = origins.get(result["focus"], Where("data/triples.ttl", 0))
    field = _term(result["path"]) if result["path"] is not None else ""
    value = f" (value: {_term(result['value'])})" if result["value"] is not None else ""
    return Problem(
        where.file, where.line, field, f"{_term(result['focus'])} breaks a shape: {result['message']}{value}"
    )


def _origins(curation: Curation) -> dict[URIRef, Where]:
    """Which curated line each node of the graph comes from."""
    origins: dict[URIRef, Where] = {entity_iri(e.id): e.where for e in curation.entities.values()}
    for source in curation.sources.values():
        origins[source_iri(source.id)] = Where(source.metadata_file, source.metadata_line)
    for claim in curation.claims:
        origins[fact_iri(claim.source_id, claim.id)] = claim.where
        origins.setdefault(quote_iri(claim.source_id, claim.quote.start, claim.quote.end), claim.where)
    return origins


def _parse(path: Path) -> Graph:
    try:
        return Graph().parse(path, format="turtle")
    except (ParserError, SyntaxError, ValueError) as err:
        raise OntologyError(f"{path.name}: not valid Turtle: {err}") from err


def _term(node: object) -> str:
    text = str(node)
    for base in ("https://w3id.org/azkg/def/", "https://w3id.org/azkg/"):
        if text.startswith(base):
            return text[len(base) :]
    return text
