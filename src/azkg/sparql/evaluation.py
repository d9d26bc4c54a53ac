"""Running a query: the only module that calls pyoxigraph's `Store.query` and `Store.update`.

Every query goes through `evaluate`: /sparql and the named queries (in a query worker, azkg.store.worker),
VoID, the Graph Store, the search index build, the exports, `azkg query` and the build's validation.
It binds values through pyoxigraph's `substitutions` (never pasted into the text), applies the dataset,
and turns pyoxigraph's errors into azkg's (`error_of`, the one place they are mapped).

Where the query time limit is enforced: a `Deadline` is made once, when a request arrives
(`Deadline.after(settings.query_timeout, "query_timeout")`), and travels in the worker's `Job`. It is read
in three places, all on the one clock `time.monotonic`:
- the queue: a waiter whose deadline passes leaves with QueryTimeoutError (azkg.store.queueing `acquire`);
- the pool's kill timer: a worker silent past the deadline is killed (azkg.store.pool `_receive`);
- the worker, between rows, while it reads the answer (`take`, here) and sends it (azkg.store.worker `_Capped`).
pyoxigraph cannot cancel a query, so the kill is what stops a sort that has not produced its first row.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import pyoxigraph

from azkg.errors import (
    AzkgError,
    EvaluationError,
    QueryError,
    QueryTimeoutError,
    ServiceDisabledError,
    reported,
)
from azkg.prefixes import PREFIXES

QUERY_PREFIXES = dict(PREFIXES)  # a query's own PREFIX wins
SERVICE_DISABLED = (
    "SERVICE is disabled on this endpoint: the server sends no requests to other endpoints (setting allow_service)"
)
# Deadlines are made in the HTTP process and read in the workers: this is sound because Linux's
# CLOCK_MONOTONIC (time.monotonic) is one system-wide clock, the same in every process of the machine.
CLOCK: Callable[[], float] = time.monotonic
CHECK_EVERY = 256  # rows between two looks at the deadline


@dataclass(frozen=True)
class Deadline:
    """When a query's answer is abandoned, and which setting said so (named in the timeout error)."""

    at: float  # on `clock`
    seconds: float  # the limit it was made with, for the message
    setting: str = "query_timeout"
    clock: Callable[[], float] = CLOCK  # injectable, so that tests need no sleeps
    lowered_by: str = "a request may lower it with the timeout parameter"  # what the caller can change

    @classmethod
    def after(
        cls, seconds: float, setting: str = "query_timeout", clock: Callable[[], float] = CLOCK, lowered_by: str = ""
    ) -> Deadline:
        return cls(clock() + seconds, seconds, setting, clock, lowered_by or cls.lowered_by)

    def remaining(self) -> float:
        return max(self.at - self.clock(), 0.0)

    def expired(self) -> bool:
        return self.clock() >= self.at

    def error(self) -> QueryTimeoutError:
        return QueryTimeoutError(
            f"the query ran longer than its time limit of {self.seconds:g} s and was stopped; the limit is the "
            f"setting {self.setting} (environment variable AZKG_{self.setting.upper()}); {self.lowered_by}"
        )


@dataclass(frozen=True)
class Dataset:
    """The graphs a query reads: the protocol's parameters when given (they win over FROM), else the
    query's own FROM (pyoxigraph reads it only without the union default), else the union of all graphs."""

    default_graphs: tuple[str, ...] = ()
    named_graphs: tuple[str, ...] = ()
    union_default_graph: bool = True  # False when the query names its own dataset (FROM, FROM NAMED)

    def options(self, single_graph: bool = False) -> dict:
        """pyoxigraph's dataset options; `single_graph`: the store has no named graphs, so the union of its
        graphs is its default graph, read as such (pyoxigraph's union costs 15-35% on scans, and is a bag)."""
        if self.default_graphs or self.named_graphs:
            return {
                "default_graph": [pyoxigraph.NamedNode(g) for g in self.default_graphs],
                "named_graphs": [pyoxigraph.NamedNode(g) for g in self.named_graphs],
            }
        return {"use_default_graph_as_union": self.union_default_graph and not single_graph}


UNION = Dataset()
DEFAULT_GRAPH = Dataset(union_default_graph=False)  # an in-memory store's own default graph


def evaluate(
    store: pyoxigraph.Store,
    query: str,
    *,
    bindings: Mapping[str, str] | None = None,
    dataset: Dataset = UNION,
    base_iri: str | None = None,
    single_graph: bool = False,
) -> Any:  # the caller knows its query's form
    """The query's results (solutions, a boolean or triples); `bindings` maps variables to IRIs, bound
    by pyoxigraph; `single_graph`: the store holds no named graphs (see Dataset.options). Errors come as
    azkg's; iterating the results may raise pyoxigraph's (see `error_of`)."""
    options = {"prefixes": QUERY_PREFIXES, "base_iri": base_iri, **dataset.options(single_graph)}
    if bindings:
        options["substitutions"] = {pyoxigraph.Variable(k): pyoxigraph.NamedNode(v) for k, v in bindings.items()}
    try:
        return store.query(query, **options)
    except (SyntaxError, ValueError, OSError, RuntimeError, MemoryError) as err:
        raise error_of(err) from err


def update(store: pyoxigraph.Store, text: str, base_iri: str | None = None) -> None:
    """Apply a SPARQL Update; a malformed one raises QueryError, other failures pyoxigraph's own errors,
    which the writer maps itself (what an update's failure means depends on the store it ran on)."""
    try:
        store.update(text, base_iri=base_iri, prefixes=QUERY_PREFIXES)
    except SyntaxError as err:
        raise QueryError(f"malformed update: {err}") from err


def take(items: Iterator, count: int, deadline: Deadline) -> list:
    """Up to `count` items, looking at the deadline every CHECK_EVERY; a row cap of n takes n + 1, the
    extra one saying whether the answer was cut."""
    taken = []
    for item in items:
        taken.append(item)
        if len(taken) >= count:
            break
        if len(taken) % CHECK_EVERY == 0 and deadline.expired():
            raise deadline.error()
    if deadline.expired():
        raise deadline.error()
    return taken


def error_of(err: BaseException) -> AzkgError:
    """pyoxigraph's errors as azkg's: the one place they are mapped."""
    if isinstance(err, AzkgError):
        return err
    if isinstance(err, SyntaxError):  # its message holds the line and column
        return QueryError(f"malformed query: {err}")
    if isinstance(err, ValueError):
        return QueryError(f"invalid dataset: {err}")
    if isinstance(err, PermissionError):  # the worker's sandbox refused SERVICE's socket
        return ServiceDisabledError(SERVICE_DISABLED)
    if isinstance(err, MemoryError):
        return EvaluationError("the query needed more memory than the service has; narrow it or add a LIMIT")
    return EvaluationError(f"the query could not be evaluated: {err}")


def error_for(code: str, message: str) -> AzkgError:
    """An error a worker reported by its code; an unknown code is the engine's fault."""
    return reported(code, message, EvaluationError)
