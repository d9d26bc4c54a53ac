"""The inline lane (azkg.sparql.anchored, azkg.store.inline): queries bounded by construction are
answered in the HTTP process, as a worker would answer them; nothing else ever is."""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import pytest

from azkg.prefixes import PREFIXES
from azkg.settings import SERVICE_SETTINGS
from azkg.sparql.anchored import RDF_TYPE, Anchor, anchors
from azkg.sparql.evaluation import Dataset, Deadline
from azkg.sparql.query_text import scan
from azkg.store import worker
from azkg.store.inline import WORK_BUDGET, InlineLane, work
from azkg.store.messages import Job, Whole
from azkg.store.pool import QueryPool
from azkg.store.snapshots import writing
from tests.conftest import ROOT
from tests.in_process import InProcess, in_process

EX = "http://example.org/"
HUB, SMALL = f"{EX}hub", f"{EX}small"
HUB_TRIPLES = 3000  # past the lane's budget (1,024)
JSON = "application/sparql-results+json"


def anchors_of(query: str) -> tuple[Anchor, ...] | None:
    return anchors(scan(query).tokens, PREFIXES)


BOUNDED = {
    f"SELECT ?p ?o WHERE {{ <{SMALL}> ?p ?o }}": (Anchor(SMALL),),
    f"ASK {{ <{SMALL}> ?p ?o }}": (Anchor(SMALL),),
    f"CONSTRUCT {{ <{SMALL}> ?p ?o }} WHERE {{ <{SMALL}> ?p ?o }}": (Anchor(SMALL),),
    f"CONSTRUCT WHERE {{ <{SMALL}> ?p ?o }}": (Anchor(SMALL),),
    "PREFIX ex: <http://example.org/> SELECT DISTINCT * WHERE { ex:small a ex:Thing ; ex:name ?n, 'x'@en ; "
    "ex:v 3, \"4\"^^xsd:integer ; ex:b true . ex:hub ?p ?o . } LIMIT 5 OFFSET 1": (
        Anchor(SMALL, RDF_TYPE, f"{EX}Thing"), Anchor(SMALL, f"{EX}name"), Anchor(SMALL, f"{EX}name"),
        Anchor(SMALL, f"{EX}v"), Anchor(SMALL, f"{EX}v"), Anchor(SMALL, f"{EX}b"), Anchor(HUB),
    ),
    "SELECT ?l WHERE { id:park-1 rdfs:label ?l }": (Anchor(PREFIXES["id"] + "park-1", PREFIXES["rdfs"] + "label"),),
    "SELECT * {}": (),
}

# each is unbounded, or goes beyond what the classifier reads: it must go to the workers
UNBOUNDED = [
    "SELECT * WHERE { ?s ?p ?o }",
    f"SELECT * WHERE {{ ?s ?p <{SMALL}> }}",  # anchored on the object: a class has millions of members
    f"SELECT * WHERE {{ <{SMALL}> ?p ?o . ?o ?q ?r }}",  # the second pattern is not anchored
    f"SELECT * WHERE {{ <{SMALL}> <{EX}p>* ?o }}",
    f"SELECT * WHERE {{ <{SMALL}> <{EX}p>+ ?o }}",
    f"SELECT * WHERE {{ <{SMALL}> <{EX}p>/<{EX}q> ?o }}",
    f"SELECT * WHERE {{ <{SMALL}> ^<{EX}p> ?o }}",
    f"SELECT * WHERE {{ <{SMALL}> !<{EX}p> ?o }}",
    f"SELECT * WHERE {{ <{SMALL}> (<{EX}p>|<{EX}q>) ?o }}",
    f"SELECT * WHERE {{ <{SMALL}> ?p ?o FILTER EXISTS {{ ?s ?p ?o }} }}",
    f"SELECT * WHERE {{ <{SMALL}> ?p ?o FILTER(?o > 1) }}",
    f"SELECT * WHERE {{ <{SMALL}> ?p ?o OPTIONAL {{ ?o ?q ?r }} }}",
    f"SELECT * WHERE {{ {{ <{SMALL}> ?p ?o }} UNION {{ ?s ?p ?o }} }}",
    f"SELECT * WHERE {{ <{SMALL}> ?p ?o MINUS {{ ?s ?p ?o }} }}",
    f"SELECT * WHERE {{ GRAPH ?g {{ <{SMALL}> ?p ?o }} }}",
    f"SELECT * WHERE {{ <{SMALL}> ?p ?o . {{ SELECT * WHERE {{ ?s ?p ?o }} }} }}",
    f"SELECT * WHERE {{ <{SMALL}> ?p ?o BIND(1 AS ?x) }}",
    f"SELECT * WHERE {{ <{SMALL}> ?p ?o VALUES ?x {{ 1 2 }} }}",
    f"SELECT * WHERE {{ <{SMALL}> ?p ?o }} VALUES ?x {{ 1 2 }}",
    f"SELECT * WHERE {{ <{SMALL}> ?p ?o SERVICE <http://other.example/sparql> {{ ?s ?p ?o }} }}",
    f"SELECT * WHERE {{ SERVICE <http://other.example/sparql> {{ <{SMALL}> ?p ?o }} }}",
    f"SELECT (COUNT(*) AS ?n) WHERE {{ <{SMALL}> ?p ?o }}",
    f"SELECT ?p WHERE {{ <{SMALL}> ?p ?o }} GROUP BY ?p",
    f"SELECT ?p WHERE {{ <{SMALL}> ?p ?o }} ORDER BY ?p",
    f"SELECT * FROM <{EX}g> WHERE {{ <{SMALL}> ?p ?o }}",
    f"DESCRIBE <{SMALL}>",
    f"SELECT * WHERE {{ <{SMALL}> ?p [ ?q ?r ] }}",
    f"SELECT * WHERE {{ <{SMALL}> ?p ( ?a ?b ) }}",
    f"SELECT * WHERE {{ <{SMALL}> ?p ?o {{ ?o ?q ?r }} }}",
    f"SELECT * WHERE {{ << <{SMALL}> ?p ?o >> ?q ?r }}",
    "BASE <http://example.org/> SELECT * WHERE { <small> ?p ?o }",
    "SELECT * WHERE { <small> ?p ?o }",  # relative: resolved against a base
    "SELECT * WHERE { nope:small ?p ?o }",  # an undeclared prefix
    "SELECT * WHERE { \\u003Chttp://example.org/small> ?p ?o }",  # an escape, read two ways
    f"SELECT * WHERE {{ <{SMALL}> ?p ?o }} # \\u000A SERVICE <http://other.example/> {{ }}",
    f"SELECT * WHERE {{ <{SMALL}> ?p ?o",  # malformed: the worker says why
    f"INSERT DATA {{ <{SMALL}> <{EX}p> 1 }}",
]


@pytest.mark.parametrize("query", list(BOUNDED))
def test_a_query_on_given_subjects_is_read_as_bounded(query: str) -> None:
    assert anchors_of(query) == BOUNDED[query]


@pytest.mark.parametrize("query", UNBOUNDED)
def test_anything_else_is_not(query: str) -> None:
    assert anchors_of(query) is None


@pytest.fixture(scope="module")
def store_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("inline") / "store"
    triples = [f"<{HUB}> <{EX}p> {n} ." for n in range(HUB_TRIPLES)]
    triples += [f'<{SMALL}> <{EX}p{n}> "value {n}"@en .' for n in range(20)]
    with writing(folder) as writer:
        writer.update(f"INSERT DATA {{ GRAPH <{EX}g> {{ {' '.join(triples)} }} }}")
        writer.publish()
    return folder


def job(query: str, dataset: Dataset | None = None, media_type: str = JSON) -> Job:
    extra = {"dataset": dataset} if dataset else {}
    return Job(query, media_type, 1000, Deadline.after(30), anchors=anchors_of(query), **extra)


@pytest.mark.parametrize(("query", "media_type"), [
    (f"SELECT ?p ?o WHERE {{ <{SMALL}> ?p ?o }}", JSON),
    (f"SELECT ?p ?o WHERE {{ <{SMALL}> ?p ?o }}", "text/csv"),
    (f"ASK {{ <{SMALL}> <{EX}p3> ?o }}", "application/sparql-results+xml"),
    (f"CONSTRUCT {{ <{SMALL}> ?p ?o }} WHERE {{ <{SMALL}> ?p ?o }}", "application/n-triples"),
])
def test_the_lane_answers_a_look_up_with_the_bytes_a_worker_sends(store_dir: Path, query: str, media_type: str) -> None:
    lane = InlineLane(store_dir)
    asked = job(query, media_type=media_type)
    inline = lane.answer(asked)
    by_worker = _Sent()
    worker._answer(by_worker, lane.reader.store(), asked)
    assert inline is not None and isinstance(inline[0], Whole) and inline == by_worker.sent


def test_a_subject_with_more_triples_than_the_budget_goes_to_the_workers(store_dir: Path) -> None:
    lane = InlineLane(store_dir)
    assert lane.answer(job(f"SELECT ?o WHERE {{ <{HUB}> <{EX}p> ?o }}")) is None
    assert lane.answer(job(f"SELECT ?o WHERE {{ <{HUB}> <{EX}other> ?o }}")) is not None  # no match: no work


def test_a_join_whose_product_passes_the_budget_goes_to_the_workers(store_dir: Path) -> None:
    """20 triples each: two patterns on them (400) are within the budget, three (8,000) are not."""
    lane = InlineLane(store_dir)
    two = f"SELECT * WHERE {{ <{SMALL}> ?p ?o . <{SMALL}> ?q ?r }}"
    three = f"SELECT * WHERE {{ <{SMALL}> ?p ?o . <{SMALL}> ?q ?r . <{SMALL}> ?s ?t }}"
    assert lane.answer(job(two)) is not None
    assert lane.answer(job(three)) is None


def test_no_explosive_query_takes_the_lane(store_dir: Path) -> None:
    """Every query over the test graph's terms, each with up to four patterns, that the lane answers
    is one whose patterns match at most the budget's triples: the count is the bound."""
    lane = InlineLane(store_dir)
    store = lane.reader.store()
    subjects, predicates = [f"<{SMALL}>", f"<{HUB}>", "?s"], [f"<{EX}p>", f"<{EX}p1>", "?p", f"<{EX}p>*"]
    patterns = [f"{s} {p} ?o" for s, p in itertools.product(subjects, predicates)]
    answered = 0
    for size in (1, 2, 3, 4):
        for chosen in itertools.islice(itertools.combinations(patterns, size), 400):
            query = "SELECT * WHERE { " + " . ".join(f"{p}{n}" for n, p in enumerate(chosen)) + " }"
            found = anchors_of(query)
            if lane.answer(job(query)) is None:
                continue
            answered += 1
            assert found is not None and not any(p.startswith("?s") or p.endswith("* ?o") for p in chosen), query
            assert work(store, found, 10**9) <= lane.budget, query
    assert answered > 0  # the test reaches the lane at all


def test_the_setting_states_the_lanes_budget() -> None:
    help_text = next(s.help for s in SERVICE_SETTINGS if s.name == "inline_queries")
    assert f"{WORK_BUDGET:,} matching triples" in help_text


def test_a_query_that_names_its_dataset_goes_to_the_workers(store_dir: Path) -> None:
    lane = InlineLane(store_dir)
    assert lane.answer(job(f"SELECT * WHERE {{ <{SMALL}> ?p ?o }}", Dataset((f"{EX}g",)))) is None


def inline_count(server: InProcess) -> float:
    metrics = server.client.get(server.base + "/-/metrics").text
    found = re.search(r"^azkg_queries_inline_total (\S+)$", metrics, re.M)
    return float(found.group(1)) if found else 0.0


def test_the_service_answers_look_ups_inline_and_the_rest_on_workers(tmp_path: Path) -> None:
    lookup = "SELECT ?p ?o WHERE { id:industrial-zone-ganja ?p ?o }"  # any IRI: an unknown one has no triples
    with in_process(ROOT, tmp_path / "s", answer_cache_mb="0") as server:
        answers = [server.client.get(server.sparql, params={"query": lookup}, headers={"Accept": JSON})
                   for _ in range(2)]
        assert inline_count(server) == 2 and answers[0].status_code == 200
        scan_all = server.client.get(server.sparql, params={"query": "SELECT * WHERE { ?s ?p ?o } LIMIT 1"})
        assert scan_all.status_code == 200 and inline_count(server) == 2
    with in_process(ROOT, tmp_path / "s", answer_cache_mb="0", inline_queries="false") as server:
        same = server.client.get(server.sparql, params={"query": lookup}, headers={"Accept": JSON})
        assert inline_count(server) == 0 and same.content == answers[0].content


class _Sent:
    def __init__(self) -> None:
        self.sent: list = []

    def send(self, message: object) -> None:
        self.sent.append(message)


def test_the_lane_answers_a_lone_request_or_one_that_would_wait_behind_heavy_jobs(store_dir: Path) -> None:
    """The pool's choice (no workers started: only its counts are read)."""
    pool = QueryPool(store_dir, 2, inline=True)
    assert pool._inline_now()  # nothing else out to a worker
    pool._on_workers, pool.scheduler.idle = 1, [object()]
    assert not pool._inline_now()  # busy, and a worker is free: spread the work
    pool.scheduler.idle = []
    assert not pool._inline_now()  # every worker busy with light jobs: wait for one
    pool.scheduler.heavy_running = 1
    assert pool._inline_now()  # heavy jobs hold them: do not wait behind them
