"""Writes cannot reach other hosts or take the service down: LOAD of a URL in any spelling, an update
nested thousands of levels deep, an RDF/XML body that expands entities ("billion laughs")."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import httpx
import pytest

from tests.conftest import ROOT
from tests.server import Server, running_server

pytestmark = pytest.mark.slow

TOKEN = "test-token-0123456789abcdef"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with running_server(ROOT, tmp_path_factory.mktemp("store") / "s", update_token=TOKEN) as running:
        yield running


class Listener:
    """A tiny HTTP server on 127.0.0.1 that counts connections (and would serve one triple)."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.sock.settimeout(0.1)
        self.port, self.connections, self.stop = self.sock.getsockname()[1], 0, threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            self.connections += 1
            with conn:
                body = b"<urn:fetched:s> <urn:fetched:p> <urn:fetched:o> ."
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/n-triples\r\nContent-Length: "
                             + str(len(body)).encode() + b"\r\nConnection: close\r\n\r\n" + body)

    def close(self) -> None:
        self.stop.set()
        self.thread.join(timeout=5)
        self.sock.close()


@pytest.fixture
def listener() -> Iterator[Listener]:
    running = Listener()
    try:
        yield running
    finally:
        running.close()


def update(client: httpx.Client, server: Server, text: str) -> httpx.Response:
    return client.post(server.base + "/update", content=text.encode(),
                       headers={**AUTH, "Content-Type": "application/sparql-update"})


def ask(client: httpx.Client, server: Server, query: str) -> bool:
    response = client.get(server.sparql, params={"query": query}, headers={"Accept": "application/sparql-results+json"})
    assert response.status_code == 200, response.text
    return response.json()["boolean"]


HIDDEN = r"PREFIX ex: <http://e/> INSERT { ex:a\# ex:b ex:c } WHERE {} ; "  # `\#` hid the rest from text scans

LOADS = [
    "LOAD <{url}>",
    "LOAD SILENT <{url}> INTO GRAPH <urn:fetched:g>",
    HIDDEN + "LOAD <{url}>",
    HIDDEN + "LOAD SILENT <{url}> INTO GRAPH <urn:fetched:g>",
    "PREFIX ex: <http://e/> INSERT DATA { ex:a\\# ex:b ex:c } ; load <{url}>",
]


@pytest.mark.parametrize("spelling", LOADS)
def test_load_of_a_url_never_reaches_it(server: Server, client: httpx.Client, listener: Listener,
                                        spelling: str) -> None:
    client.post(server.base + "/update", data={"update": "DELETE WHERE { <http://e/a#> ?p ?o }"}, headers=AUTH)
    response = update(client, server, spelling.replace("{url}", f"http://127.0.0.1:{listener.port}/x.nt"))
    assert listener.connections == 0, "the server sent a request to the URL in LOAD"
    assert not ask(client, server, "ASK { <urn:fetched:s> ?p ?o }")
    if "SILENT" in spelling and response.status_code == 204:
        return  # SILENT: the failed LOAD is ignored, as SPARQL Update says; the URL was still never asked
    assert response.status_code == 400, response.text
    assert "LOAD is disabled" in response.text and "allow_service" in response.text
    assert not ask(client, server, "ASK { <http://e/a#> ?p ?o }"), "half of a refused update was applied"


def test_a_deeply_nested_update_is_refused_and_the_service_stays_up(server: Server, client: httpx.Client) -> None:
    deep = HIDDEN.split(";")[0].replace("WHERE {}", "WHERE { " + "{" * 5000 + "}" * 5000 + " }")
    started = time.monotonic()
    response = update(client, server, deep)
    assert 400 <= response.status_code < 500, response.text
    assert time.monotonic() - started < 30
    assert not ask(client, server, "ASK { <http://e/a#> ?p ?o }")
    assert update(client, server, "INSERT DATA { <urn:after:s> <urn:after:p> 'deep' }").status_code == 204
    assert ask(client, server, "ASK { <urn:after:s> ?p 'deep' }")


def laughs(levels: int = 10) -> bytes:
    entities = '<!ENTITY l0 "lollollollollollollollollollol">' + "".join(
        f'<!ENTITY l{i} "{("&l" + str(i - 1) + ";") * 10}">' for i in range(1, levels))
    return (f'<?xml version="1.0"?><!DOCTYPE r [{entities}]>'
            '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:ex="http://e/">'
            f'<rdf:Description rdf:about="http://e/laughs"><ex:p>&l{levels - 1};</ex:p></rdf:Description>'
            "</rdf:RDF>").encode()


@pytest.mark.serial
def test_billion_laughs_is_refused_quickly_and_the_service_stays_responsive(server: Server,
                                                                           client: httpx.Client) -> None:
    body = laughs()
    assert len(body) < 2_000
    outcome: dict[str, object] = {}

    def send() -> None:
        with httpx.Client(timeout=120) as own:
            started = time.monotonic()
            outcome["response"] = own.put(server.base + "/store", params={"graph": "urn:laughs:g"}, content=body,
                                          headers={**AUTH, "Content-Type": "application/rdf+xml"})
            outcome["seconds"] = time.monotonic() - started

    writer = threading.Thread(target=send)
    writer.start()
    slowest = 0.0
    while writer.is_alive() or slowest == 0.0:  # light queries while the PUT is handled, and once after
        started = time.monotonic()
        assert ask(client, server, "ASK { ?s ?p ?o }")
        slowest = max(slowest, time.monotonic() - started)
        writer.join(timeout=0.05)
    writer.join()
    response = outcome["response"]
    assert isinstance(response, httpx.Response) and response.status_code in (400, 413), response.text
    assert outcome["seconds"] < 30 and slowest < 5, (outcome["seconds"], slowest)
    assert client.get(server.base + "/store", params={"graph": "urn:laughs:g"}).status_code == 404


@pytest.mark.parametrize("media_type", ["text/turtle", "application/n-triples", "application/rdf+xml"])
def test_an_empty_put_creates_no_graph(server: Server, client: httpx.Client, media_type: str) -> None:
    """Graph Store Protocol: 201 when new graph content is created; an empty body creates none, so 204,
    and GET keeps answering 404 (a graph exists while it holds triples)."""
    body = b"" if media_type != "application/rdf+xml" else (
        b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/>')
    graph = {"graph": f"urn:empty:{media_type}"}
    put = client.put(server.base + "/store", params=graph, content=body, headers={**AUTH, "Content-Type": media_type})
    assert put.status_code == 204, put.text
    assert client.get(server.base + "/store", params=graph).status_code == 404
    assert client.delete(server.base + "/store", params=graph, headers=AUTH).status_code == 404


def test_a_write_past_the_memory_bound_is_refused_and_names_the_setting(tmp_path) -> None:
    """The memory bound is the backstop for every format: a write that needs more than write_memory_mb
    is refused (here a bound too small for any write: the process dies opening the store, after parsing,
    so the answer is a 500 that names the setting) and the service answers on."""
    with running_server(ROOT, tmp_path / "s", update_token=TOKEN, write_memory_mb="1") as small, \
            httpx.Client(timeout=60) as client:
        response = client.put(small.base + "/store", params={"graph": "urn:mem:g"}, headers={
            **AUTH, "Content-Type": "text/turtle"}, content=b"<urn:mem:s> <urn:mem:p> <urn:mem:o> .")
        assert response.status_code in (400, 413, 500) and "write_memory_mb" in response.text, response.text
        assert ask(client, small, "ASK { ?s ?p ?o }")
        assert client.get(small.base + "/store", params={"graph": "urn:mem:g"}).status_code == 404
