"""What azkg says to a SPARQL store over HTTP, and how it reads the answers (azkg.store.remote runs
them): the endpoints, found from the store's Server header; the credentials; a query's text and
parameters (azkg's prologue, bound values as VALUES, azkg's graphs as the dataset, the store's own time
limit); answers checked for a store's silent cuts and error pages, parsed as they arrive; the store's
failures as azkg's errors, naming it."""

from __future__ import annotations

import contextlib
import re
import time
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pyoxigraph

from azkg.errors import AzkgError, QueryError, RequestError, StoreAnswerError, StoreUnavailableError
from azkg.settings import ServiceSettings
from azkg.sparql.evaluation import QUERY_PREFIXES
from azkg.sparql.formats import BY_NAME, JSON_RESULTS
from azkg.store.messages import Job

RESULTS_JSON = JSON_RESULTS.media_type  # what azkg asks a store for: SPARQL JSON for solutions and booleans,
N_TRIPLES = BY_NAME["ntriples"].media_type  # N-Triples for graphs (Virtuoso's Turtle writes decimals bare)
TURTLE = BY_NAME["turtle"].media_type
CONNECT_SECONDS = 5.0
# Virtuoso's markers of an answer it cut itself: its own timeout (an "anytime" answer), or ResultSetMaxRows
CUT_STATES = {"S1TAT": "its own time limit"}
MAX_ROWS_HEADER = "x-sparql-maxrows"
Params = list[tuple[str, str | int | float | bool | None]]


@dataclass(frozen=True)
class Endpoint:
    """Where the store answers, and how azkg proves itself to it; `name` is what messages show."""

    query_url: str
    update_url: str
    graph_store_url: str | None
    kind: str  # "virtuoso", "oxigraph" or "sparql": what quirks to expect
    graphs: tuple[str, ...]

    @property
    def name(self) -> str:
        return f"the SPARQL store at {self.query_url}"


def endpoint_of(settings: ServiceSettings, server: str) -> Endpoint:
    """The endpoints from the settings, completed from what the store says it is (its Server header)."""
    assert settings.store_url is not None
    query_url = settings.store_url
    kind = "virtuoso" if "virtuoso" in server.lower() else "oxigraph" if "oxigraph" in server.lower() else "sparql"
    root = query_url.rsplit("/", 1)[0]
    credentials = settings.store_user is not None or settings.store_token is not None
    if kind == "virtuoso":
        update = query_url + ("-auth" if credentials and not query_url.endswith("-auth") else "")
        graph_store = root + ("/sparql-graph-crud-auth" if credentials else "/sparql-graph-crud")
    elif kind == "oxigraph":
        update, graph_store = root + "/update", root + "/store"
    else:
        update, graph_store = query_url, None
    return Endpoint(
        query_url,
        settings.store_update_url or update,
        settings.store_graph_store_url or graph_store,
        kind,
        settings.owned_graphs,
    )


def auth_of(settings: ServiceSettings) -> httpx.Auth | None:
    """The store's credentials, from the settings (the environment): never logged, never in a URL."""
    scheme = settings.store_auth or ("bearer" if settings.store_token else "basic" if settings.store_user else None)
    if scheme is None:
        return None
    if scheme == "bearer":
        if not settings.store_token:
            raise StoreUnavailableError("store_auth is bearer, but no store_token is set (AZKG_STORE_TOKEN)")
        return _Bearer(settings.store_token)
    if settings.store_user is None or settings.store_password is None:
        raise StoreUnavailableError(
            f"store_auth is {scheme}: set store_user and store_password (AZKG_STORE_USER, AZKG_STORE_PASSWORD)"
        )
    auth_class = httpx.DigestAuth if scheme == "digest" else httpx.BasicAuth
    return auth_class(settings.store_user, settings.store_password)


class _Bearer(httpx.Auth):
    def __init__(self, token: str):
        self._header = f"Bearer {token}"

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = self._header
        yield request


def query_params(job: Job, endpoint: Endpoint) -> Params:
    """The protocol's parameters for the job: the text as sent, the dataset, the store's own limit."""
    params: Params = [("query", query_text(job))]
    dataset = job.dataset
    given = dataset.default_graphs or dataset.named_graphs
    if given and not dataset.union_default_graph and endpoint.kind == "virtuoso":
        raise RequestError(
            f"{endpoint.name} (Virtuoso) reads both the query's FROM and default-graph-uri/named-graph-uri "
            "instead of letting the parameters win: send the dataset one way or the other"
        )
    if dataset.default_graphs or dataset.named_graphs:
        params += [("default-graph-uri", g) for g in dataset.default_graphs]
        params += [("named-graph-uri", g) for g in dataset.named_graphs]
    elif dataset.union_default_graph:  # the query names no graphs: azkg's, and only them
        params += [("default-graph-uri", g) for g in endpoint.graphs]
        params += [("named-graph-uri", g) for g in endpoint.graphs]
    if endpoint.kind == "virtuoso":  # its own limit, in ms, so that an abandoned query does not run on
        params.append(("timeout", str(max(int(job.deadline.remaining() * 1000), 1))))
    return params


_DECLARED = re.compile(r"(?i)\bPREFIX\s+([A-Za-z][\w.-]*)?\s*:")
_USED = re.compile(r"(?<![\w.-])(" + "|".join(re.escape(name) for name in QUERY_PREFIXES if name) + r"):")


def query_text(job: Job) -> str:
    """The job's query as the store gets it: with azkg's prologue, and the bound values as a VALUES
    clause of IRIs opening its WHERE group (Virtuoso 7.2 has no trailing VALUES)."""
    return with_prologue(with_values(job.query, job.bindings) if job.bindings else job.query, job.base_iri)


_WHERE = re.compile(r"(?i)\b(?:WHERE|ASK)\s*\{")


def with_values(query: str, bindings: tuple[tuple[str, str], ...]) -> str:
    """A named query (azkg's own, queries/*.rq) with `bindings` as the first thing of its WHERE group;
    whole-line comments are skipped, where our queries say how to use them."""
    names = " ".join(f"?{name}" for name, _ in bindings)
    values = " ".join(str(pyoxigraph.NamedNode(iri)) for _, iri in bindings)  # checked, escaped IRIs
    offset = 0
    for line in query.splitlines(keepends=True):
        found = None if line.lstrip().startswith("#") else _WHERE.search(line)
        if found:
            at = offset + found.end()
            return f"{query[:at]} VALUES ({names}) {{ ({values}) }}{query[at:]}"
        offset += len(line)
    raise QueryError("a query with bound values needs a WHERE group to put them in")


def with_prologue(text: str, base_iri: str | None) -> str:
    """A query or update with azkg's prefixes and base declared first, as the embedded store gives
    them (the text's own declarations come after, and win)."""
    declared = {name or "" for name in _DECLARED.findall(text)}
    used = set(_USED.findall(text))  # only the prefixes the text uses: less to send, less to parse
    prologue = "".join(
        f"PREFIX {name}: <{iri}>\n" for name, iri in QUERY_PREFIXES.items() if name in used and name not in declared
    )
    if base_iri:
        prologue = f"BASE <{base_iri}>\n" + prologue
    return prologue + text


BOOLEAN = pyoxigraph.NamedNode("http://www.w3.org/2001/XMLSchema#boolean")
BOOLEANS = {"1": "true", "0": "false"}


def canonical(term: Any) -> Any:
    """A term as the embedded store gives it: Virtuoso answers xsd:boolean as "1" and "0"."""
    if isinstance(term, pyoxigraph.Literal) and term.datatype == BOOLEAN and term.value in BOOLEANS:
        return pyoxigraph.Literal(BOOLEANS[term.value], datatype=BOOLEAN)
    return term


def timeout_of(deadline_at: float) -> httpx.Timeout:
    left = max(deadline_at - time.monotonic(), 0.001)
    return httpx.Timeout(left, connect=min(CONNECT_SECONDS, left))


def parse_answer(response: httpx.Response, accept: str, name: str) -> Any:
    reader = _Body(response.iter_bytes())
    if accept == N_TRIPLES:
        return pyoxigraph.parse(reader, format=pyoxigraph.RdfFormat.N_TRIPLES)  # type: ignore[arg-type]
    return pyoxigraph.parse_query_results(reader, format=pyoxigraph.QueryResultsFormat.JSON)  # type: ignore[arg-type]


class _Body:
    """A response's bytes as the file object pyoxigraph reads from, as they arrive."""

    def __init__(self, chunks: Iterator[bytes]):
        self.chunks, self.left = chunks, b""

    def read(self, size: int = -1) -> bytes:
        if not self.left:
            self.left = next(self.chunks, b"")
        if size < 0 or size >= len(self.left):
            taken, self.left = self.left, b""
        else:
            taken, self.left = self.left[:size], self.left[size:]
        return taken

    def readable(self) -> bool:
        return True


def check_answer(response: httpx.Response, name: str, expected: str, job: Job | None = None) -> None:
    """A 200 in the media type asked for, and no mark of a cut of the store's own; else the error."""
    status = response.status_code
    if status != 200:
        text = _text(response)
        if status == 400 or (status == 500 and "SP030" in text):  # Virtuoso's syntax errors are 500 with SP030
            raise QueryError(f"{name} refused the query: {text}")
        if status == 500 and "SR171" in text and job is not None:  # Virtuoso's MaxQueryExecutionTime
            raise job.deadline.error()
        if status in (401, 403):
            raise StoreUnavailableError(f"{name} refused azkg's credentials ({status}): set store_user/store_password")
        if status in (502, 503, 504):
            raise StoreUnavailableError(f"{name} is unavailable ({status}): {text}")
        raise StoreAnswerError(f"{name} answered {status}: {text}")
    state = response.headers.get("x-sql-state", "")
    if state in CUT_STATES:
        if job is not None:
            raise job.deadline.error()
        raise StoreAnswerError(f"{name} cut its answer at {CUT_STATES[state]} (X-SQL-State: {state})")
    cap = response.headers.get(MAX_ROWS_HEADER)
    if cap is not None and (job is None or not cap.isdigit() or int(cap) <= job.max_rows):
        # sent when the answer reached the store's cap, cut or not: above azkg's own cap, azkg cuts first
        raise StoreAnswerError(
            f"{name} cut its answer at {cap} rows, its own limit (Virtuoso's "
            "ResultSetMaxRows); raise that limit above azkg's max_rows"
        )
    media_type = response.headers.get("content-type", "").split(";")[0].strip().lower()
    graph_types = (*BY_NAME["ntriples"].media_types, TURTLE)  # a store may label N-Triples as these
    if media_type != expected and not (expected == N_TRIPLES and media_type in graph_types):
        found = media_type or "no media type"
        raise StoreAnswerError(f"{name} answered with {found}, not {expected}: {_text(response)}")


def check_write(response: httpx.Response, name: str) -> None:
    status = response.status_code
    if status < 300:
        return
    text = _text(response)
    if status in (401, 403) or (status == 500 and ("SR186" in text or "permission" in text.lower())):
        raise StoreUnavailableError(
            f"{name} refused azkg's credentials or write ({status}): check store_user, store_password and store_auth, "
            f"and that the user may update (Virtuoso: GRANT SPARQL_UPDATE): {text}"
        )
    if status == 400:
        raise QueryError(f"{name} refused the update: {text}")
    if status in (502, 503, 504):
        raise StoreUnavailableError(f"{name} is unavailable ({status}): {text}")
    raise StoreAnswerError(f"{name} could not apply the write ({status}): {text}")


def _text(response: httpx.Response) -> str:
    """The start of an error answer, as one line (an HTML page's tags are left in: they say what it is)."""
    with contextlib.suppress(httpx.HTTPError):
        response.read()
    return " ".join(response.text[:300].split()) or "(no body)"


def unreachable(name: str, err: httpx.HTTPError, job: Job | None = None) -> AzkgError:
    if isinstance(err, httpx.TimeoutException) and job is not None and job.deadline.expired():
        return job.deadline.error()
    if isinstance(err, httpx.TimeoutException):
        return StoreUnavailableError(f"{name} did not answer in time ({type(err).__name__})")
    return StoreUnavailableError(f"{name} cannot be reached: {err or type(err).__name__}")


def bad_answer(name: str, err: Exception, job: Job | None = None) -> AzkgError:
    if job is not None and job.deadline.expired():
        return job.deadline.error()
    return StoreAnswerError(f"{name} sent an answer that is not complete SPARQL results: {err}")


def ntriples(triples: list[pyoxigraph.Triple]) -> bytes:
    return pyoxigraph.serialize(triples, format=pyoxigraph.RdfFormat.N_TRIPLES) or b""
