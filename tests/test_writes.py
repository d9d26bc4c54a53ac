"""Writes need the token, are atomic, and VoID stays true after them — through the app, and through a real
server with several HTTP processes."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from urllib.parse import urlencode

import httpx
import pytest
from rdflib import Graph, Literal, Namespace

from azkg.vocab import AZKG as AZKG_DEF
from tests.conftest import ROOT
from tests.in_process import InProcess, in_process
from tests.server import children, running_server

pytestmark = pytest.mark.slow

TOKEN = "test-token-0123456789abcdef"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
VOID = Namespace("http://rdfs.org/ns/void#")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[InProcess]:
    with in_process(ROOT, tmp_path_factory.mktemp("store") / "s", update_token=TOKEN) as running:
        yield running


@pytest.fixture(scope="module")
def client(server: InProcess) -> httpx.Client:
    return server.client


def ask(server: InProcess, client: httpx.Client, query: str) -> bool:
    return client.get(server.sparql, params={"query": query}).json()["boolean"]


def void_triples(server: InProcess, client: httpx.Client) -> int:
    graph = Graph().parse(data=client.get(server.base + "/.well-known/void").text, format="turtle")
    return int(next(graph.objects(None, VOID.triples)))


@pytest.mark.parametrize(
    ("headers", "status", "words"),
    [({}, 401, "Authorization: Bearer"), ({"Authorization": "Bearer wrong-token"}, 403, "not valid"),
     ({"Authorization": "Basic abc"}, 401, "Bearer")],
)
def test_writes_need_the_token(server: InProcess, client: httpx.Client, headers: dict, status: int, words: str) -> None:
    before = void_triples(server, client)
    update = client.post(server.base + "/update", content=b"INSERT DATA { <urn:t:a> <urn:t:b> <urn:t:c> }",
                         headers={"Content-Type": "application/sparql-update", **headers})
    put = client.put(server.base + "/store", params={"graph": "urn:t:g"}, content=b"<urn:t:a> <urn:t:b> <urn:t:c> .",
                     headers={"Content-Type": "text/turtle", **headers})
    assert update.status_code == put.status_code == status and words in update.text
    if status == 401:
        assert update.headers["www-authenticate"].startswith("Bearer")
    assert not ask(server, client, "ASK { <urn:t:a> ?p ?o }")
    assert void_triples(server, client) == before


def test_update_is_applied_and_void_follows(server: InProcess, client: httpx.Client) -> None:
    before = void_triples(server, client)
    response = client.post(server.base + "/update", data={"update": "INSERT DATA { <urn:u:a> <urn:u:b> 'c' }"},
                           headers=AUTH)
    assert response.status_code == 204
    assert ask(server, client, "ASK { <urn:u:a> <urn:u:b> 'c' }")
    assert void_triples(server, client) == before + 1


def test_failed_update_changes_nothing(server: InProcess, client: httpx.Client) -> None:
    before = void_triples(server, client)
    response = client.post(server.base + "/update", headers={**AUTH, "Content-Type": "application/sparql-update"},
                           content=b"INSERT DATA { <urn:v:a> <urn:v:b> <urn:v:c> } ; INSERT DATA { <urn:v:d> <urn:v:e> }")
    assert response.status_code == 400 and "malformed update" in response.text
    assert not ask(server, client, "ASK { <urn:v:a> ?p ?o }")
    assert void_triples(server, client) == before


def test_load_from_the_web_is_refused(server: InProcess, client: httpx.Client) -> None:
    response = client.post(server.base + "/update", data={"update": "LOAD <http://127.0.0.1:9/x.ttl>"}, headers=AUTH)
    assert response.status_code == 400 and "allow_service" in response.text


def test_graph_store_put_get_post_delete(server: InProcess, client: httpx.Client) -> None:
    store = server.base + "/store"
    graph = {"graph": "urn:gsp:g"}
    created = client.put(store, params=graph, content=b"<urn:gsp:a> <urn:gsp:b> <urn:gsp:c> .",
                         headers={**AUTH, "Content-Type": "text/turtle"})
    assert created.status_code == 201
    replaced = client.put(store, params=graph, content=b'<urn:gsp:a> <urn:gsp:b> "d" .',
                          headers={**AUTH, "Content-Type": "application/n-triples"})
    assert replaced.status_code == 204
    added = client.post(store, params=graph, content=b'<urn:gsp:a> <urn:gsp:b> "e" .',
                        headers={**AUTH, "Content-Type": "text/turtle"})
    assert added.status_code == 204
    read = client.get(store, params=graph, headers={"Accept": "application/n-triples"})
    assert read.status_code == 200
    assert set(Graph().parse(data=read.text, format="nt").objects()) == {Literal("d"), Literal("e")}
    bad = client.put(store, params=graph, content=b"<urn:gsp:a> <urn:gsp:b> .",
                     headers={**AUTH, "Content-Type": "text/turtle"})
    assert bad.status_code == 400 and "not valid text/turtle" in bad.text
    assert len(Graph().parse(data=client.get(store, params=graph).text, format="turtle")) == 2, "a bad PUT changed the graph"
    assert client.delete(store, params=graph, headers=AUTH).status_code == 204
    assert client.get(store, params=graph).status_code == 404
    assert client.delete(store, params=graph, headers=AUTH).status_code == 404


def test_graph_store_reads_the_data_graph_without_a_token(server: InProcess, client: httpx.Client) -> None:
    response = client.get(server.base + "/store", params={"graph": "https://w3id.org/azkg/graph/data", "format": "nt"})
    assert response.status_code == 200 and response.headers["content-type"] == "application/n-triples"
    committed = Graph().parse(ROOT / "data" / "triples.ttl")
    assert len(Graph().parse(data=response.text, format="nt")) == len(committed)


@pytest.mark.parametrize("params", [{}, {"graph": "urn:a", "default": ""}, {"graph": "not an iri"}])
def test_graph_store_parameters(server: InProcess, client: httpx.Client, params: dict) -> None:
    assert client.get(server.base + "/store", params=params).status_code == 400


def test_void_describes_the_dataset(server: InProcess, client: httpx.Client) -> None:
    """VoID's counts are those of the committed graph: its entities, and the facts of each source."""
    graph = Graph().parse(data=client.get(server.base + "/.well-known/void").text, format="turtle")
    committed = Graph().parse(ROOT / "data" / "triples.ttl", format="turtle")
    entities = {s for s in committed.subjects() if str(s).startswith("https://w3id.org/azkg/id/")}
    assert int(next(graph.objects(None, VOID.entities))) == len(entities)
    subsets = {str(s): int(n) for s, n in graph.query(
        "SELECT ?source ?n WHERE { ?d <http://purl.org/dc/terms/source> ?source ; "
        "<http://rdfs.org/ns/void#entities> ?n }")}
    facts = Counter(str(source) for source in committed.objects(None, AZKG_DEF.statedIn))
    assert subsets == dict(facts) and len(subsets) == len(list((ROOT / "data" / "sources").glob("*.txt")))
    dumps = list(graph.objects(None, VOID.dataDump))
    assert dumps and all(client.get(str(d)).status_code == 200 for d in dumps)


def test_read_only_service_refuses_writes(tmp_path) -> None:
    with in_process(ROOT, tmp_path / "s") as read_only:
        response = read_only.client.post(read_only.base + "/update", data={"update": "INSERT DATA { <urn:a> <urn:b> <urn:c> }"},
                               headers=AUTH)
    assert response.status_code == 403 and "AZKG_UPDATE_TOKEN" in response.text


def test_look_ups_and_pages_follow_a_write(server: InProcess, client: httpx.Client) -> None:
    """Named-query answers are kept per store snapshot; a write makes a new snapshot, so they follow it."""
    api = f"{server.base}/api/entities/azermirror"
    before = client.get(api).json()
    again = client.get(api).json()
    assert before == again and "Mirror Makers of Sumgayit" not in before["entity"]["aliases"]
    turtle = ('<https://w3id.org/azkg/id/azermirror> '
              '<http://www.w3.org/2004/02/skos/core#altLabel> "Mirror Makers of Sumgayit"@en .')
    response = client.post(f"{server.base}/store", params={"graph": "https://example.org/aliases"}, content=turtle,
                           headers={**AUTH, "Content-Type": "text/turtle"})
    assert response.status_code in (200, 201, 204)
    assert "Mirror Makers of Sumgayit" in client.get(api).json()["entity"]["aliases"]
    page = client.get(f"{server.base}/id/azermirror", headers={"Accept": "text/html"}).text
    assert "Mirror Makers of Sumgayit" in page


def test_several_http_processes_serve_and_see_every_write(tmp_path_factory: pytest.TempPathFactory) -> None:
    """With http_processes=2 two uvicorn processes share the port, each with its own workers; a write
    through either is published for both, so every later read on a fresh connection sees it."""
    store = tmp_path_factory.mktemp("multi") / "s"
    with running_server(ROOT, store, update_token=TOKEN, http_processes="2", query_workers="1") as server:
        http_children = [pid for pid in children(server.pid) if children(pid)]  # uvicorn processes own workers
        assert len(http_children) >= 2, http_children
        for index in range(4):
            turtle = f'<https://example.org/m{index}> <http://www.w3.org/2000/01/rdf-schema#label> "multi {index}" .'
            with httpx.Client(timeout=30) as writer:
                response = writer.post(f"{server.base}/store", params={"graph": f"https://example.org/g{index}"},
                                       content=turtle, headers={**AUTH, "Content-Type": "text/turtle"})
            assert response.status_code == 201, response.text
            for _ in range(6):  # new connections, spread over both processes by the kernel
                with httpx.Client(timeout=30) as reader:
                    seen = reader.get(server.sparql, params={"query": f'ASK {{ ?s rdfs:label "multi {index}" }}'},
                                      headers={"Accept": "application/sparql-results+json"}).json()
                assert seen["boolean"] is True


def test_relative_iris_in_an_update_resolve_against_the_base_iri(server: InProcess, client: httpx.Client) -> None:
    response = client.post(server.base + "/update", data={"update": "INSERT DATA { <rel/s> <rel/p> <rel/o> }"},
                           headers=AUTH)
    assert response.status_code == 204, response.text
    assert ask(server, client, "ASK { <https://w3id.org/azkg/rel/s> <https://w3id.org/azkg/rel/p> ?o }")


@pytest.mark.parametrize("name", ["using-graph-uri", "using-named-graph-uri"])
def test_update_dataset_parameters_must_be_iris(server: InProcess, client: httpx.Client, name: str) -> None:
    update = "INSERT { <urn:ud:s> <urn:ud:p> ?o } WHERE { ?x ?y ?o }"
    not_iri = client.post(server.base + "/update", data={"update": update, name: "not an iri"}, headers=AUTH)
    assert not_iri.status_code == 400 and f"{name}='not an iri' is not an absolute IRI" in not_iri.text
    assert not ask(server, client, "ASK { <urn:ud:s> ?p ?o }")


DATA1, DATA2, DATA3 = (f"http://kasei.us/2009/09/sparql/data/data{n}.rdf" for n in (1, 2, 3))
SETUP = "PREFIX dc: <http://purl.org/dc/terms/> PREFIX foaf: <http://xmlns.com/foaf/0.1/> " + " ; ".join(
    f"INSERT DATA {{ GRAPH <{g}> {{ <{g}> a foaf:Document }} }}" for g in (DATA1, DATA2, DATA3))


def test_update_dataset_default_graphs(server: InProcess, client: httpx.Client) -> None:
    """W3C protocol case update_dataset_default_graphs (without its CLEAR ALL): using-graph-uri makes
    that graph the WHERE's default graph."""
    out = "http://example.org/protocol-update-dataset-test/"
    update = SETUP + f" ; INSERT {{ GRAPH <{out}> {{ ?s a dc:BibliographicResource }} }} WHERE {{ ?s a foaf:Document }}"
    response = client.post(server.base + "/update", params={"using-graph-uri": DATA1}, content=update.encode(),
                           headers={**AUTH, "Content-Type": "application/sparql-update"})
    assert response.status_code == 204, response.text
    rows = client.get(server.sparql, params={"query": f"SELECT ?s WHERE {{ GRAPH <{out}> {{ ?s ?p ?o }} }}"},
                      headers={"Accept": "application/sparql-results+json"}).json()["results"]["bindings"]
    assert [row["s"]["value"] for row in rows] == [DATA1]


def test_update_dataset_named_graphs(server: InProcess, client: httpx.Client) -> None:
    """W3C protocol case update_dataset_named_graphs: using-named-graph-uri (twice) limits GRAPH ?g."""
    out = "http://example.org/protocol-update-dataset-named-graphs-test/"
    update = (SETUP + f" ; INSERT {{ GRAPH <{out}> {{ ?s a dc:BibliographicResource }} }} "
              "WHERE { GRAPH ?g { ?s a foaf:Document } }")
    form = urlencode([("update", update), ("using-named-graph-uri", DATA1), ("using-named-graph-uri", DATA2)])
    response = client.post(server.base + "/update", content=form.encode(),
                           headers={**AUTH, "Content-Type": "application/x-www-form-urlencoded"})
    assert response.status_code == 204, response.text
    rows = client.get(server.sparql, params={"query": f"SELECT ?s WHERE {{ GRAPH <{out}> {{ ?s ?p ?o }} }}"},
                      headers={"Accept": "application/sparql-results+json"}).json()["results"]["bindings"]
    assert sorted(row["s"]["value"] for row in rows) == [DATA1, DATA2]


@pytest.mark.parametrize("clause", ["WITH <urn:ud:g>", "USING <urn:ud:g>", "USING NAMED <urn:ud:g>"])
def test_bad_update_dataset_conflict(server: InProcess, client: httpx.Client, clause: str) -> None:
    """W3C protocol case bad_update_dataset_conflict: the parameters and the update's own dataset."""
    update = (f"{clause} INSERT {{ <urn:uc:s> <urn:uc:p> ?o }} WHERE {{ ?x ?y ?o }}" if clause.startswith("WITH")
              else f"INSERT {{ <urn:uc:s> <urn:uc:p> ?o }} {clause} WHERE {{ ?x ?y ?o }}")
    response = client.post(server.base + "/update", params={"using-named-graph-uri": DATA1},
                           content=update.encode(), headers={**AUTH, "Content-Type": "application/sparql-update"})
    assert response.status_code == 400 and "names its own dataset" in response.text, response.text
    assert not ask(server, client, "ASK { <urn:uc:s> ?p ?o }")


def test_drop_of_a_missing_graph_is_a_client_error(server: InProcess, client: httpx.Client) -> None:
    response = client.post(server.base + "/update", data={"update": "DROP GRAPH <urn:none:g>"}, headers=AUTH)
    assert response.status_code == 400 and "does not exist" in response.text
    assert client.post(server.base + "/update", data={"update": "DROP SILENT GRAPH <urn:none:g>"},
                       headers=AUTH).status_code == 204
