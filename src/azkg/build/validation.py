"""Checking the graph: SHACL shapes (pySHACL) and SPARQL violation queries (pyoxigraph).

    ontology/shapes/data.shapes.ttl       structure of the data: cardinalities, classes, datatypes
    ontology/shapes/ontology.shapes.ttl   every term labelled, defined and rdfs:isDefinedBy
    ontology/checks/data/*-violation.rq   joins across nodes, over data + ontology (quote offsets, ...)
    ontology/checks/ontology/*-violation.rq   over the ontology alone

A violation query selects ?this (the offending node) and optionally ?value; its first comment line
is the message. Data problems come back as Problems pointing at the curated file and line the
offending node came from, so a violation reads like any other curation error.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyoxigraph
from pyshacl import validate
from rdflib import Graph, URIRef
from rdflib.exceptions import ParserError
from rdflib.namespace import SH

from azkg.build.ontology import Ontology
from azkg.build.records import Curation, RelationClaim, Where
from azkg.errors import CurationError, OntologyError, Problem, QueryError
from azkg.iris import entity_iri, fact_iri, quote_iri, source_iri
from azkg.sparql.evaluation import DEFAULT_GRAPH, evaluate


@dataclass(frozen=True)
class Violation:
    check: str
    focus: str
    path: str
    value: str
    message: str
    targets: tuple[tuple[str, str], ...] = ()  # the failing shape's (subject|object, relation) targets


def validate_data(data: Graph, ontology: Ontology, shapes_file: Path, checks_dir: Path, curation: Curation) -> None:
    """Raise CurationError naming the curated line of each node that breaks a shape or a check."""
    combined = data + ontology.graph
    violations = _shacl(combined, shapes_file) + _queries(combined, checks_dir)
    if violations:
        origins = _origins(curation)
        raise CurationError([p for v in violations for p in _problems(v, origins, curation)])


def check_ontology(ontology: Ontology, shapes_file: Path, checks_dir: Path) -> None:
    violations = _shacl(ontology.graph, shapes_file) + _queries(ontology.graph, checks_dir)
    if violations:
        lines = [f"  {v.check}: {v.focus}{f' {v.path}' if v.path else ''}: {v.message}{_value(v)}" for v in violations]
        raise OntologyError("the ontology fails its checks:\n" + "\n".join(lines))


def _shacl(data: Graph, shapes_file: Path) -> list[Violation]:
    shapes = _parse(shapes_file)
    conforms, results, _ = validate(data, shacl_graph=shapes, inference="none", advanced=True)
    if conforms:
        return []
    found = []
    for result in results.subjects(SH.resultSeverity, SH.Violation):
        path, value = results.value(result, SH.resultPath), results.value(result, SH.value)
        message = str(results.value(result, SH.resultMessage) or "violates a shape")
        found.append(
            Violation(
                shapes_file.name,
                _term(results.value(result, SH.focusNode)),
                _term(path) if path is not None else "",
                _term(value) if value is not None else "",
                message,
                _relation_targets(shapes, results.value(result, SH.sourceShape)),
            )
        )
    return sorted(found, key=lambda v: (v.focus, v.path, v.message))


def _relation_targets(shapes: Graph, shape: Any) -> tuple[tuple[str, str], ...]:
    """The relations a shape targets the subjects or objects of (looking up from a property shape)."""
    node_shape = next(iter(shapes.subjects(SH.property, shape)), shape)
    targets = [("subject", _term(p)) for p in shapes.objects(node_shape, SH.targetSubjectsOf)]
    targets += [("object", _term(p)) for p in shapes.objects(node_shape, SH.targetObjectsOf)]
    return tuple(sorted(targets))


def _queries(data: Graph, checks_dir: Path) -> list[Violation]:
    queries = sorted(checks_dir.glob("*-violation.rq"))
    if not queries:
        return []
    store = pyoxigraph.Store()
    store.load(data.serialize(format="nt", encoding="utf-8"), format=pyoxigraph.RdfFormat.N_TRIPLES)
    found = []
    for query_file in queries:
        text = query_file.read_text(encoding="utf-8")
        message = text.splitlines()[0].lstrip("# ").strip()
        try:
            solutions = evaluate(store, text, dataset=DEFAULT_GRAPH)
        except QueryError as err:
            raise OntologyError(f"{query_file.name}: not valid SPARQL: {err}") from err
        has_value = any(variable.value == "value" for variable in solutions.variables)
        for row in solutions:
            value = _term(row["value"].value) if has_value and row["value"] is not None else ""
            found.append(Violation(query_file.name, _term(row["this"].value), "", value, message))
    return found


def _problems(violation: Violation, origins: dict[str, Where], curation: Curation) -> list[Problem]:
    """Point at the claims that stated the offending direct triple, else at the node's own origin."""
    message = f"{violation.focus} breaks {violation.check}: {violation.message}{_value(violation)}"
    claims = [claim for claim in curation.claims if isinstance(claim, RelationClaim) and _states(claim, violation)]
    if claims:
        return [Problem(c.where.file, c.where.line, "relation", message) for c in claims]
    where = origins.get(violation.focus, Where("data/triples.ttl", 0))
    return [Problem(where.file, where.line, violation.path, message)]


def _states(claim: RelationClaim, violation: Violation) -> bool:
    relation = _term(claim.relation)
    if violation.path and violation.path != relation:
        return False
    for direction, target in violation.targets:
        node = claim.about if direction == "subject" else claim.object_entity
        if target == relation and node is not None and _term(entity_iri(node)) == violation.focus:
            return True
    return False


def _origins(curation: Curation) -> dict[str, Where]:
    """Which curated line each node of the graph comes from, keyed as violations name nodes."""
    origins: dict[URIRef, Where] = {entity_iri(e.id): e.where for e in curation.entities.values()}
    for source in curation.sources.values():
        origins[source_iri(source.id)] = Where(source.metadata_file, source.metadata_line)
    for claim in curation.claims:
        origins[fact_iri(claim.source_id, claim.id)] = claim.where
        origins.setdefault(quote_iri(claim.source_id, claim.quote.start, claim.quote.end), claim.where)
    return {_term(node): where for node, where in origins.items()}


def _parse(path: Path) -> Graph:
    try:
        return Graph().parse(path, format="turtle")
    except (ParserError, SyntaxError, ValueError) as err:
        raise OntologyError(f"{path.name}: not valid Turtle: {err}") from err


def _value(violation: Violation) -> str:
    return f" (value: {violation.value})" if violation.value else ""


def _term(node: object) -> str:
    text = str(node)
    for base in ("https://w3id.org/azkg/def/", "https://w3id.org/azkg/"):
        if text.startswith(base):
            return text[len(base) :]
    return text
