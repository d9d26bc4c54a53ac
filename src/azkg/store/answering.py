"""Writing an answer as the pool's messages (azkg.store.messages), from results however they were
obtained: evaluated by pyoxigraph in a query worker (azkg.store.worker), or parsed from a remote
store's answer (azkg.store.remote). Both read the results once, cap them at the row limit and look at
the deadline between rows, here.

A cut answer says so in its body: SPARQL JSON and XML carry a head link to a notice (results.
TRUNCATION_NOTICE); the formats with no place for it (CSV, TSV, RDF syntaxes) are refused with 422
answer_truncated instead of being sent cut.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, Protocol

import pyoxigraph

from azkg.errors import AnswerTruncatedError, AzkgError
from azkg.sparql.evaluation import CHECK_EVERY, error_of, take
from azkg.sparql.results import TRUNCATION_NOTICE, says_cut, write_boolean, write_solutions, write_triples
from azkg.store.messages import Answer, Chunk, Done, Failed, Head, Job, Whole

PREBUFFER = 2048  # rows read before the head is sent, so that most answers know whether they were cut
WHOLE_BYTES = 4 << 20  # an answer known complete and smaller than this goes in one message
# what pyoxigraph raises while evaluating or while its results are iterated (azkg.sparql.evaluation.error_of)
ENGINE_ERRORS = (AzkgError, SyntaxError, ValueError, OSError, RuntimeError, MemoryError)


class Channel(Protocol):
    def send(self, message: Answer, /) -> Any: ...


def send_results(conn: Channel, results: Any, job: Job, term: Callable[[Any], Any] | None = None) -> None:
    """Send `results` (pyoxigraph's QueryBoolean, QuerySolutions, or an iterator of triples) as the
    job's answer, each term passed through `term` if given (a remote store's spellings made azkg's);
    errors before the head propagate (the caller answers with them)."""
    if isinstance(results, pyoxigraph.QueryBoolean | bool):
        conn.send(Whole(write_boolean(bool(results), job.media_type), False))
        return
    if isinstance(results, pyoxigraph.QuerySolutions):
        variables = [v.value for v in results.variables]
        rows: Iterator = map(list, results)  # a solution's values in the variables' order (by name: 6x slower)
        if term is not None:
            rows = ([term(value) for value in row] for row in rows)
        _stream(conn, job, rows, lambda items, link: write_solutions(variables, items, job.media_type, link))
        return
    triples: Iterator = iter(results)
    if term is not None:
        triples = (pyoxigraph.Triple(t.subject, t.predicate, term(t.object)) for t in triples)
    _stream(conn, job, triples, lambda items, _: write_triples(items, job.media_type))


def _stream(conn: Channel, job: Job, items: Iterator, write: Callable) -> None:
    """Read ahead PREBUFFER items; then send the answer whole, or its head and its chunks, stopping at the
    row cap. Errors before the head propagate (the caller answers with them); after it, they end the body."""
    buffered = take(items, min(job.max_rows + 1, PREBUFFER), job.deadline)
    complete = len(buffered) <= job.max_rows and len(buffered) < PREBUFFER
    truncated = len(buffered) > job.max_rows
    if truncated and not says_cut(job.media_type):
        raise AnswerTruncatedError(cut_message(job))
    link = TRUNCATION_NOTICE.format(job.max_rows) if truncated else None
    if complete or truncated:
        body = b"".join(write(iter(buffered[: job.max_rows]), link))
        if len(body) < WHOLE_BYTES:
            conn.send(Whole(body, truncated, min(len(buffered), job.max_rows)))
            return
    conn.send(Head(truncated if (complete or truncated) else None))
    capped = _Capped(buffered[: job.max_rows], items, job, already=len(buffered))
    try:
        for chunk in write(iter(capped), link):
            conn.send(Chunk(chunk))
    except ENGINE_ERRORS as err:
        conn.send(Failed.of(error_of(err)))
        return
    conn.send(Done(capped.sent, capped.truncated))


def cut_message(job: Job) -> str:
    return (
        f"the answer has more than {job.max_rows} rows, the limit (setting max_rows, which a request may lower); "
        f"{job.media_type} has no place to say that an answer was cut, so it is not sent cut: add a LIMIT, "
        "or ask for SPARQL JSON or XML, which carry a link saying so"
    )


class _Capped:
    """The buffered items, then the rest of the iterator, up to the row cap and the deadline."""

    def __init__(self, first: list, rest: Iterator, job: Job, already: int):
        self.first, self.rest, self.job = first, rest, job
        self.more = already > len(first) or already >= PREBUFFER
        self.sent = 0
        self.truncated = False

    def __iter__(self) -> Iterator:
        for item in self.first:
            self.sent += 1
            yield item
        if not self.more or self.sent >= self.job.max_rows:
            return
        for item in self.rest:
            if self.sent >= self.job.max_rows:
                self.truncated = True
                return
            if self.sent % CHECK_EVERY == 0 and self.job.deadline.expired():
                raise self.job.deadline.error()
            self.sent += 1
            yield item
