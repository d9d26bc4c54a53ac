"""The SPARQL 1.1 Protocol, query side, through a real `azkg serve` on 127.0.0.1.

Names in brackets are the W3C SPARQL 1.1 Protocol test cases each test covers."""

from __future__ import annotations

import concurrent.futures
import json
import socket
import time
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import httpx
import pyoxigraph
import pytest
from rdflib import Graph

from tests.conftest import ROOT
from tests.server import Server, cpu_seconds, descendants, running_server, wait_until

pytestmark = pytest.mark.slow

RESIDENTS = "SELECT ?c WHERE { ?c azkg:residentIn id:sumgayit-industrial-park } ORDER BY ?c"
EXPECTED_RESIDENTS = ["https://w3id.org/azkg/id/az-tex-import", "https://w3id.org/azkg/id/azermirror",
                      "https://w3id.org/azkg/id/byd"]
EXPLOSIVE = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . FILTER (?a != ?g) }"
JSON = "application/sparql-results+json"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, backend: dict[str, str]) -> Iterator[Server]:
    """The service on each store in turn (tests/backends.py): the embedded one and the remote ones."""
    store = tmp_path_factory.mktemp("store") / "s"
    with running_server(ROOT, store, query_timeout="2", max_rows="50", max_query_length="5000",
                        max_body_bytes="20000", **backend) as running:
        yield running


def uris(response: httpx.Response) -> list[str]:
    results = pyoxigraph.parse_query_results(response.content, pyoxigraph.QueryResultsFormat.JSON)
    return [solution[results.variables[0]].value for solution in results]


# ------------------------------------------------------------------ the three ways to send a query

def test_get(server: Server, client: httpx.Client) -> None:  # [query_get]
    response = client.get(server.sparql, params={"query": RESIDENTS})
    assert response.status_code == 200
    assert response.headers["content-type"] == JSON
    assert uris(response) == EXPECTED_RESIDENTS


def test_post_form(server: Server, client: httpx.Client) -> None:  # [query_post_form]
    response = client.post(server.sparql, data={"query": RESIDENTS})
    assert response.status_code == 200 and uris(response) == EXPECTED_RESIDENTS


def test_post_direct(server: Server, client: httpx.Client) -> None:  # [query_post_direct]
    response = client.post(server.sparql, content=RESIDENTS.encode(), headers={"Content-Type": "application/sparql-query"})
    assert response.status_code == 200 and uris(response) == EXPECTED_RESIDENTS


# ------------------------------------------------------------------ formats and negotiation

@pytest.mark.parametrize(
    ("accept", "media_type", "parse_as"),
    [
        ("application/sparql-results+xml", "application/sparql-results+xml", pyoxigraph.QueryResultsFormat.XML),
        ("text/tab-separated-values", "text/tab-separated-values; charset=utf-8", pyoxigraph.QueryResultsFormat.TSV),
        ("text/csv;q=0.2, application/sparql-results+xml;q=0.9", "application/sparql-results+xml",
         pyoxigraph.QueryResultsFormat.XML),
    ],
)
def test_select_formats(server: Server, client: httpx.Client, accept: str, media_type: str, parse_as) -> None:
    # [query_content_type_select]
    response = client.get(server.sparql, params={"query": RESIDENTS}, headers={"Accept": accept})
    assert response.status_code == 200
    assert response.headers["content-type"] == media_type
    assert "Accept" in response.headers["vary"]
    results = pyoxigraph.parse_query_results(response.content, parse_as)
    assert [s[results.variables[0]].value for s in results] == EXPECTED_RESIDENTS


def test_csv(server: Server, client: httpx.Client) -> None:  # [query_content_type_select]
    response = client.get(server.sparql, params={"query": RESIDENTS}, headers={"Accept": "text/csv"})
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.text.split("\r\n") == ["c", *EXPECTED_RESIDENTS, ""]


def test_ask(server: Server, client: httpx.Client) -> None:  # [query_content_type_ask]
    response = client.get(server.sparql, params={"query": "ASK { id:byd azkg:country id:china }"},
                          headers={"Accept": "application/sparql-results+xml"})
    assert response.status_code == 200
    assert bool(pyoxigraph.parse_query_results(response.content, pyoxigraph.QueryResultsFormat.XML))


@pytest.mark.parametrize(
    ("accept", "media_type", "syntax"),
    [
        (None, "text/turtle", "turtle"),
        ("*/*", "text/turtle", "turtle"),
        ("application/n-triples", "application/n-triples", "nt"),
        ("application/ld+json", "application/ld+json", "json-ld"),
        ("application/rdf+xml", "application/rdf+xml", "xml"),
    ],
)
def test_construct_formats(server: Server, client: httpx.Client, accept, media_type: str, syntax: str) -> None:
    # [query_content_type_construct]
    headers = {"Accept": accept} if accept else {}
    query = "CONSTRUCT { id:byd ?p ?o } WHERE { id:byd ?p ?o }"
    response = client.get(server.sparql, params={"query": query}, headers=headers)
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == media_type
    graph = Graph().parse(data=response.content, format=syntax)
    direct = Graph().parse(ROOT / "data" / "triples.ttl")
    assert set(graph) == set(direct.triples((direct.namespace_manager.expand_curie("id:byd"), None, None)))


def test_describe(server: Server, client: httpx.Client) -> None:  # [query_content_type_describe]
    response = client.get(server.sparql, params={"query": "DESCRIBE id:byd"})
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/turtle")
    assert len(Graph().parse(data=response.content, format="turtle")) > 0


def test_format_parameter_overrides_accept(server: Server, client: httpx.Client) -> None:
    response = client.get(server.sparql, params={"query": RESIDENTS, "format": "csv"}, headers={"Accept": JSON})
    assert response.headers["content-type"].startswith("text/csv")


def test_not_acceptable_lists_what_is(server: Server, client: httpx.Client) -> None:
    response = client.get(server.sparql, params={"query": "ASK {}"}, headers={"Accept": "text/csv"})
    assert response.status_code == 406
    assert "application/sparql-results+json" in response.text


# ------------------------------------------------------------------ dataset

def test_union_default_graph_sees_data_and_ontology(server: Server, client: httpx.Client) -> None:
    query = "SELECT ?c WHERE { id:sumgayit-industrial-park a ?c . ?c rdfs:subClassOf azkg:Zone }"
    assert uris(client.get(server.sparql, params={"query": query})) == ["https://w3id.org/azkg/def/IndustrialPark"]


def test_default_graph_uri(server: Server, client: httpx.Client) -> None:  # [query_dataset_default_graph]
    query = "SELECT ?c WHERE { ?c a owl:Class } LIMIT 1"
    only_data = client.get(server.sparql, params={"query": query, "default-graph-uri": "https://w3id.org/azkg/graph/data"})
    only_ontology = client.get(server.sparql,
                               params={"query": query, "default-graph-uri": "https://w3id.org/azkg/graph/ontology"})
    assert uris(only_data) == [] and len(uris(only_ontology)) == 1


def test_named_graph_uri(server: Server, client: httpx.Client) -> None:  # [query_dataset_named_graphs]
    query = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"
    response = client.get(server.sparql, params={"query": query, "named-graph-uri": "https://w3id.org/azkg/graph/data"})
    assert uris(response) == ["https://w3id.org/azkg/graph/data"]


DATA, ONTOLOGY = "https://w3id.org/azkg/graph/data", "https://w3id.org/azkg/graph/ontology"


def count(response: httpx.Response) -> int:
    assert response.status_code == 200, response.text
    return int(response.json()["results"]["bindings"][0]["n"]["value"])


def test_from_names_the_default_graph(server: Server, client: httpx.Client) -> None:
    every = count(client.get(server.sparql, params={"query": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"}))
    data = count(client.get(server.sparql, params={"query": f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{DATA}> {{ ?s ?p ?o }} }}"}))
    query = f"SELECT (COUNT(*) AS ?n) FROM <{DATA}> WHERE {{ ?s ?p ?o }}"
    assert count(client.get(server.sparql, params={"query": query})) == data < every
    prefixed = "PREFIX g: <https://w3id.org/azkg/graph/> SELECT (COUNT(*) AS ?n) FROM g:data WHERE { ?s ?p ?o }"
    assert count(client.get(server.sparql, params={"query": prefixed})) == data


def test_from_named_names_the_named_graphs(server: Server, client: httpx.Client) -> None:
    query = f"SELECT DISTINCT ?g FROM NAMED <{ONTOLOGY}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}"
    assert uris(client.get(server.sparql, params={"query": query})) == [ONTOLOGY]
    query = f"SELECT (COUNT(*) AS ?n) FROM NAMED <{ONTOLOGY}> WHERE {{ ?s ?p ?o }}"  # no FROM: an empty default graph
    assert count(client.get(server.sparql, params={"query": query})) == 0


@pytest.mark.parametrize(
    ("query", "params", "expected"),
    [
        # [query_dataset_default_graphs_get/post] two default graphs, merged
        ("ASK { id:byd ?p ?o . ?c a owl:Class }", [("default-graph-uri", DATA), ("default-graph-uri", ONTOLOGY)], True),
        ("ASK { id:byd ?p ?o . ?c a owl:Class }", [("default-graph-uri", DATA)], False),
        # [query_dataset_named_graphs_get/post]
        ("ASK { GRAPH ?a { id:byd ?p ?o } GRAPH ?b { ?c a owl:Class } }",
         [("named-graph-uri", DATA), ("named-graph-uri", ONTOLOGY)], True),
        ("ASK { GRAPH ?a { id:byd ?p ?o } GRAPH ?b { ?c a owl:Class } }", [("named-graph-uri", DATA)], False),
        # [query_dataset_full] a default graph and named graphs
        (f"ASK {{ ?c a owl:Class GRAPH <{DATA}> {{ id:byd ?p ?o }} }}",
         [("default-graph-uri", ONTOLOGY), ("named-graph-uri", DATA)], True),
        # [query_multiple_dataset] the parameters win over the query's FROM and FROM NAMED
        (f"ASK FROM <{DATA}> FROM NAMED <{ONTOLOGY}> {{ ?c a owl:Class GRAPH <{DATA}> {{ id:byd ?p ?o }} }}",
         [("default-graph-uri", ONTOLOGY), ("named-graph-uri", DATA)], True),
        (f"ASK FROM <{DATA}> FROM NAMED <{ONTOLOGY}> {{ ?c a owl:Class GRAPH <{DATA}> {{ id:byd ?p ?o }} }}", [], False),
        (f"SELECT * FROM <{ONTOLOGY}> WHERE {{ ?c a owl:Class }} LIMIT 1", [("default-graph-uri", DATA)], None),
    ],
)
@pytest.mark.parametrize("method", ["get", "post"])
def test_dataset_cases(
    server: Server, client: httpx.Client, query: str, params, expected, method: str, request: pytest.FixtureRequest
) -> None:
    asked = [("query", query), *params]
    if method == "get":
        response = client.get(server.sparql, params=asked)
    else:
        response = client.post(server.sparql, content=urllib.parse.urlencode(asked).encode(),
                               headers={"Content-Type": "application/x-www-form-urlencoded"})
    if request.node.callspec.params["backend"] == "virtuoso" and params and "FROM" in query:
        # Virtuoso reads both FROM and the parameters: azkg refuses rather than answer otherwise (docs/deploy.md)
        assert response.status_code == 400 and "one way or the other" in response.text
        return
    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer.get("boolean", None if answer.get("results", {}).get("bindings") == [] else "rows") == expected


def test_relative_iris_resolve_against_the_base(server: Server, client: httpx.Client) -> None:
    # [query_content_type_construct] the W3C case: CONSTRUCT with relative IRIs, no Accept
    response = client.get(server.sparql, params={"query": "CONSTRUCT { <s> <p> 1 } WHERE {}"})
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/turtle")
    graph = Graph().parse(data=response.content, format="turtle")
    assert {str(s) for s, _, _ in graph} == {"https://w3id.org/azkg/s"}


# ------------------------------------------------------------------ HTTP itself

def test_head_has_headers_and_no_body(server: Server, client: httpx.Client) -> None:
    response = client.head(server.sparql, params={"query": RESIDENTS})
    assert response.status_code == 200 and response.headers["content-type"] == JSON and response.content == b""


def test_options_and_cors(server: Server, client: httpx.Client) -> None:
    assert client.options(server.sparql).headers["allow"] == "GET, HEAD, POST, OPTIONS"
    preflight = client.options(server.sparql, headers={"Origin": "https://example.org",
                                                       "Access-Control-Request-Method": "POST"})
    assert preflight.status_code == 200 and preflight.headers["access-control-allow-origin"] == "*"
    simple = client.get(server.sparql, params={"query": "ASK {}"}, headers={"Origin": "https://example.org"})
    assert simple.headers["access-control-allow-origin"] == "*"


def test_service_description(server: Server, client: httpx.Client) -> None:
    response = client.get(server.sparql)
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/turtle")
    graph = Graph().parse(data=response.content, format="turtle")
    query = "ASK { ?s <http://www.w3.org/ns/sparql-service-description#endpoint> ?e }"
    assert graph.query(query).askAnswer
    as_jsonld = client.get(server.sparql, headers={"Accept": "application/ld+json"})
    assert len(Graph().parse(data=as_jsonld.content, format="json-ld")) == len(graph)


# ------------------------------------------------------------------ limits

def test_row_cap_is_flagged_and_can_only_be_lowered(server: Server, client: httpx.Client) -> None:
    query = "SELECT ?s WHERE { ?s ?p ?o }"
    capped = client.get(server.sparql, params={"query": query})
    assert len(uris(capped)) == 50 and capped.headers["x-azkg-truncated"] == "true"
    lowered = client.get(server.sparql, params={"query": query, "max_rows": "3"})
    assert len(uris(lowered)) == 3 and lowered.headers["x-azkg-max-rows"] == "3"
    raised = client.get(server.sparql, params={"query": query, "max_rows": "100000"})
    assert len(uris(raised)) == 50 and raised.headers["x-azkg-max-rows"] == "50"
    small = client.get(server.sparql, params={"query": RESIDENTS})
    assert small.headers["x-azkg-truncated"] == "false"


@pytest.mark.parametrize(
    ("accept", "marker"),
    [(JSON, None), ("application/sparql-results+xml", b'<link href="sparql/truncated?max_rows=50"/>')],
)
def test_a_cut_answer_says_so_in_its_body(server: Server, client: httpx.Client, accept: str, marker) -> None:
    response = client.get(server.sparql, params={"query": "SELECT ?s WHERE { ?s ?p ?o }"}, headers={"Accept": accept})
    assert response.status_code == 200 and response.headers["x-azkg-truncated"] == "true"
    if marker is None:
        assert response.json()["head"]["link"] == ["sparql/truncated?max_rows=50"]
    else:
        assert marker in response.content
    notice = client.get(server.sparql + "/truncated", params={"max_rows": "50"})
    assert notice.status_code == 200 and "50 rows" in notice.text and "max_rows" in notice.text


@pytest.mark.parametrize(
    ("query", "accept"),
    [("SELECT ?s WHERE { ?s ?p ?o }", "text/csv"), ("SELECT ?s WHERE { ?s ?p ?o }", "text/tab-separated-values"),
     ("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", "text/turtle"),
     ("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", "application/ld+json")],
)
def test_a_format_with_no_place_to_say_so_is_refused_cut(server: Server, client: httpx.Client, query, accept) -> None:
    response = client.get(server.sparql, params={"query": query}, headers={"Accept": accept})
    assert response.status_code == 422 and "answer_truncated" in response.text and "max_rows" in response.text
    small = client.get(server.sparql, params={"query": query + " LIMIT 5"}, headers={"Accept": accept})
    assert small.status_code == 200


def raw_get(base: str, target: str) -> bytes:
    """A GET with any request target: httpx refuses URLs over 64 KiB before sending them."""
    host, port = base.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=60) as sock:
        sock.sendall(f"GET {target} HTTP/1.1\r\nHost: {host}\r\nAccept: application/json\r\n"
                     "Connection: close\r\n\r\n".encode())
        return b"".join(iter(lambda: sock.recv(65536), b""))


def test_a_url_too_long_gets_414_saying_to_post(server: Server) -> None:
    answer = raw_get(server.base, "/sparql?query=" + urllib.parse.quote("ASK {} #" + "x" * 100_000))
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 414")
    error = json.loads(body)["error"]
    assert error["code"] == "uri_too_long" and "65535" in error["message"] and "POST" in error["message"]


def test_query_and_body_caps(server: Server, client: httpx.Client) -> None:
    long_query = "SELECT * WHERE { ?s ?p ?o } # " + "x" * 6000
    assert client.post(server.sparql, data={"query": long_query}).status_code == 413
    assert "max_query_length" in client.get(server.sparql, params={"query": long_query}).text
    big_body = client.post(server.sparql, content=b"x" * 30000, headers={"Content-Type": "application/sparql-query"})
    assert big_body.status_code == 413 and "max_body_bytes" in big_body.text


@pytest.mark.serial
def test_timeout_stops_the_query_and_the_server_goes_on(
    server: Server, client: httpx.Client, request: pytest.FixtureRequest
) -> None:
    if request.node.callspec.params["backend"] != "embedded":
        pytest.skip("the query workers are the embedded store's; over a remote store the limit is tested by "
                    "test_remote_store.py::test_the_time_limit_is_azkgs_whatever_the_store_does")
    workers_before = set(descendants(server.pid))
    used_before = {pid: cpu_seconds(pid) for pid in workers_before}
    with concurrent.futures.ThreadPoolExecutor(1) as background:
        started = time.monotonic()
        runaway = background.submit(client.get, server.sparql, params={"query": EXPLOSIVE})
        # the runaway runs once a worker spends CPU on it (idle workers spend next to none)
        assert wait_until(lambda: _most_spent_since(used_before) > 0.1, 10), "no worker ran the runaway query"
        meanwhile = client.get(server.sparql, params={"query": RESIDENTS})  # answered while the runaway runs
        assert meanwhile.status_code == 200 and uris(meanwhile) == EXPECTED_RESIDENTS
        response = runaway.result(timeout=30)
        elapsed = time.monotonic() - started
    assert response.status_code == 503
    assert "query_timeout" in response.text and "AZKG_QUERY_TIMEOUT" in response.text
    assert 1.5 < elapsed < 10, elapsed  # the limit is 2 s; generous bounds for a shared machine
    replaced = wait_until(lambda: workers_before - set(descendants(server.pid)), 10)
    after = set(descendants(server.pid))
    assert replaced and workers_before - after, "the worker that ran the query was not replaced"
    # the new worker spends CPU starting up; a runaway would go on spending it in every window
    assert wait_until(lambda: not _busy(after), 15), f"workers still burning CPU: {_busy(after)}"


def _most_spent_since(usage: dict[int, float]) -> float:
    """The most CPU seconds any of these processes still alive has used since `usage` was taken."""
    spent = []
    for pid, used in usage.items():
        try:
            spent.append(cpu_seconds(pid) - used)
        except FileNotFoundError:  # killed meanwhile
            continue
    return max(spent, default=0.0)


def _busy(pids: set[int]) -> dict[int, float]:
    """The workers that used more than 0.3 s of CPU in the next second (a measuring window, not a wait)."""
    usage = {pid: cpu_seconds(pid) for pid in pids}
    time.sleep(1)
    return {pid: cpu_seconds(pid) - used for pid, used in usage.items() if cpu_seconds(pid) - used > 0.3}


def test_answered_queries_keep_their_workers(server: Server, client: httpx.Client) -> None:
    """A worker is replaced only when its query is stopped, never after a normal answer."""
    before = sorted(descendants(server.pid))
    for query in (RESIDENTS, "ASK {}", "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o } LIMIT 5", "SELECT"):
        client.get(server.sparql, params={"query": query})
    assert sorted(descendants(server.pid)) == before


@pytest.mark.serial
def test_a_request_may_lower_the_timeout(server: Server, client: httpx.Client) -> None:
    started = time.monotonic()
    response = client.get(server.sparql, params={"query": EXPLOSIVE, "timeout": "0.5"})
    assert response.status_code == 503 and "0.5 s" in response.text
    assert time.monotonic() - started < 1.9


# ------------------------------------------------------------------ bad requests: 4xx, never 500

@pytest.mark.parametrize(
    ("method", "kwargs", "status", "words"),
    [
        ("get", {"params": {"query": "SELECT * WHERE { ?s ?p }"}}, 400, "error at 1:"),  # [bad_query_syntax]
        ("post", {"content": b"SELECT * WHERE { ?s ?p }", "headers": {"Content-Type": "application/sparql-query"}},
         400, "error at 1:"),
        ("get", {"params": [("query", "ASK {}"), ("query", "ASK {}")]}, 400, "exactly one 'query'"),
        # [bad_multiple_queries]
        ("post", {"content": b"query=ASK%7B%7D", "headers": {"Content-Type": "text/plain"}}, 415, "application/sparql-query"),
        # [bad_query_wrong_media_type]
        ("post", {"content": b"query=ASK%20%7B%7D"}, 415, "application/x-www-form-urlencoded"),
        # [bad_query_missing_form_type]
        ("post", {"content": b"ASK {}"}, 415, "application/sparql-query"),  # [bad_query_missing_direct_type]
        ("get", {"params": {"query": "SELECT * WHERE " + "{" * 300 + "}" * 300}}, 400, "max_query_depth"),
        ("post", {"content": ("SELECT * WHERE " + "{" * 4000 + "}" * 4000).encode(),
                  "headers": {"Content-Type": "application/sparql-query"}}, 413, "max_query_length"),
        ("post", {"content": b"ASK { ?s ?p \xff }", "headers": {"Content-Type": "application/sparql-query"}},
         400, "not valid UTF-8"),  # [bad_query_non_utf8]
        ("get", {"params": {"query": "SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }"}}, 400, "allow_service"),
        ("post", {"data": {"update": "INSERT DATA { <a:a> <a:b> <a:c> }"}}, 400, "/update"),
        ("post", {"content": b"INSERT DATA { <a:a> <a:b> <a:c> }",
                  "headers": {"Content-Type": "application/sparql-update"}}, 400, "/update"),
        ("get", {"params": {"query": "INSERT DATA { <a:a> <a:b> <a:c> }"}}, 400, "/update"),
        ("get", {"params": {"query": "ASK {}", "timeout": "soon"}}, 400, "timeout"),
        ("get", {"params": {"query": "ASK {}", "format": "yaml"}}, 406, "format 'yaml'"),
        ("put", {"content": b"ASK {}"}, 405, "method"),  # [bad_query_method]
    ],
)
def test_bad_requests(server: Server, client: httpx.Client, method: str, kwargs: dict, status: int, words: str) -> None:
    response = getattr(client, method)(server.sparql, **kwargs)
    assert response.status_code == status, response.text
    assert words.lower() in response.text.lower()
    assert response.headers.get("x-request-id")


def test_invalid_utf8_in_the_url(server: Server, client: httpx.Client) -> None:
    response = client.get(server.sparql + "?query=ASK%20%7B%FF%7D")
    assert response.status_code == 400 and "UTF-8" in response.text


def test_deep_query_does_not_take_the_server_down(server: Server, client: httpx.Client) -> None:
    deep = "SELECT * WHERE " + "{" * 3000 + "}" * 3000
    response = client.post(server.sparql, data={"query": deep}, headers={"Accept": JSON})
    assert response.status_code in (400, 413)
    assert client.get(server.sparql, params={"query": RESIDENTS}).status_code == 200


@pytest.mark.parametrize(
    ("accept", "media_type", "marker"),
    [("application/json", "application/json", '"code": "malformed_query"'),
     ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "text/html", "<h1>400 malformed_query</h1>"),
     (JSON, "text/plain", "400 malformed_query:"),
     (None, "text/plain", "400 malformed_query:")],
)
def test_error_envelope_is_negotiated(server: Server, client: httpx.Client, accept, media_type: str, marker: str) -> None:
    headers = {"Accept": accept} if accept else {}
    response = client.get(server.sparql, params={"query": "SELECT"}, headers=headers)
    assert response.status_code == 400
    assert response.headers["content-type"].startswith(media_type)
    assert marker in response.text and response.headers["x-request-id"] in response.text


def test_too_many_queries_get_429(tmp_path: Path, client: httpx.Client) -> None:
    with (
        running_server(ROOT, tmp_path / "s", answer_cache_mb="0", query_workers="1", max_waiting="1", query_timeout="3") as small,
        concurrent.futures.ThreadPoolExecutor(4) as pool,
    ):
        futures = [pool.submit(client.get, small.sparql, params={"query": EXPLOSIVE}) for _ in range(4)]
        responses = [f.result(timeout=60) for f in futures]
    refused = [r for r in responses if r.status_code == 429]
    assert refused, [r.status_code for r in responses]
    assert refused[0].headers["retry-after"] == "1" and "try again" in refused[0].text


@pytest.mark.parametrize("query", [RESIDENTS, "ASK { ?s ?p ?o }", "CONSTRUCT { ?c a azkg:Company } WHERE { ?c a azkg:Company }",
                                   "SELECT ?x WHERE { ?x ?y }", "SELECT (1/0 AS ?x) { } LIMIT"])
@pytest.mark.parametrize("accept", ["application/sparql-results+json", "text/csv", "text/turtle", "application/json", None])
def test_the_fast_path_answers_what_the_routes_answer(server: Server, client: httpx.Client, query: str, accept) -> None:
    """A plain GET /sparql?query= is answered without FastAPI's routing; with an Origin header it goes through
    the app. Both must give the same status, headers and body (CORS headers aside)."""
    headers = {"Accept": accept} if accept else {}
    fast = client.get(server.sparql, params={"query": query}, headers=headers)
    routed = client.get(server.sparql, params={"query": query}, headers={**headers, "Origin": "https://example.org"})
    assert fast.status_code == routed.status_code
    assert routed.headers["access-control-allow-origin"] == "*"
    ignored = {"date", "x-request-id", "access-control-allow-origin", "access-control-expose-headers"}
    def kept(response: httpx.Response) -> dict[str, str]:  # CORS adds Origin to Vary
        return {k: v.replace(", Origin", "") for k, v in response.headers.items() if k not in ignored}
    assert kept(fast) == kept(routed)
    assert fast.headers["x-request-id"] and fast.headers["x-request-id"] != routed.headers["x-request-id"]
    if fast.status_code == 200:
        assert fast.content == routed.content
    else:
        assert fast.text.replace(fast.headers["x-request-id"], "") == routed.text.replace(routed.headers["x-request-id"], "")
