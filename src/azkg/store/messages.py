"""What the pool and a query worker say to each other over their pipes, one frozen dataclass each.

To the worker: a `Job` (or None: stop). From the worker, for each job, one of:

    Whole                       the complete answer in one message (small answers)
    Head, Chunk..., Done        an answer streamed; Head says whether it was cut (None: not known yet)
    Failed                      before a Head: the answer is this error; after one: it cannot be completed

A worker says `Ready` once, when its store is open.
"""

from __future__ import annotations

from dataclasses import dataclass

from azkg.errors import AzkgError
from azkg.sparql.anchored import Anchor
from azkg.sparql.evaluation import UNION, Dataset, Deadline, error_for


@dataclass(frozen=True)
class Job:
    query: str
    media_type: str
    max_rows: int
    deadline: Deadline
    dataset: Dataset = UNION
    bindings: tuple[tuple[str, str], ...] = ()  # (variable, IRI): bound by pyoxigraph, never pasted into the text
    base_iri: str | None = None  # relative IRIs in the query resolve against it
    anchors: tuple[Anchor, ...] | None = None  # set when its cost is bounded by construction (azkg.sparql.anchored)


@dataclass(frozen=True)
class Ready:
    pass


@dataclass(frozen=True)
class Whole:
    body: bytes
    truncated: bool
    rows: int | None = None  # the rows or triples it holds; None for an ASK


@dataclass(frozen=True)
class Head:
    truncated: bool | None


@dataclass(frozen=True)
class Chunk:
    data: bytes


@dataclass(frozen=True)
class Done:
    rows: int
    cut: bool  # a cut found after the Head went out without saying so: the service aborts the body


@dataclass(frozen=True)
class Failed:
    code: str  # an azkg error code (azkg.errors)
    message: str

    @classmethod
    def of(cls, error: AzkgError) -> Failed:
        return cls(error.code, str(error))

    def error(self) -> AzkgError:
        return error_for(self.code, self.message)


Answer = Whole | Head | Chunk | Done | Failed
LAST = (Whole, Done, Failed)  # after one of these the worker is free for the next job
