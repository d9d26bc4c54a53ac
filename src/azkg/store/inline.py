"""The inline lane: queries bounded by construction, answered in the HTTP process with no hop to a worker.

The hop to a query worker (a pipe each way, two context switches, the job pickled) costs more than a
look-up itself. A query whose every pattern is anchored on a given subject (azkg.sparql.anchored,
which the caller ran and put in the job) reads at most the triples of its subjects, and this lane
counts them before it runs the query: when
the product of the counts (the most rows a join of the patterns can touch) is within WORK_BUDGET,
the query runs here, on the process's own read-only handle of the live snapshot, as a worker would
run it (same evaluation, same answer writing). Anything else, or a subject with too many triples,
goes to the workers, which the pool can kill. The lane never opens a socket: a text that the
classifier passes has no SERVICE in it.
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import islice
from pathlib import Path

import pyoxigraph

from azkg.sparql.anchored import Anchor
from azkg.sparql.evaluation import UNION, error_of, evaluate
from azkg.store.answering import ENGINE_ERRORS, send_results
from azkg.store.messages import Answer, Failed, Job
from azkg.store.snapshots import LiveReader

WORK_BUDGET = 1024  # pattern matches: about a millisecond of evaluation and writing, on the event loop


class _Collected(list):
    def send(self, message: Answer) -> None:
        self.append(message)


class InlineLane:
    def __init__(self, store_dir: Path, budget: int = WORK_BUDGET):
        self.reader = LiveReader(store_dir)
        self.budget = budget

    def answer(self, job: Job) -> list[Answer] | None:
        """The job's messages, or None when it is not for this lane (the caller sends it to a worker)."""
        if job.anchors is None or job.bindings or job.dataset != UNION:
            return None
        store = self.reader.store()
        if work(store, job.anchors, self.budget) > self.budget:
            return None
        messages = _Collected()
        try:
            results = evaluate(
                store, job.query, dataset=job.dataset, base_iri=job.base_iri, single_graph=self.reader.single_graph
            )
            send_results(messages, results, job)
        except ENGINE_ERRORS as err:  # raised before any message (send_results sends later errors itself)
            messages.send(Failed.of(error_of(err)))
        return messages


def work(store: pyoxigraph.Store, found: Iterable[Anchor], budget: int) -> int:
    """The product of each pattern's matching triples (in any graph), counted up to just past `budget`."""
    total = 1
    for anchor in found:
        try:
            pattern = (
                pyoxigraph.NamedNode(anchor.subject),
                pyoxigraph.NamedNode(anchor.predicate) if anchor.predicate else None,
                pyoxigraph.NamedNode(anchor.object) if anchor.object else None,
            )
        except ValueError:  # not an IRI pyoxigraph accepts: the worker's evaluation says why
            return budget + 1
        total *= sum(1 for _ in islice(store.quads_for_pattern(*pattern), budget + 1))
        if total == 0 or total > budget:
            return total
    return total
