"""`azkg serve --remote` over real SPARQL stores (Virtuoso from Debian, Oxigraph's server from PyPI),
started by tests/engines.py on 127.0.0.1 and filled by `azkg publish --remote`: the same answers as the
embedded store, azkg's limits whatever the store does, writes through one front-end seen by another,
and each fault (down at start, down mid-request, garbage, a cut of the store's own) a clear error."""

from __future__ import annotations

import concurrent.futures
import http.server
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.backends import engine_of, publish, store_env
from tests.conftest import ROOT
from tests.engines import Engine, oxigraph_store, virtuoso_store
from tests.in_process import InProcess, in_process
from tests.server import Server, cpu_seconds, free_port, running_server, wait_until

pytestmark = pytest.mark.slow
TOKEN = "remote-store-test-token-0123"
JSON = {"Accept": "application/sparql-results+json"}
DATA = "https://w3id.org/azkg/graph/data"
SUMGAYIT = "https://w3id.org/azkg/id/sumgayit-industrial-park"
# a query whose cost grows as the cube of the data: minutes on any store at this size
EXPLOSIVE = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?p ?b . ?c ?q ?d . ?e ?r ?f FILTER(STR(?a) < STR(?f)) }"


@pytest.fixture(scope="module", params=["oxigraph", "virtuoso"])
def engine(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    with engine_of(request.param, tmp_path_factory.mktemp(request.param)) as started:
        done = publish(started, ROOT)
        assert done.returncode == 0, done.stderr
        yield started


@pytest.fixture(scope="module")
def front(engine: Engine, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with running_server(ROOT, tmp_path_factory.mktemp("front") / "s", update_token=TOKEN, query_timeout="30",
                        **store_env(engine)) as server:
        yield server


@pytest.fixture(scope="module")
def embedded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[InProcess]:
    with in_process(ROOT, tmp_path_factory.mktemp("embedded") / "store") as running:
        yield running


def rows(response: httpx.Response) -> list[tuple]:
    assert response.status_code == 200, response.text
    found = response.json()["results"]["bindings"]
    return sorted(tuple(sorted((k, v["value"]) for k, v in row.items())) for row in found)


def examples() -> list[Path]:
    return sorted((ROOT / "src" / "azkg" / "sparql" / "queries" / "examples").glob("*.rq"))


@pytest.mark.parametrize("query", examples(), ids=lambda p: p.stem)
def test_the_example_queries_answer_as_on_the_embedded_store(front, embedded, query):
    text = query.read_text(encoding="utf-8")
    remote = httpx.post(front.sparql, data={"query": text}, headers=JSON, timeout=60)
    local = embedded.client.post(embedded.sparql, data={"query": text}, headers=JSON)
    assert rows(remote) == rows(local)
    assert rows(remote), f"{query.name} found nothing on either store"


@pytest.mark.parametrize("path", [
    "/api/entities/sumgayit-industrial-park", "/api/conflicts", "/api/sources/azernews-2026-01-27",
    "/search?q=sumgayit", "/search?q=investment&kind=fact", "/api/entities?name=SCIP",
])
def test_the_api_answers_as_on_the_embedded_store(front, embedded, path):
    remote = httpx.get(front.base + path, headers={"Accept": "application/json"}, timeout=60)
    local = embedded.client.get(embedded.base + path, headers={"Accept": "application/json"})
    assert remote.status_code == local.status_code == 200, remote.text
    assert _without_links(remote.json()) == _without_links(local.json())


def _without_links(found):
    """An answer with the links to the deployment left out (the two run on different addresses)."""
    if isinstance(found, dict):
        return {k: _without_links(v) for k, v in found.items() if k not in ("url", "next", "previous")}
    if isinstance(found, list):
        return sorted((_without_links(v) for v in found), key=lambda v: json.dumps(v, sort_keys=True))
    return found


def test_the_entity_page_and_its_rdf_come_from_the_store(front):
    page = httpx.get(front.base + "/id/sumgayit-industrial-park", headers={"Accept": "text/html"}, timeout=60)
    assert page.status_code == 200 and "Sumgayit Industrial Park" in page.text
    turtle = httpx.get(front.base + "/id/sumgayit-industrial-park.ttl", timeout=60)
    assert turtle.status_code == 200 and "residentIn" in turtle.text


def test_a_dump_holds_the_same_triples_as_the_embedded_stores(front, embedded):
    remote = httpx.get(front.base + "/dumps/azkg.nt", timeout=120)
    local = embedded.client.get(embedded.base + "/dumps/azkg.nt")
    assert remote.status_code == local.status_code == 200, remote.text
    assert set(remote.text.splitlines()) == set(local.text.splitlines())
    assert len(remote.text.splitlines()) > 1000


def test_azkg_caps_the_rows_and_says_so(front):
    response = httpx.get(front.sparql, params={"query": "SELECT * { ?s ?p ?o }", "max_rows": "3"}, headers=JSON)
    assert response.status_code == 200
    assert response.headers["x-azkg-truncated"] == "true"
    assert len(response.json()["results"]["bindings"]) == 3
    cut = httpx.get(front.sparql, params={"query": "SELECT * { ?s ?p ?o }", "max_rows": "3"},
                    headers={"Accept": "text/csv"})
    assert cut.status_code == 422


def test_queries_read_only_the_graphs_azkg_owns(front):
    graphs = rows(httpx.get(front.sparql, params={"query": "SELECT DISTINCT ?g { GRAPH ?g { ?s ?p ?o } }"},
                            headers=JSON))
    assert {value for (_, value), in graphs} == {DATA, "https://w3id.org/azkg/graph/ontology"}


def test_the_time_limit_is_azkgs_whatever_the_store_does(front):
    started = time.monotonic()
    response = httpx.get(front.sparql, params={"query": EXPLOSIVE, "timeout": "1"}, headers=JSON, timeout=60)
    assert response.status_code == 503, response.text
    assert "query_timeout" in response.text
    assert time.monotonic() - started < 10
    assert httpx.get(front.sparql, params={"query": "ASK {}"}, headers=JSON).status_code == 200


def test_a_write_through_one_front_end_is_seen_by_another_at_once(engine, front, tmp_path):
    with running_server(ROOT, tmp_path / "second", **store_env(engine)) as second:
        label = f"Remote Test Park {time.time_ns()}"
        iri = "https://w3id.org/azkg/id/remote-test-park-" + str(time.time_ns())
        before = httpx.get(second.base + "/search", params={"q": label}, headers={"Accept": "application/json"})
        assert before.json()["total"] == 0
        update = f'INSERT DATA {{ GRAPH <{DATA}> {{ <{iri}> a azkg:IndustrialPark ; rdfs:label "{label}"@en }} }}'
        written = httpx.post(front.base + "/update", data={"update": update},
                             headers={"Authorization": f"Bearer {TOKEN}"}, timeout=60)
        assert written.status_code == 204, written.text
        found = httpx.get(second.base + "/search", params={"q": label}, headers={"Accept": "application/json"})
        assert [hit["iri"] for hit in found.json()["hits"]] == [iri]
        asked = httpx.get(second.sparql, params={"query": f"ASK {{ <{iri}> a azkg:IndustrialPark }}"}, headers=JSON)
        assert asked.json()["boolean"] is True
        page = httpx.get(second.base + "/id/" + iri.rsplit("/", 1)[1], headers={"Accept": "text/html"})
        assert page.status_code == 200 and label in page.text


def test_a_write_behind_azkgs_back_shows_within_the_poll_period(engine, tmp_path):
    with running_server(ROOT, tmp_path / "s", store_poll_seconds="1", **store_env(engine)) as server:
        label = f"Behind The Back Park {time.time_ns()}"
        iri = "https://w3id.org/azkg/id/behind-the-back-" + str(time.time_ns())

        def found() -> list[str]:
            answer = httpx.get(server.base + "/search", params={"q": label}, headers={"Accept": "application/json"})
            return [hit["iri"] for hit in answer.json()["hits"]]

        assert found() == []  # the index and the answers are now kept for this data version
        update = f'INSERT DATA {{ GRAPH <{DATA}> {{ <{iri}> a <https://w3id.org/azkg/def/IndustrialPark> ; ' \
                 f'<http://www.w3.org/2000/01/rdf-schema#label> "{label}"@en }} }}'
        direct = httpx.post(engine.update_url, data={"update": update}, auth=engine.client_auth(), timeout=60)
        assert direct.status_code < 300, direct.text
        assert wait_until(lambda: found() == [iri], 15), "a write made to the store directly never showed"


def test_writes_may_touch_only_azkgs_graphs(front):
    response = httpx.put(front.base + "/store", params={"graph": "http://example.org/other"},
                         content=b"<http://a.example/s> <http://a.example/p> <http://a.example/o> .\n",
                         headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/n-triples"})
    assert response.status_code == 400
    assert "store_graphs" in response.text


def test_an_update_of_the_stores_default_graph_is_refused_before_it_reaches_the_store(engine, front):
    count = "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }"
    before = httpx.get(engine.query_url, params={"query": count}, headers=JSON).json()
    refused = httpx.post(front.base + "/update", data={"update": "INSERT DATA { <urn:x:s> <urn:x:p> <urn:x:o> }"},
                         headers={"Authorization": f"Bearer {TOKEN}"})
    assert refused.status_code == 400 and "store_graphs" in refused.text
    assert httpx.get(engine.query_url, params={"query": count}, headers=JSON).json() == before


def test_a_failed_publish_leaves_the_old_data_serving(engine, front, tmp_path):
    broken = tmp_path / "project"
    (broken / "data").mkdir(parents=True)
    (broken / "ontology").symlink_to(ROOT / "ontology")
    good = (ROOT / "data" / "triples.ttl").read_text(encoding="utf-8")
    (broken / "data" / "triples.ttl").write_text(good + "\n<https://w3id.org/azkg/id/x> <broken", encoding="utf-8")
    count = f"SELECT (COUNT(*) AS ?n) {{ GRAPH <{DATA}> {{ ?s ?p ?o }} }}"
    before = rows(httpx.get(front.sparql, params={"query": count}, headers=JSON))
    done = publish(engine, broken)
    assert done.returncode == 1
    assert "triples.ttl" in done.stderr and "still serves" in done.stderr
    assert rows(httpx.get(front.sparql, params={"query": count}, headers=JSON)) == before
    leftovers = "ASK { GRAPH ?g { ?s ?p ?o } FILTER(CONTAINS(STR(?g), 'staging')) }"
    direct = httpx.get(engine.query_url, params={"query": leftovers}, headers=JSON)
    assert direct.json()["boolean"] is False


def test_the_store_going_down_is_a_503_naming_it_and_the_service_recovers(engine, tmp_path):
    with engine_of(engine.kind, tmp_path / "engine") as own:
        assert publish(own, ROOT).returncode == 0
        with running_server(ROOT, tmp_path / "front", **store_env(own)) as server:
            query = {"query": "SELECT ?s { ?s a azkg:IndustrialPark } LIMIT 1"}
            assert httpx.get(server.sparql, params=query, headers=JSON).status_code == 200
            idle = cpu_seconds(own.pid)
            with concurrent.futures.ThreadPoolExecutor(1) as background:
                asked = background.submit(httpx.get, server.sparql, params={"query": EXPLOSIVE, "timeout": "30"},
                                          headers=JSON, timeout=60)
                assert wait_until(lambda: cpu_seconds(own.pid) - idle > 0.2, 20), "the store never ran the query"
                own.kill()  # mid-request
                cut = asked.result()
            assert cut.status_code == 503 and "store_unavailable" in cut.text and own.query_url in cut.text
            down = httpx.get(server.sparql, params=query, headers=JSON, timeout=30)
            assert down.status_code == 503, down.text
            assert "store_unavailable" in down.text
            assert own.query_url in down.text
            assert "Traceback" not in down.text
            own.restart()
            assert wait_until(lambda: httpx.get(server.sparql, params=query, headers=JSON).status_code == 200, 60)


def serve_fails(tmp_path: Path, **env: str) -> subprocess.CompletedProcess:
    environment = {**os.environ, **{f"AZKG_{k.upper()}": v for k, v in env.items()}}
    return subprocess.run(
        [sys.executable, "-m", "azkg.cli", "--root", str(ROOT), "serve", "--store", str(tmp_path / "s"),
         "--port", str(free_port())],
        env=environment, capture_output=True, text=True, timeout=60, check=False,
    )


def test_a_store_down_at_start_stops_serve_with_one_line(tmp_path):
    url = f"http://127.0.0.1:{free_port()}/sparql"
    done = serve_fails(tmp_path, store_url=url)
    assert done.returncode == 1
    assert url in done.stderr and "cannot be reached" in done.stderr
    assert "Traceback" not in done.stderr


def test_wrong_credentials_stop_serve_at_start(engine, tmp_path):
    if not engine.user:
        pytest.skip("Oxigraph's server has no authentication of its own (it sits on a private address)")
    done = serve_fails(tmp_path, **{**store_env(engine), "store_password": "not-the-password"})
    assert done.returncode == 1
    assert "credentials" in done.stderr and "Traceback" not in done.stderr


class _Garbage(http.server.BaseHTTPRequestHandler):
    """A "store" that answers the start-up probe as SPARQL, then anything else with an HTML error page."""

    def do_GET(self) -> None:  # the names http.server calls
        self._answer(self.path)

    def do_POST(self) -> None:
        self._answer(self.rfile.read(int(self.headers.get("Content-Length", 0))).decode())

    def _answer(self, asked: str) -> None:
        if "ASK" in asked and "%7B%7D" in asked:
            body, kind = b'{"head":{},"boolean":true}', "application/sparql-results+json"
        else:
            body, kind = b"<html><body><h1>Proxy error</h1></body></html>", "text/html"
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


def test_an_html_page_from_the_store_is_a_502_naming_it(tmp_path):
    fake = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Garbage)
    thread = threading.Thread(target=fake.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{fake.server_address[1]}/sparql"
    try:
        with running_server(ROOT, tmp_path / "s", store_url=url) as server:
            response = httpx.get(server.sparql, params={"query": "SELECT * { ?s ?p ?o } LIMIT 1"}, headers=JSON)
            assert response.status_code == 502, response.text
            assert "store_bad_answer" in response.text
            assert url in response.text and "text/html" in response.text
    finally:
        fake.shutdown()
        fake.server_close()
        thread.join(timeout=10)


def test_virtuosos_own_row_limit_is_an_error_not_a_short_answer(tmp_path):
    with virtuoso_store(tmp_path / "v", result_set_max_rows=5) as small:
        assert publish(small, ROOT).returncode == 0
        with running_server(ROOT, tmp_path / "front", **store_env(small)) as server:
            response = httpx.get(server.sparql, params={"query": "SELECT * { ?s ?p ?o } LIMIT 50"}, headers=JSON)
            assert response.status_code == 502, response.text
            assert "ResultSetMaxRows" in response.text


def test_oxigraphs_cut_off_answer_on_its_own_timeout_is_never_a_complete_one(tmp_path):
    with oxigraph_store(tmp_path / "o", timeout_s=1) as slow:
        assert publish(slow, ROOT).returncode == 0
        with running_server(ROOT, tmp_path / "front", query_timeout="20", **store_env(slow)) as server:
            query = "SELECT ?a ?b { ?a ?p ?x . ?b ?q ?y . ?c ?r ?z } "
            try:
                response = httpx.get(server.sparql, params={"query": query}, headers=JSON, timeout=60)
            except httpx.RemoteProtocolError:  # streamed, then ended without a clean end: the client sees an error
                return
            assert response.status_code in (502, 503), response.text
