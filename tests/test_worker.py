"""The worker's two ways of answering a SELECT: whole, serialised by pyoxigraph, when the answer fits in
one message and under the row cap; streamed row by row and cut at the cap otherwise."""

from __future__ import annotations

import csv
import io
import json

import pyoxigraph
import pytest

from azkg.sparql.evaluation import SERVICE_DISABLED, Deadline
from azkg.store import answering, worker
from azkg.store.messages import Chunk, Done, Failed, Head, Job, Whole

TRICKY = 'line one\nline two\t<result> "quoted", \\ back'
FORMATS = ["application/sparql-results+json", "application/sparql-results+xml", "text/csv",
           "text/tab-separated-values", "application/json", "application/xml"]


SYNTAX = {"application/sparql-results+json": pyoxigraph.QueryResultsFormat.JSON,
          "application/json": pyoxigraph.QueryResultsFormat.JSON,
          "application/sparql-results+xml": pyoxigraph.QueryResultsFormat.XML,
          "application/xml": pyoxigraph.QueryResultsFormat.XML,
          "text/csv": pyoxigraph.QueryResultsFormat.CSV,
          "text/tab-separated-values": pyoxigraph.QueryResultsFormat.TSV}


class Conn:
    def __init__(self):
        self.sent: list = []

    def send(self, message) -> None:
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
    job = Job("SELECT ?s ?o WHERE { ?s ?p ?o }", media_type, max_rows, Deadline.after(30))
    worker._answer(conn, store, job)
    return conn


def body_of(conn: Conn) -> bytes:
    if isinstance(conn.sent[0], Whole):
        return conn.sent[0].body
    return b"".join(message.data for message in conn.sent if isinstance(message, Chunk))


def count_rows(body: bytes, media_type: str) -> int:
    """Rows of a serialised SELECT answer, read back by pyoxigraph's own parser (CSV, lossy, by csv's)."""
    if media_type == "text/csv":
        return sum(1 for _ in csv.reader(io.StringIO(body.decode("utf-8"), newline=""))) - 1
    return len(list(pyoxigraph.parse_query_results(body, format=SYNTAX[media_type])))


@pytest.mark.parametrize("media_type", FORMATS)
def test_rows_are_counted_exactly_whatever_the_values_hold(store, media_type):
    conn = answer(store, media_type, max_rows=1000)
    assert isinstance(conn.sent[0], Whole) and conn.sent[0].truncated is False
    assert count_rows(conn.sent[0].body, media_type) == 30


@pytest.mark.parametrize("media_type", [f for f in FORMATS if "csv" not in f and "tab" not in f])
def test_over_the_row_cap_the_answer_is_cut_and_says_so(store, media_type):
    conn = answer(store, media_type, max_rows=7)
    truncated = conn.sent[0].truncated if isinstance(conn.sent[0], (Whole, Head)) else None
    assert truncated is True
    assert count_rows(body_of(conn), media_type) == 7
    assert b"sparql/truncated?max_rows=7" in body_of(conn)


@pytest.mark.parametrize("media_type", ["text/csv", "text/tab-separated-values"])
def test_a_format_with_no_place_for_the_notice_is_refused_cut(store, media_type):
    conn = answer(store, media_type, max_rows=7)
    assert conn.sent[0].code == "answer_truncated" and "max_rows" in conn.sent[0].message
    assert conn.sent[0].error().status == 422


def test_a_cut_found_after_the_head_is_flagged_at_the_end(store, monkeypatch):
    monkeypatch.setattr(answering, "PREBUFFER", 4)
    monkeypatch.setattr(answering, "WHOLE_BYTES", 100)
    conn = answer(store, "text/csv", max_rows=10)
    assert conn.sent[0] == Head(None)
    assert conn.sent[-1] == Done(10, True)


def test_an_answer_too_big_for_one_message_is_streamed(store, monkeypatch):
    monkeypatch.setattr(answering, "WHOLE_BYTES", 500)
    monkeypatch.setattr(answering, "PREBUFFER", 4)
    conn = answer(store, "application/sparql-results+json", max_rows=1000)
    assert isinstance(conn.sent[0], Head) and isinstance(conn.sent[-1], Done)
    assert len(json.loads(body_of(conn))["results"]["bindings"]) == 30


def test_a_passed_deadline_while_serialising_is_a_timeout(store):
    conn = Conn()
    passed = Deadline(at=0.0, seconds=30, clock=lambda: 1.0)
    job = Job("SELECT ?s ?o WHERE { ?s ?p ?o }", "application/sparql-results+json", 1000, passed)
    worker._answer(conn, store, job)
    assert len(conn.sent) == 1 and conn.sent[0].code == "query_timeout"
    assert conn.sent[0].error().status == 503 and "query_timeout" in conn.sent[0].message


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
    worker._answer(conn, Refusing(), Job("SELECT * { SERVICE ?x {} }", FORMATS[0], 10, Deadline.after(30)))
    assert conn.sent == [Failed("service_disabled", SERVICE_DISABLED)] and conn.sent[0].error().status == 400
