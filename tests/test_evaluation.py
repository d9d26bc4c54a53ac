"""The one owner of running a query (azkg.sparql.evaluation) and the messages of the pool and its workers
(azkg.store.messages), in-process: in-memory stores, a fake clock, no sleeps."""

from __future__ import annotations

import ast
import pickle
from pathlib import Path

import pyoxigraph
import pytest

from azkg.errors import EvaluationError, QueryError, QueryTimeoutError, ServiceDisabledError
from azkg.sparql.evaluation import DEFAULT_GRAPH, Dataset, Deadline, error_of, evaluate, take, update
from azkg.store.messages import LAST, Chunk, Done, Failed, Head, Job, Whole
from azkg.store.snapshots import LiveReader, writing

SRC = Path(__file__).resolve().parents[1] / "src" / "azkg"
EX = "http://example.org/"
ENGINE_CALLS = {"query", "update"}  # pyoxigraph's Store methods that the one owner keeps to itself
OWN_RECEIVERS = {"evaluation", "writer", "digest"}
ALLOWED = {SRC / "sparql" / "evaluation.py"}


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def store() -> pyoxigraph.Store:
    found = pyoxigraph.Store()
    for index in range(5):
        found.add(pyoxigraph.Quad(pyoxigraph.NamedNode(f"{EX}s{index}"), pyoxigraph.NamedNode(f"{EX}p"),
                                  pyoxigraph.Literal(str(index)), pyoxigraph.NamedNode(f"{EX}g{index % 2}")))
    return found


def engine_calls(source: str) -> list[str]:
    """`x.query(...)` and `x.update(...)` calls whose receiver is not one of azkg's own objects known to run
    through the owner (the module itself, the store writer, whose update calls it) or a hash."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in ENGINE_CALLS:
            receiver = ast.unparse(node.func.value)
            if receiver.split(".")[-1] not in OWN_RECEIVERS:
                found.append(f"line {node.lineno}: {ast.unparse(node)[:80]}")
    return found


def test_no_module_but_the_owner_calls_the_engine():
    """Every query runs through azkg.sparql.evaluation: no other module calls pyoxigraph's Store.query or
    Store.update (on any receiver but azkg's own, which lead there)."""
    found = [
        f"{path.relative_to(SRC)} {call}"
        for path in sorted(SRC.rglob("*.py"))
        if path not in ALLOWED
        for call in engine_calls(path.read_text(encoding="utf-8"))
    ]
    assert not found, "queries run outside azkg.sparql.evaluation:\n" + "\n".join(found)


def test_the_search_for_engine_calls_finds_them():
    source = "rows = store.query(text)\nself.store.update(text)\npyoxigraph.Store().query(q)\nwriter.update(t)"
    assert len(engine_calls(source)) == 3


def test_a_deadline_counts_down_on_its_own_clock_and_names_its_setting():
    clock = Clock()
    deadline = Deadline.after(2.0, "query_timeout", clock)
    assert deadline.remaining() == 2.0 and not deadline.expired()
    clock.now += 1.5
    assert deadline.remaining() == pytest.approx(0.5) and not deadline.expired()
    clock.now += 0.5
    assert deadline.expired() and deadline.remaining() == 0.0
    clock.now += 1.0
    assert deadline.remaining() == 0.0  # never negative: it is a wait's timeout
    error = deadline.error()
    assert isinstance(error, QueryTimeoutError) and error.status == 503
    assert "2 s" in str(error) and "query_timeout" in str(error) and "AZKG_QUERY_TIMEOUT" in str(error)


def test_a_deadline_crosses_to_a_worker_whole():
    deadline = Deadline.after(5.0)
    assert pickle.loads(pickle.dumps(deadline)) == deadline


def test_values_are_bound_by_substitution_not_pasted(store):
    query = "SELECT ?s ?o WHERE { ?s ?p ?o }"
    rows = list(evaluate(store, query, bindings={"s": f"{EX}s3"}))
    assert [row["o"].value for row in rows] == ["3"]
    with pytest.raises(ValueError):  # not an IRI: refused by pyoxigraph, never reaches the query text
        evaluate(store, query, bindings={"s": f"{EX}s3> . ?x ?y ?z"})


def test_the_dataset_chooses_the_graphs(store):
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"

    def n(dataset: Dataset) -> int:
        return int(next(iter(evaluate(store, count, dataset=dataset)))["n"].value)

    assert n(Dataset()) == 5  # the union of all graphs
    assert n(Dataset(default_graphs=(f"{EX}g0",))) == 3
    assert n(DEFAULT_GRAPH) == 0  # the store's own default graph is empty


def test_engine_errors_become_the_error_tree(store):
    with pytest.raises(QueryError, match=r"malformed query: .*1:") as malformed:
        evaluate(store, "SELECT * WHERE { ?s ?p }")
    assert malformed.value.status == 400
    assert isinstance(error_of(PermissionError("denied")), ServiceDisabledError)
    assert isinstance(error_of(MemoryError()), EvaluationError) and error_of(MemoryError()).status == 500
    assert isinstance(error_of(OSError("disk")), EvaluationError)
    with pytest.raises(QueryError, match="malformed update"):
        update(pyoxigraph.Store(), "INSERT DATA { <a> }")


def test_the_row_cap_reads_one_row_more_to_know_it_cut():
    rows = iter(range(10))
    assert take(rows, 4, Deadline.after(30)) == [0, 1, 2, 3]
    assert take(iter(range(3)), 4, Deadline.after(30)) == [0, 1, 2]


def test_reading_past_the_deadline_is_the_timeout():
    clock = Clock()
    deadline = Deadline.after(1.0, clock=clock)
    clock.now += 1.0
    with pytest.raises(QueryTimeoutError):
        take(iter(range(3)), 10, deadline)


@pytest.mark.parametrize(
    "message", [Whole(b"{}", False), Head(None), Chunk(b"x"), Done(3, True), Failed("query_timeout", "late")]
)
def test_messages_cross_the_pipe_whole(message):
    assert pickle.loads(pickle.dumps(message)) == message


def test_a_failure_is_rebuilt_as_its_error_class():
    assert type(Failed.of(QueryError("bad")).error()) is QueryError
    assert Failed("answer_truncated", "cut").error().status == 422
    assert type(Failed("no_such_code", "?").error()) is EvaluationError  # unknown codes are server faults
    assert isinstance(Done(1, False), LAST) and not isinstance(Head(True), LAST)


def test_a_job_carries_its_deadline_and_dataset():
    job = Job("ASK {}", "application/sparql-results+json", 10, Deadline.after(1.0), Dataset(("urn:g",)))
    again = pickle.loads(pickle.dumps(job))
    assert again == job and again.deadline.setting == "query_timeout"


QUERIES_OVER_THE_UNION = [
    "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }",
    "SELECT ?s ?o WHERE { ?s ?p ?o } ORDER BY ?s ?o",
    "SELECT ?g WHERE { GRAPH ?g { ?s ?p ?o } }",
    f"ASK {{ <{EX}a> <{EX}p> 2 }}",
]


def _answers(store: pyoxigraph.Store, single_graph: bool) -> list:
    found = []
    for query in QUERIES_OVER_THE_UNION:
        results = evaluate(store, query, single_graph=single_graph)
        found.append(bool(results) if isinstance(results, pyoxigraph.QueryBoolean) else [list(r) for r in results])
    return found


def test_a_store_without_named_graphs_answers_the_same_read_as_its_default_graph(tmp_path: Path) -> None:
    """The reader says when the live snapshot has no named graphs; the union is then read as the default graph,
    with the same answers. Once a named graph exists, the union reads it too."""
    store_dir = tmp_path / "store"
    with writing(store_dir) as writer:
        writer.update(f"INSERT DATA {{ <{EX}a> <{EX}p> 1, 2 . <{EX}b> <{EX}p> 3 }}")
        writer.publish()
    reader = LiveReader(store_dir)
    store = reader.store()
    assert reader.single_graph
    assert _answers(store, single_graph=True) == _answers(store, single_graph=False)
    with writing(store_dir) as writer:
        writer.update(f"INSERT DATA {{ GRAPH <{EX}g> {{ <{EX}c> <{EX}p> 4 }} }}")
        writer.publish()
    store = reader.store()
    assert not reader.single_graph
    count = evaluate(store, QUERIES_OVER_THE_UNION[0], single_graph=reader.single_graph)
    assert next(iter(count))["n"].value == "4"  # the named graph's triple counts too
