"""The query side against hostile input: SERVICE never reaches another host, whatever its spelling;
no spelling hides a query's depth; no parameter reaches a worker unchecked or costs one.

SERVICE goes to a listener on 127.0.0.1 that counts the connections it accepts: every test ends with
the count at zero."""

from __future__ import annotations

import multiprocessing
import socket
import threading
import time
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from azkg.sparql.evaluation import Deadline
from azkg.store import worker
from azkg.store.messages import Answer, Failed, Job, Ready, Whole
from azkg.store.snapshots import ensure_store
from tests.conftest import ROOT
from tests.server import Server, children, running_server, wait_until

pytestmark = pytest.mark.slow
DEEP = "{" * 5000 + "}" * 5000


class Listener:
    """A TCP server on 127.0.0.1 that accepts, counts and closes connections."""

    def __init__(self):
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.accepted = 0
        self.stopped = False
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while not self.stopped:
            try:
                connection, _ = self.sock.accept()
            except TimeoutError:
                continue
            self.accepted += 1
            connection.close()

    def close(self) -> None:
        self.stopped = True
        self.thread.join(timeout=5)
        self.sock.close()


@pytest.fixture(scope="module")
def listener() -> Iterator[Listener]:
    found = Listener()
    yield found
    found.close()


WORKERS: dict[str, int] = {}  # the server's child processes once it is up, to compare with at the end


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with running_server(ROOT, tmp_path_factory.mktemp("store") / "s", query_timeout="5") as running:
        WORKERS["start"] = len(children(running.pid))
        yield running


def service_queries(port: int) -> list[str]:
    url = f"http://127.0.0.1:{port}/sparql"
    return [
        f"PREFIX ex: <http://e/> SELECT ?x WHERE {{ BIND(ex:a\\# AS ?q) SERVICE <{url}> {{ ?x ?y ?z }} }}",
        f"SELECT * WHERE {{ \\u0053ERVICE <{url}> {{ ?x ?y ?z }} }}",
        f"SELECT * WHERE {{ service <{url}> {{ ?x ?y ?z }} }}",
        f"SELECT * WHERE {{ SERVICE SILENT <{url}> {{ ?x ?y ?z }} }}",
        f"SELECT * WHERE {{ VALUES ?e {{ <{url}> }} SERVICE ?e {{ ?x ?y ?z }} }}",
        f"SELECT * WHERE {{ OPTIONAL {{ {{ SELECT * WHERE {{ SERVICE <{url}> {{ ?x ?y ?z }} }} }} }} }}",
        f"PREFIX ex: <http://e/> CONSTRUCT {{ ?x ?y ?z }} WHERE {{ BIND(ex:p\\#o AS ?q) SERVICE <{url}> {{ ?x ?y ?z }} }}",
    ]


@pytest.mark.parametrize("index", range(7))
def test_service_never_reaches_the_listener(server: Server, client: httpx.Client, listener: Listener, index) -> None:
    query = service_queries(listener.port)[index]
    response = client.get(server.sparql, params={"query": query}, headers={"Accept": "application/json"})
    time.sleep(0.2)
    assert listener.accepted == 0
    assert response.status_code == 400, response.text
    assert "service_disabled" in response.text and "allow_service" in response.text


def run_in_worker(store_dir: Path, job: Job, allow_service: bool = False) -> Answer:
    """One job in a real worker process, as the pool starts it (spawned, with pipes)."""
    context = multiprocessing.get_context("spawn")
    job_reader, job_writer = context.Pipe(duplex=False)
    answer_reader, answer_writer = context.Pipe(duplex=False)
    process = context.Process(target=worker.main, args=(job_reader, answer_writer, str(store_dir), allow_service))
    process.start()
    try:
        assert answer_reader.poll(60) and answer_reader.recv() == Ready()
        job_writer.send(job)
        assert answer_reader.poll(60)
        return answer_reader.recv()
    finally:
        job_writer.send(None)
        process.join(timeout=10)
        if process.is_alive():
            process.kill()


@pytest.fixture(scope="module")
def store_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("worker-store") / "s"
    ensure_store(folder, ROOT / "data" / "triples.ttl", sorted((ROOT / "ontology").glob("*.ttl")))
    return folder


@pytest.mark.parametrize("index", range(7))
def test_the_worker_itself_refuses_service_past_any_scan(store_dir: Path, listener: Listener, index) -> None:
    """The guarantee is the worker's sandbox, not the text check: a job sent straight to a worker."""
    query = service_queries(listener.port)[index]
    answer = run_in_worker(store_dir, Job(query, "application/sparql-results+json", 10, Deadline.after(30)))
    assert listener.accepted == 0
    if index == 3:  # SILENT: the refused call counts as a failed one, answered with its one empty solution
        assert isinstance(answer, Whole) and b'"bindings":[{}]' in answer.body, answer
    elif index == 4:  # pyoxigraph evaluates SERVICE ?e before VALUES binds ?e, and fails without a call
        assert isinstance(answer, Failed), answer
    elif index == 1:  # \u0053ERVICE is a syntax error to pyoxigraph 0.5 (it unescapes in strings and IRIs only)
        assert answer.code == "malformed_query" and answer.error().status == 400, answer
    else:
        assert answer.code == "service_disabled" and answer.error().status == 400, answer


@pytest.mark.parametrize(
    "query",
    [
        "PREFIX ex: <http://e/> SELECT * WHERE { BIND(ex:a\\# AS ?q) " + DEEP + " }",
        "PREFIX ex: <http://e/> SELECT * WHERE { ?s ex:a\\#b " + DEEP + " }",
        "SELECT * WHERE { FILTER(?a<'>'" + "(" * 5000 + "1" + ")" * 5000 + "') }",
    ],
)
def test_no_spelling_hides_a_deep_query(server: Server, client: httpx.Client, query: str) -> None:
    before = sorted(children(server.pid))
    response = client.post(server.sparql, data={"query": query})
    assert response.status_code == 400 and "max_query_depth" in response.text
    assert sorted(children(server.pid)) == before, "a worker was lost"


@pytest.mark.parametrize(
    ("params", "named"),
    [
        ({"timeout": "nan"}, "timeout"),
        ({"timeout": "inf"}, "timeout"),
        ({"timeout": "-0"}, "timeout"),
        ({"timeout": "1e999"}, "timeout"),
        ({"max_rows": "nan"}, "max_rows"),
        ({"max_rows": "1e999"}, "max_rows"),
        ({"default-graph-uri": "not an iri"}, "default-graph-uri"),
        ({"named-graph-uri": "not an iri"}, "named-graph-uri"),
        ({"default-graph-uri": "relative/path"}, "default-graph-uri"),
    ],
)
def test_parameters_are_checked_before_a_worker_sees_them(server: Server, client: httpx.Client, params, named) -> None:
    before = sorted(children(server.pid))
    response = client.get(server.sparql, params={"query": "ASK { ?s ?p ?o }", **params})
    assert response.status_code == 400, response.text
    assert named in response.text
    assert client.get(server.sparql, params={"query": "ASK {}"}).status_code == 200
    assert sorted(children(server.pid)) == before, "a worker was lost"


def test_dataset_parameters_without_a_query_are_refused(server: Server, client: httpx.Client) -> None:
    response = client.get(server.sparql, params={"default-graph-uri": "https://w3id.org/azkg/graph/data"},
                          headers={"Accept": "application/sparql-results+json"})
    assert response.status_code == 400 and "'query' parameter is missing" in response.text


NAMES = ["query", "default-graph-uri", "named-graph-uri", "timeout", "max_rows", "format", "update", "other"]
VALUES = st.one_of(
    st.sampled_from(["ASK {}", "SELECT * WHERE { ?s ?p ?o } LIMIT 2", "nan", "inf", "-1", "0", "1e999", "1",
                     "not an iri", "https://w3id.org/azkg/graph/data", "json", "csv", "ttl", "", "SELECT",
                     "CONSTRUCT WHERE { ?s ?p ?o } LIMIT 3", "{" * 300, "\u0000", "%ff"]),
    st.text(max_size=40),
)
ACCEPTS = st.sampled_from([None, "*/*", "application/json", "text/csv", "text/turtle", "application/ld+json",
                           "text/html", "garbage", "application/sparql-results+xml;q=0.5, */*;q=0.1"])


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(params=st.lists(st.tuples(st.sampled_from(NAMES), VALUES), max_size=5), accept=ACCEPTS,
       method=st.sampled_from(["GET", "POST form", "POST direct"]))
def test_fuzzed_protocol_parameters_never_give_5xx(server: Server, client: httpx.Client, params, accept, method):
    headers = {"Accept": accept} if accept else {}
    if method == "GET":
        response = client.get(server.sparql, params=params, headers=headers)
    elif method == "POST form":
        response = client.post(server.sparql, content=urllib.parse.urlencode(params).encode(),
                               headers={**headers, "Content-Type": "application/x-www-form-urlencoded"})
    else:
        body = next((value for name, value in params if name == "query"), "ASK {}")
        rest = [(name, value) for name, value in params if name != "query"]
        response = client.post(server.sparql + "?" + urllib.parse.urlencode(rest), content=body.encode(),
                               headers={**headers, "Content-Type": "application/sparql-query"})
    assert response.status_code < 500, (params, response.status_code, response.text)


def test_the_fuzzing_lost_no_worker(server: Server, client: httpx.Client) -> None:
    """After the fuzz test (pytest runs a module's tests in order): the pool is whole and answers."""
    wait_until(lambda: len(children(server.pid)) == WORKERS["start"], 10)
    assert len(children(server.pid)) == WORKERS["start"]
    assert client.get(server.sparql, params={"query": "ASK {}"}).status_code == 200
