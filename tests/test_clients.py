"""Real SPARQL clients against a real `azkg serve`, each compared with pyoxigraph's direct answer."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

import pyoxigraph
import pytest
from rdflib import Graph, URIRef
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import CSV, JSON, JSONLD, RDFXML, TURTLE, XML, SPARQLWrapper

from tests.conftest import ROOT
from tests.server import Server, running_server

pytestmark = pytest.mark.slow

PREFIXES = "PREFIX azkg: <https://w3id.org/azkg/def/>\nPREFIX id: <https://w3id.org/azkg/id/>\n"
FIGURES = PREFIXES + """SELECT ?fact ?value ?currency WHERE {
  ?fact azkg:about id:sumgayit-industrial-park ; azkg:value ?value . OPTIONAL { ?fact azkg:currency ?currency } }"""
CONSTRUCT = PREFIXES + "CONSTRUCT { ?c azkg:residentIn ?park } WHERE { ?c azkg:residentIn ?park }"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, backend: dict[str, str]) -> Iterator[Server]:
    """The service on each store in turn (tests/backends.py): the embedded one and the remote ones."""
    with running_server(ROOT, tmp_path_factory.mktemp("store") / "s", query_timeout="60", **backend) as running:
        yield running


@pytest.fixture(scope="module")
def direct() -> pyoxigraph.Store:
    store = pyoxigraph.Store()
    store.bulk_load(path=str(ROOT / "data" / "triples.ttl"), format=pyoxigraph.RdfFormat.TURTLE)
    return store


def expected_rows(direct: pyoxigraph.Store) -> set[tuple]:
    results = direct.query(FIGURES)
    return {(r["fact"].value, r["value"].value, r["currency"].value if r["currency"] else None) for r in results}


def wrapper(server: Server, fmt: str) -> SPARQLWrapper:
    client = SPARQLWrapper(server.sparql)
    client.setQuery(FIGURES)
    client.setReturnFormat(fmt)
    return client


def test_sparqlwrapper_json(server: Server, direct: pyoxigraph.Store) -> None:
    bindings = wrapper(server, JSON).queryAndConvert()["results"]["bindings"]
    rows = {(b["fact"]["value"], b["value"]["value"], b.get("currency", {}).get("value")) for b in bindings}
    assert rows == expected_rows(direct) and len(rows) > 10


def test_sparqlwrapper_xml(server: Server, direct: pyoxigraph.Store) -> None:
    document = wrapper(server, XML).queryAndConvert()
    rows = set()
    for result in document.getElementsByTagName("result"):
        cells = {b.getAttribute("name"): b.firstChild.firstChild.data for b in result.getElementsByTagName("binding")}
        rows.add((cells["fact"], cells["value"], cells.get("currency")))
    assert rows == expected_rows(direct)


def test_sparqlwrapper_csv(server: Server, direct: pyoxigraph.Store) -> None:
    text = wrapper(server, CSV).queryAndConvert().decode("utf-8")
    rows = {(r["fact"], r["value"], r["currency"] or None) for r in csv.DictReader(io.StringIO(text))}
    assert rows == expected_rows(direct)


def test_sparqlwrapper_construct_into_rdflib(server: Server, direct: pyoxigraph.Store) -> None:
    client = SPARQLWrapper(server.sparql)
    client.setQuery(CONSTRUCT)
    client.setReturnFormat(TURTLE)
    graph = Graph().parse(data=client.queryAndConvert(), format="turtle")
    expected = {(URIRef(t.subject.value), URIRef(t.predicate.value), URIRef(t.object.value))
                for t in direct.query(CONSTRUCT)}
    assert set(graph) == expected and len(expected) == 3


@pytest.mark.parametrize("fmt", [JSONLD, RDFXML])
def test_sparqlwrapper_construct_as_jsonld_and_rdfxml(server: Server, direct: pyoxigraph.Store, fmt: str) -> None:
    """SPARQLWrapper sends Accept `application/ld+json,application/x-json+ld` for JSON-LD, and the format
    twice in the URL (`format=json-ld&format=application/ld+json,application/x-json+ld`)."""
    client = SPARQLWrapper(server.sparql)
    client.setQuery(CONSTRUCT)
    client.setReturnFormat(fmt)
    graph = client.queryAndConvert()
    expected = {(URIRef(t.subject.value), URIRef(t.predicate.value), URIRef(t.object.value))
                for t in direct.query(CONSTRUCT)}
    assert set(graph) == expected and len(expected) == 3


def test_rdflib_sparqlstore(server: Server, direct: pyoxigraph.Store) -> None:
    store = SPARQLStore(server.sparql, returnFormat="json")
    graph = Graph(store=store)
    rows = {(str(r.fact), str(r.value), str(r.currency) if r.currency is not None else None)
            for r in graph.query(FIGURES)}
    assert rows == expected_rows(direct)
    residents = set(graph.triples((None, URIRef("https://w3id.org/azkg/def/residentIn"), None)))
    assert len(residents) == 3
