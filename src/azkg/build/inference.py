"""RDFS entailment, materialised at build time into data/triples.ttl.

The closure is computed by owlrl over the ontology plus the data, and only what it entails about
the data's own IRIs is kept: the superclasses of each entity's type (a Company is also an
azkg:Organization, org:Organization and schema:Organization; an IndustrialPark is an azkg:Zone),
the types that domains and ranges give, and the super-properties of direct triples
(locatedIn -> schema:containedInPlace). Materialising it means that any store, and any query, sees
the same answers without a reasoner: `?x a azkg:Organization` finds companies everywhere.

owlrl rewrites literals it reasons over (it turned `true` into `"1"^^xsd:decimal` and dropped
datatypes and language tags), so the data's literals go in as opaque IRIs and come back unchanged.
"""

from __future__ import annotations

from owlrl import DeductiveClosure, RDFS_Semantics
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS

from azkg.build.ontology import Ontology
from azkg.vocab import BASE, ONTOLOGY_IRI

STAND_IN = "urn:azkg:literal:"


def entailed(data: Graph, ontology: Ontology) -> Graph:
    """The triples RDFS entails about the data's IRIs that the data does not already state."""
    literals: dict[URIRef, Literal] = {}
    closure = Graph()
    for triple in ontology.graph:
        closure.add(triple)
    for s, p, o in data:
        if isinstance(o, Literal):
            stand_in = URIRef(f"{STAND_IN}{len(literals)}")
            literals[stand_in] = o
            o = stand_in
        closure.add((s, p, o))
    DeductiveClosure(RDFS_Semantics, axiomatic_triples=False, datatype_axioms=False).expand(closure)
    extra = Graph()
    for s, p, o in closure:
        triple = (s, p, literals.get(o, o))  # type: ignore[call-overload]
        if _is_data_iri(s) and triple not in data and not (p == RDF.type and o == RDFS.Resource):
            extra.add(triple)
    return extra


def _is_data_iri(term: object) -> bool:
    return isinstance(term, URIRef) and str(term).startswith(BASE) and not str(term).startswith(ONTOLOGY_IRI)
