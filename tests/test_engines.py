"""The real SPARQL stores the remote-store tests run against (tests/engines.py): each starts on 127.0.0.1,
takes a file into a named graph through its Graph Store endpoint, answers a query over it, takes an update
(Virtuoso: only with its Digest login), survives a kill and a restart, and is gone after its context."""

from __future__ import annotations

import signal
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path

import httpx
import pytest

from tests.engines import Engine, load, oxigraph_store, pid_alive, virtuoso_store

pytestmark = pytest.mark.slow

GRAPH = "http://example.org/azkg/test-graph"
TRIPLES = 25

STORES: dict[str, Callable[[Path], AbstractContextManager[Engine]]] = {
    "virtuoso": virtuoso_store, "oxigraph": oxigraph_store,
}


@pytest.fixture(params=sorted(STORES))
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    with STORES[request.param](tmp_path / "store") as running:
        assert running.kind == request.param
        assert running.alive() and pid_alive(running.pid)
        yield running
    assert not pid_alive(running.pid), f"{running.kind} (pid {running.pid}) outlived its context"


def ntriples(tmp_path: Path, count: int = TRIPLES) -> Path:
    path = tmp_path / "seed.nt"
    path.write_text("".join(
        f'<http://example.org/azkg/s{i}> <http://example.org/azkg/p> "value {i}" .\n' for i in range(count)
    ))
    return path


def count(engine: Engine, graph: str = GRAPH) -> int:
    response = httpx.get(
        engine.query_url, params={"query": f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"},
        headers={"Accept": "application/sparql-results+json"}, timeout=30,
    )
    assert response.status_code == 200, response.text
    return int(response.json()["results"]["bindings"][0]["n"]["value"])


def update(engine: Engine, text: str, auth: httpx.Auth | None) -> httpx.Response:
    return httpx.post(
        engine.update_url, data={"update": text}, auth=auth,
        headers={"Accept": "application/sparql-results+json"}, timeout=30,
    )


def test_a_loaded_file_is_counted_in_its_named_graph(engine: Engine, tmp_path: Path) -> None:
    assert count(engine) == 0
    assert load(engine, GRAPH, ntriples(tmp_path)) in (200, 201, 204)
    assert count(engine) == TRIPLES
    # a second PUT replaces the graph, it does not add to it
    load(engine, GRAPH, ntriples(tmp_path, 3))
    assert count(engine) == 3


def test_a_turtle_file_loads_too(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "seed.ttl"
    path.write_text('@prefix e: <http://example.org/azkg/> . e:a e:p "a" ; e:q "b" .')  # one line, no newline
    load(engine, GRAPH, path)
    assert count(engine) == 2


def test_an_update_takes_the_engines_login(engine: Engine) -> None:
    insert = f'INSERT DATA {{ GRAPH <{GRAPH}> {{ <http://example.org/azkg/a> <http://example.org/azkg/p> "x" }} }}'
    if engine.auth == "digest":
        refused = update(engine, insert, None)
        assert refused.status_code == 401, refused.text
        assert refused.headers["WWW-Authenticate"].startswith("Digest")
        wrong = update(engine, insert, httpx.DigestAuth(engine.user, engine.password + "-wrong"))
        assert wrong.status_code == 401, wrong.text
        # nor may anyone update through the open query endpoint
        assert httpx.post(engine.query_url, data={"query": insert}, timeout=30).status_code >= 400
        assert count(engine) == 0
    response = update(engine, insert, engine.client_auth())
    assert response.status_code in (200, 204), response.text
    assert count(engine) == 1


def test_a_killed_engine_restarts_with_its_data(engine: Engine, tmp_path: Path) -> None:
    load(engine, GRAPH, ntriples(tmp_path))
    engine.kill(signal.SIGKILL)
    assert not engine.alive() and not pid_alive(engine.pid)
    with pytest.raises(httpx.TransportError):
        httpx.get(engine.query_url, params={"query": "ASK {}"}, timeout=5)
    again = engine.restart()
    assert again.pid != engine.pid and again.alive() and again.query_url == engine.query_url
    assert count(again) == TRIPLES
    load(again, GRAPH, ntriples(tmp_path, 2))  # its login still works
    assert count(again) == 2


def test_a_folder_is_started_again_by_a_second_context(tmp_path: Path) -> None:
    for store in STORES.values():
        folder = tmp_path / store.__name__
        with store(folder) as first:
            load(first, GRAPH, ntriples(tmp_path))
        assert not pid_alive(first.pid)
        with store(folder) as second:
            assert count(second) == TRIPLES
            load(second, GRAPH, ntriples(tmp_path, 1))
            assert count(second) == 1


# What the remote store's code reads to tell a whole answer from a cut one (measured on Virtuoso 7.2.5 and
# Oxigraph 0.5): pinned here, so that another version of either engine that answers otherwise fails.

def heavy_count(graph: str) -> str:
    return f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }} }}"


def test_virtuoso_marks_an_answer_cut_at_its_row_limit(tmp_path: Path) -> None:
    with virtuoso_store(tmp_path / "store", result_set_max_rows=5) as engine:
        load(engine, GRAPH, ntriples(tmp_path))
        query = f"SELECT * WHERE {{ GRAPH <{GRAPH}> {{ ?s ?p ?o }} }}"
        for limit, rows, marked in (("", 5, True), (" LIMIT 4", 4, False), (" LIMIT 5", 5, True)):
            response = httpx.get(
                engine.query_url, params={"query": query + limit},
                headers={"Accept": "application/sparql-results+json"}, timeout=30,
            )
            assert response.status_code == 200, response.text
            assert len(response.json()["results"]["bindings"]) == rows
            # the header is there whenever the answer reaches the limit, cut or not
            assert response.headers.get("X-SPARQL-MaxRows") == ("5" if marked else None), (limit, response.headers)


def test_virtuoso_marks_a_timed_out_answer(tmp_path: Path) -> None:
    with virtuoso_store(tmp_path / "store") as engine:
        load(engine, GRAPH, ntriples(tmp_path, 1000))
        response = httpx.get(
            engine.query_url, params={"query": heavy_count(GRAPH), "timeout": "500"},  # milliseconds
            headers={"Accept": "application/sparql-results+json"}, timeout=30,
        )
        # an "anytime" answer: 200, with whatever it had counted, or no row
        assert response.status_code == 200, response.text
        assert response.headers["X-SQL-State"] == "S1TAT", response.headers
        assert "incomplete results" in response.headers["X-SQL-Message"]
        bindings = response.json()["results"]["bindings"]
        assert not bindings or int(bindings[0]["n"]["value"]) < 1000**3


def test_oxigraph_ends_a_timed_out_answer_with_a_sentence(tmp_path: Path) -> None:
    with oxigraph_store(tmp_path / "store", timeout_s=1) as engine:
        load(engine, GRAPH, ntriples(tmp_path, 1000))
        response = httpx.get(
            engine.query_url, params={"query": heavy_count(GRAPH)},
            headers={"Accept": "application/sparql-results+json"}, timeout=30,
        )
        # the status was sent before the timeout: 200, and a body that is not JSON
        assert response.status_code == 200
        assert response.text.endswith("The SPARQL operation has been cancelled"), response.text[-200:]
