"""Every IRI the graph mints dereferences: HTML for browsers, RDF by Accept or suffix,
404/400/406 in the negotiated form; links stay inside the deployment (setting public_url)."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from decimal import Decimal

import httpx
import pyoxigraph
import pytest
import rdflib

from tests.conftest import ROOT
from tests.in_process import InProcess, in_process

BASE = "https://w3id.org/azkg/"
PUBLIC = "https://example.org/deploy/kg/"
RDF_TYPES = {
    "text/turtle": "turtle",
    "application/n-triples": "nt",
    "application/ld+json": "json-ld",
    "application/rdf+xml": "xml",
}
SUFFIXES = {"ttl": "text/turtle", "nt": "application/n-triples", "jsonld": "application/ld+json",
            "rdf": "application/rdf+xml", "html": "text/html"}
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"


@pytest.fixture(scope="module")
def graph() -> rdflib.Graph:
    return rdflib.Graph().parse(ROOT / "data" / "triples.ttl")


@pytest.fixture(scope="module")
def ontology() -> rdflib.Graph:
    found = rdflib.Graph()
    for name in ("azkg.ttl", "vocabularies.ttl"):
        found.parse(ROOT / "ontology" / name)
    return found


def one_of_each(graph: rdflib.Graph, ontology: rdflib.Graph) -> dict[str, str]:
    """An IRI of every kind the graph mints, taken from the data, not written down here."""
    def first(prefix: str, source: rdflib.Graph) -> str:
        return sorted({str(s) for s in source.subjects() if str(s).startswith(BASE + prefix) and "#" not in str(s)})[0]
    return {
        "entity": first("id/", graph), "fact": first("fact/", graph), "quote": first("quote/", graph),
        "source": first("source/", graph), "ingestion": first("ingestion/", graph),
        "class": BASE + "def/Fact", "property": BASE + "def/residentIn",
        "concept": first("def/metric/", ontology), "ontology": BASE + "def",
    }


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, backend: dict[str, str]) -> Iterator[InProcess]:
    """The service on each store in turn (tests/backends.py): the embedded one and the remote ones."""
    with in_process(ROOT, tmp_path_factory.mktemp("ld") / "store", public_url=PUBLIC, query_timeout="60",
                    **backend) as running:
        yield running


@pytest.fixture(scope="module")
def client(server: InProcess) -> httpx.Client:
    return server.client


def by_value(triple: tuple) -> tuple:
    """A triple compared by literal value: Oxigraph's store keeps numbers by value, so the decimal 640.0
    comes back as 640 (decision 0006)."""
    s, p, o = triple
    if isinstance(o, rdflib.Literal):
        value = o.toPython()
        o = (value, None, None) if isinstance(value, int | Decimal) else (str(o), o.datatype, o.language)
    return (s, p, o)


def local(server: InProcess, iri: str) -> str:
    return server.base + "/" + iri[len(BASE):]


@pytest.mark.parametrize("kind", ["entity", "fact", "quote", "source", "ingestion", "class", "property", "concept",
                                  "ontology"])
@pytest.mark.parametrize(("accept", "expected"), [
    (BROWSER, "text/html"),
    ("text/turtle", "text/turtle"),
    ("application/n-triples", "application/n-triples"),
    ("application/ld+json", "application/ld+json"),
    ("application/rdf+xml", "application/rdf+xml"),
    ("application/ld+json;q=0.5, text/turtle;q=0.4", "application/ld+json"),
    ("*/*", "text/turtle"),
    (None, "text/turtle"),
])
def test_every_kind_of_iri_answers_each_type_by_accept(server, client, graph, ontology, kind, accept, expected):
    iri = one_of_each(graph, ontology)[kind]
    headers = {"Accept": accept} if accept else {}
    response = client.get(local(server, iri), headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].split(";")[0] == expected
    assert "Accept" in response.headers["vary"]
    if expected == "text/html":
        assert "<h1>" in response.text and iri in response.text
    else:
        served = rdflib.Graph().parse(data=response.content, format=RDF_TYPES[expected])
        assert (rdflib.URIRef(iri), None, None) in served


@pytest.mark.parametrize("suffix", sorted(SUFFIXES))
@pytest.mark.parametrize("kind", ["entity", "fact", "source", "concept", "ontology"])
def test_a_suffix_chooses_the_format_whatever_the_accept(server, client, graph, ontology, kind, suffix):
    iri = one_of_each(graph, ontology)[kind]
    response = client.get(f"{local(server, iri)}.{suffix}", headers={"Accept": "image/png"})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].split(";")[0] == SUFFIXES[suffix]
    if suffix != "html":
        served = rdflib.Graph().parse(data=response.content, format=RDF_TYPES[SUFFIXES[suffix]])
        assert (rdflib.URIRef(iri), None, None) in served


def test_the_rdf_of_an_entity_holds_its_facts_with_quotes_and_sources(server, client, graph):
    entity = rdflib.URIRef(BASE + "id/sumgayit-industrial-park")
    served = rdflib.Graph().parse(data=client.get(local(server, entity) + ".ttl").content, format="turtle")
    expected = list(graph.triples((entity, None, None)))
    about = rdflib.URIRef(BASE + "def/about")
    facts = list(graph.subjects(about, entity))
    assert len(facts) > 10
    for fact in facts:
        expected += list(graph.triples((fact, None, None)))
        for quote in graph.objects(fact, rdflib.PROV.wasDerivedFrom):
            expected += list(graph.triples((quote, None, None)))
            for selector in graph.objects(quote, rdflib.URIRef("http://www.w3.org/ns/oa#hasSelector")):
                expected += list(graph.triples((selector, None, None)))
        for source in graph.objects(fact, rdflib.URIRef(BASE + "def/statedIn")):
            expected.append((source, rdflib.RDFS.label, graph.value(source, rdflib.RDFS.label)))
    have = {by_value(t) for t in served}
    missing = [t for t in expected if by_value(t) not in have]
    assert not missing, missing[:5]


def test_pyoxigraph_reads_every_rdf_answer(server, client, graph, ontology):
    for iri in one_of_each(graph, ontology).values():
        for media_type in RDF_TYPES:
            response = client.get(local(server, iri), headers={"Accept": media_type})
            parsed = list(pyoxigraph.parse(response.content, format=pyoxigraph.RdfFormat.from_media_type(media_type)))
            assert any(t.subject == pyoxigraph.NamedNode(iri) for t in parsed), (iri, media_type)


def test_html_links_stay_inside_the_deployment(server, client, graph):
    page = client.get(local(server, BASE + "id/sumgayit-industrial-park"), headers={"Accept": "text/html"}).text
    hrefs = re.findall(r'href="([^"]+)"', page)
    ours = [h for h in hrefs if h.startswith(("http://", "https://")) and not h.startswith(PUBLIC)]
    assert all(not h.startswith(BASE) for h in ours), ours
    assert PUBLIC + "fact/" in page and PUBLIC + "source/" in page and PUBLIC + "static/azkg.css" in page


def test_the_ontology_page_documents_every_term(server, client, ontology):
    page = client.get(server.base + "/def", headers={"Accept": BROWSER}).text
    terms = {str(s) for s in ontology.subjects(rdflib.RDF.type, rdflib.OWL.Class) if str(s).startswith(BASE)}
    terms |= {str(s) for s in ontology.subjects(rdflib.RDF.type, rdflib.OWL.ObjectProperty) if str(s).startswith(BASE)}
    assert len(terms) > 40
    for term in terms:
        assert f'id="{term[len(BASE + "def/"):]}"' in page, term
        label = ontology.value(rdflib.URIRef(term), rdflib.RDFS.label)
        assert str(label) in page


def test_the_ontology_in_turtle_is_the_ontology(server, client, ontology):
    response = client.get(server.base + "/def", headers={"Accept": "text/turtle"})
    served = rdflib.Graph().parse(data=response.content, format="turtle")
    assert {by_value(t) for t in served} == {by_value(t) for t in ontology}


def test_a_graph_iri_leads_to_the_graph(server, client):
    response = client.get(server.base + "/graph/data", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith(PUBLIC + "store?graph=")


@pytest.mark.parametrize(("path", "status", "words"), [
    ("/id/no-such-entity", 404, "nothing on"),
    ("/fact/azernews-2026-01-27/no-such-claim", 404, "nothing on"),
    ("/id/Not_A_Slug", 400, "expected id/<slug>"),
    ("/quote/azernews-2026-01-27/abc", 400, "expected quote/<source>/<start>-<end>"),
    ("/id/a/b/c", 400, "not an IRI of this dataset"),
    ("/id/sumgayit-industrial-park.exe", 404, "suffixes are"),
    ("/def.pdf", 404, "suffixes are"),
    ("/id/%C3%28", 400, "not an IRI"),
])
@pytest.mark.parametrize("accept", ["application/json", BROWSER, "text/plain"])
def test_bad_iris_get_a_clear_4xx_in_the_negotiated_form(server, client, path, status, words, accept):
    response = client.get(server.base + path, headers={"Accept": accept})
    assert response.status_code == status
    kind = {"application/json": "application/json", BROWSER: "text/html", "text/plain": "text/plain"}[accept]
    assert response.headers["content-type"].startswith(kind)
    assert words in (response.json()["error"]["message"] if kind == "application/json" else html.unescape(response.text))


def test_an_unacceptable_type_gets_406_listing_the_types(server, client):
    response = client.get(server.base + "/id/azermirror", headers={"Accept": "image/png"})
    assert response.status_code == 406
    assert "text/turtle" in response.text and "text/html" in response.text


def test_head_answers_without_a_body(server, client):
    response = client.head(server.base + "/id/azermirror", headers={"Accept": "text/turtle"})
    assert response.status_code == 200 and response.content == b""


def test_void_points_at_the_deployment_and_the_persistent_base(server, client):
    void = rdflib.Graph().parse(data=client.get(server.base + "/.well-known/void").content, format="turtle")
    endpoints = {str(o) for o in void.objects(None, rdflib.URIRef("http://rdfs.org/ns/void#sparqlEndpoint"))}
    spaces = {str(o) for o in void.objects(None, rdflib.URIRef("http://rdfs.org/ns/void#uriSpace"))}
    assert endpoints == {PUBLIC + "sparql"} and spaces == {BASE}
