"""The worker's two ways of answering a SELECT: whole, serialised by pyoxigraph, when the answer fits in
one message and under the row cap; streamed row by row and cut at the cap otherwise."""

from __future__ import annotations

import json
import time

import pyoxigraph
import pytest

from azkg.sparql.formats import results_format
from azkg.store import worker

TRICKY = 'line one\nline two\t<result> "quoted", \\ back'
FORMATS = ["application/sparql-results+json", "application/sparql-results+xml", "text/csv",
           "text/tab-separated-values", "application/json", "application/xml"]


class Conn:
    def __init__(self):
        self.sent: list[tuple] = []

    def send(self, message: tuple) -> None:
        self.sent.append(message)


@pytest.fixture(scope="module")
def store() -> pyoxigraph.Store:
    found = pyoxigraph.Store()
    for index in range(30):
        found.add(pyoxigraph.Quad(pyoxigraph.NamedNode(f"http://example.org/s{index}"),
                                  pyoxigraph.NamedNode("http://example.org/p"),
                                  pyoxigraph.Literal(f"{TRICKY} {index}")))
    return found


def answer(store: pyoxigraph.Store, media_type: str, max_rows: int) -> Conn:
    conn = Conn()
    job = worker.Job("SELECT ?s ?o WHERE { ?s ?p ?o }", media_type, max_rows, time.time() + 30)
    worker._answer(conn, store, job)
    return conn


def body_of(conn: Conn) -> bytes:
    if conn.sent[0][0] == "whole":
        return conn.sent[0][3]
    return b"".join(message[1] for message in conn.sent if message[0] == "data")


@pytest.mark.parametrize("media_type", FORMATS)
def test_rows_are_counted_exactly_whatever_the_values_hold(store, media_type):
    conn = answer(store, media_type, max_rows=1000)
    assert conn.sent[0][0] == "whole" and conn.sent[0][2] is False
    assert worker.count_rows(conn.sent[0][3], results_format(media_type).results) == 30


@pytest.mark.parametrize("media_type", [f for f in FORMATS if "csv" not in f and "tab" not in f])
def test_over_the_row_cap_the_answer_is_cut_and_says_so(store, media_type):
    conn = answer(store, media_type, max_rows=7)
    truncated = conn.sent[0][2] if conn.sent[0][0] in ("whole", "head") else None
    assert truncated is True
    assert worker.count_rows(body_of(conn), results_format(media_type).results) == 7
    assert b"sparql/truncated?max_rows=7" in body_of(conn)


@pytest.mark.parametrize("media_type", ["text/csv", "text/tab-separated-values"])
def test_a_format_with_no_place_for_the_notice_is_refused_cut(store, media_type):
    conn = answer(store, media_type, max_rows=7)
    assert conn.sent[0][:3] == ("error", 422, "answer_truncated") and "max_rows" in conn.sent[0][3]


def test_a_cut_found_after_the_head_is_flagged_at_the_end(store, monkeypatch):
    monkeypatch.setattr(worker, "PREBUFFER", 4)
    monkeypatch.setattr(worker, "WHOLE_BYTES", 100)
    conn = answer(store, "text/csv", max_rows=10)
    assert conn.sent[0] == ("head", "text/csv", None)
    assert conn.sent[-1] == ("end", 10, True)


def test_an_answer_too_big_for_one_message_is_streamed(store, monkeypatch):
    monkeypatch.setattr(worker, "WHOLE_BYTES", 500)
    monkeypatch.setattr(worker, "PREBUFFER", 4)
    conn = answer(store, "application/sparql-results+json", max_rows=1000)
    assert conn.sent[0][0] == "head" and conn.sent[-1][0] == "end"
    assert len(json.loads(body_of(conn))["results"]["bindings"]) == 30


def test_a_passed_deadline_while_serialising_is_a_timeout(store):
    conn = Conn()
    job = worker.Job("SELECT ?s ?o WHERE { ?s ?p ?o }", "application/sparql-results+json", 1000, time.time() - 1)
    worker._answer(conn, store, job)
    assert conn.sent == [("error", 503, "query_timeout", "")]


def test_without_the_sandbox_the_worker_refuses_to_start(monkeypatch, capsys):
    """Fail closed: where SERVICE cannot be stopped at the operating system, no worker runs."""
    def unavailable(memory_bytes, network=False):
        if not network:
            raise worker.SandboxError("cannot confine queries on vax")
    monkeypatch.setattr(worker, "confine", unavailable)
    answers = Conn()
    with pytest.raises(SystemExit) as stopped:
        worker.main(None, answers, "/nonexistent", allow_service=False)
    assert stopped.value.code != 0 and answers.sent == []
    assert "AZKG_ALLOW_SERVICE" in capsys.readouterr().err


def test_service_refused_by_the_engine_is_service_disabled(monkeypatch):
    class Refusing:
        def query(self, *args, **kwargs):
            raise PermissionError("Permission denied (os error 13)")
    conn = Conn()
    worker._answer(conn, Refusing(), worker.Job("SELECT * { SERVICE ?x {} }", FORMATS[0], 10, time.time() + 30))
    assert conn.sent == [("error", 400, "service_disabled", worker.SERVICE_DISABLED)]
