"""A remote SPARQL store (Virtuoso, Oxigraph's server, any SPARQL 1.1 Protocol endpoint) in place of the
embedded one: the same `run(job)` as the query pool, answered with the same messages (azkg.store.messages).

What azkg guarantees over a store it does not run (docs/deploy.md):
- its own time limit: the request is abandoned at the job's deadline (the caller gets the usual 503),
  and a store that has a per-request limit of its own (Virtuoso's `timeout`) is given the time left;
- its own row cap and truncation flag: the store's answer is parsed as it arrives and capped by
  azkg.store.answering, as a worker's is; a store's own silent cut (Virtuoso's 200 with its
  ResultSetMaxRows, its `X-SQL-State: S1TAT` for an answer cut by its timeout, a body cut off) is an
  error, never passed on as a complete answer;
- its own dataset: a query that names no graphs reads the union of the graphs azkg owns (setting
  store_graphs) through `default-graph-uri`, never the store's system graphs; named queries bind their
  values with a VALUES clause, and azkg's prefixes and base are declared in the text sent;
- a data version, in a graph of its own (META_GRAPH), bumped by every write through azkg, which every
  front-end reads to key its caches (writes behind azkg's back show after store_poll_seconds).

A query is sent from a thread (httpx's blocking client), whose results pyoxigraph parses as they
arrive; the event loop waits on the thread's messages under the deadline, so a stalled store costs
the loop nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import secrets
import threading
import time
import urllib.parse
from collections.abc import AsyncIterator, Generator, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pyoxigraph

from azkg.errors import (
    AzkgError,
    EvaluationError,
    QueryError,
    RequestError,
    StoreAnswerError,
    StoreUnavailableError,
)
from azkg.settings import ServiceSettings
from azkg.sparql.evaluation import QUERY_PREFIXES, evaluate
from azkg.sparql.formats import BY_NAME, FORM, JSON_RESULTS
from azkg.sparql.query_text import scan
from azkg.store.answering import send_results
from azkg.store.messages import LAST, Answer, Failed, Job
from azkg.store.snapshots import current_snapshot, writing
from azkg.store.telemetry import Telemetry

log = logging.getLogger(__name__)

META_GRAPH = "https://w3id.org/azkg/graph/meta"  # azkg's own bookkeeping in the store; never in the dataset
VERSION = META_GRAPH + "#version"
RESULTS_JSON = JSON_RESULTS.media_type  # what azkg asks a store for: SPARQL JSON for solutions and booleans,
N_TRIPLES = BY_NAME["ntriples"].media_type  # N-Triples for graphs (Virtuoso's Turtle writes decimals bare)
TURTLE = BY_NAME["turtle"].media_type
CONNECT_SECONDS = 5.0
PROBE_SECONDS = 10.0
WRITE_SECONDS = 600.0  # a write or a publish may take long on a big store; it has no deadline of its own
UPLOAD_TRIPLES = 200_000  # triples per request when a graph is loaded in parts
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


class RemoteStore:
    """The service's queries and writes over a remote store; made in the lifespan, started, closed."""

    def __init__(self, settings: ServiceSettings, telemetry: Telemetry | None = None):
        self.settings = settings
        self.telemetry = telemetry or Telemetry()
        self.size = settings.query_workers  # queries sent at once, per HTTP process
        self.client = httpx.Client(
            auth=auth_of(settings), headers={"User-Agent": "azkg"}, follow_redirects=False,
            limits=httpx.Limits(max_connections=self.size * 2 + 4, max_keepalive_connections=self.size * 2),
        )
        self.endpoint: Endpoint | None = None
        self._threads = ThreadPoolExecutor(max_workers=self.size * 2, thread_name_prefix="azkg-remote")
        self._slots: asyncio.Semaphore | None = None
        self._counted: tuple[float, int] | None = None  # (when, triples) of content_version
        self._empty = pyoxigraph.Store()  # in memory: what queries are parsed against (_parse_locally)

    async def start(self) -> None:
        """Check the store answers, and what it is; a store down, refusing or answering garbage stops the
        service from starting, with a message that names it."""
        self._slots = asyncio.Semaphore(self.size)
        self.endpoint = await asyncio.to_thread(self.probe)

    def probe(self) -> Endpoint:
        url = self.settings.store_url
        assert url is not None
        name = f"the SPARQL store at {url}"
        response = self._send("GET", url, deadline_at=time.monotonic() + PROBE_SECONDS, name=name,
                              params=[("query", "ASK {}")], headers={"Accept": RESULTS_JSON})
        _check_answer(response, name, RESULTS_JSON)
        try:
            bool(pyoxigraph.parse_query_results(response.content, format=pyoxigraph.QueryResultsFormat.JSON))
        except (SyntaxError, ValueError) as err:
            raise StoreAnswerError(f"{name} answered ASK {{}} with no SPARQL result: {err}") from None
        endpoint = endpoint_of(self.settings, response.headers.get("server", ""))
        self.endpoint = endpoint
        if self.client.auth is not None:  # wrong credentials are found at start, not at the first write
            self._update("CLEAR SILENT GRAPH <urn:azkg:credentials-check>")
        return endpoint

    async def close(self) -> None:
        self._threads.shutdown(wait=False, cancel_futures=True)
        self.client.close()

    async def run(self, job: Job, *, client: str = "", light: bool = False) -> AsyncIterator[Answer]:
        """The store's answer to `job` as the pool's messages; the deadline holds whatever the store does."""
        assert self._slots is not None, "start() first"
        try:
            await asyncio.wait_for(self._slots.acquire(), timeout=job.deadline.remaining())
        except TimeoutError:
            self.telemetry.query_timed_out()
            raise job.deadline.error() from None
        loop = asyncio.get_running_loop()
        channel = _Channel(loop)
        try:
            loop.run_in_executor(self._threads, self._answer, job, channel)
            while True:
                try:
                    message = await asyncio.wait_for(channel.inbox.get(), timeout=job.deadline.remaining())
                except TimeoutError:
                    self.telemetry.query_timed_out()
                    raise job.deadline.error() from None
                yield message
                if isinstance(message, LAST):
                    return
        finally:
            channel.stopped.set()  # the thread stops at its next row or read
            self._slots.release()

    def _answer(self, job: Job, channel: _Channel) -> None:
        """In a thread: send the query, parse the answer as it arrives, send it on capped."""
        endpoint = self.endpoint
        assert endpoint is not None
        try:
            self._parse_locally(job)
            form = scan(job.query, 10_000).form or "SELECT"
            accept = N_TRIPLES if form in ("CONSTRUCT", "DESCRIBE") else RESULTS_JSON
            params = query_params(job, endpoint)
            with self._stream(job, endpoint, params, accept) as response:
                _check_answer(response, endpoint.name, accept, job)
                send_results(channel, _parse(response, accept, endpoint.name), job, canonical)
        except _Stopped:
            return
        except AzkgError as err:
            channel.send_last(Failed.of(err))
        except (SyntaxError, ValueError) as err:  # pyoxigraph's, reading the store's answer
            channel.send_last(Failed.of(_bad_answer(endpoint.name, err, job)))
        except httpx.HTTPError as err:
            channel.send_last(Failed.of(_unreachable(endpoint.name, err, job)))
        except OSError as err:
            channel.send_last(Failed.of(StoreUnavailableError(f"{endpoint.name}: {err}")))
        except Exception as err:  # the thread's top level: the caller gets an answer, not a wait for its deadline
            log.exception("a query to %s failed", endpoint.name)
            channel.send_last(Failed.of(EvaluationError(f"the query to {endpoint.name} failed: {err}")))

    def _parse_locally(self, job: Job) -> None:
        """A malformed query is refused here, with the embedded store's message (line and column of the
        text as sent to azkg), before the store spends anything on it: pyoxigraph parses it against an
        empty store, and its results are never read."""
        evaluate(self._empty, job.query, bindings=dict(job.bindings), dataset=job.dataset, base_iri=job.base_iri)

    @contextlib.contextmanager
    def _stream(self, job: Job, endpoint: Endpoint, params: Params, accept: str) -> Iterator[httpx.Response]:
        """The query sent as a form POST (the protocol's second way; Virtuoso 7.2 never answers the third, a
        raw sparql-query body): the text goes in the body, which httpx does not parse as it does a URL."""
        body = urllib.parse.urlencode(params).encode()
        request = self.client.build_request(
            "POST", endpoint.query_url, content=body, timeout=_timeout(job.deadline.at),
            headers={"Accept": accept, "Content-Type": FORM.media_type},
        )
        response = self.client.send(request, stream=True)
        try:
            yield response
        finally:
            response.close()

    async def version(self) -> str:
        """The data version the answer caches are keyed by: the one the last write through azkg left in
        the store, and the period of store_poll_seconds we are in (so that writes behind azkg's back
        show within it). Read at each request: a write through another front-end shows at once."""
        period = int(time.time() // self.settings.store_poll_seconds)
        written = await asyncio.to_thread(self.read_version)
        return f"{written or '0'}-{period:012d}"

    async def content_version(self) -> str:
        """The version the costly copies (the search index, the dumps' copy) are keyed by: the written
        version and the number of triples in azkg's graphs, counted at most once per store_poll_seconds,
        so that they are rebuilt when the data changed, not every period."""
        written = await asyncio.to_thread(self.read_version)
        now = time.monotonic()
        if self._counted is None or now - self._counted[0] >= self.settings.store_poll_seconds:
            self._counted = (now, await asyncio.to_thread(self._count))
        return f"{written or '0'}-{self._counted[1]}"

    def _count(self) -> int:
        endpoint = self.endpoint
        assert endpoint is not None
        graphs = " ".join(f"<{graph}>" for graph in endpoint.graphs)
        query = f"SELECT (COUNT(*) AS ?n) WHERE {{ VALUES ?g {{ {graphs} }} GRAPH ?g {{ ?s ?p ?o }} }}"
        return int(self._select_one(query))

    def _select_one(self, query: str) -> str:
        """The first value of the first row of a SELECT of azkg's own, sent as written."""
        endpoint = self.endpoint
        assert endpoint is not None
        response = self._send("GET", endpoint.query_url, deadline_at=time.monotonic() + WRITE_SECONDS,
                              name=endpoint.name, params=[("query", query)], headers={"Accept": RESULTS_JSON})
        _check_answer(response, endpoint.name, RESULTS_JSON)
        try:
            found = pyoxigraph.parse_query_results(response.content, format=pyoxigraph.QueryResultsFormat.JSON)
            row = next(iter(found))  # type: ignore[arg-type]
            return row[0].value
        except (SyntaxError, ValueError, StopIteration, TypeError) as err:
            raise _bad_answer(endpoint.name, err) from None

    def read_version(self) -> str | None:
        endpoint = self.endpoint
        assert endpoint is not None
        query = f"SELECT ?v WHERE {{ GRAPH <{META_GRAPH}> {{ <{META_GRAPH}> <{VERSION}> ?v }} }}"
        response = self._send("GET", endpoint.query_url, deadline_at=time.monotonic() + self.settings.query_timeout,
                              name=endpoint.name, params=[("query", query)], headers={"Accept": RESULTS_JSON})
        _check_answer(response, endpoint.name, RESULTS_JSON)
        try:
            found = pyoxigraph.parse_query_results(response.content, format=pyoxigraph.QueryResultsFormat.JSON)
            rows = list(found) if isinstance(found, pyoxigraph.QuerySolutions) else []
        except (SyntaxError, ValueError) as err:
            raise _bad_answer(endpoint.name, err) from None
        return max((row["v"].value for row in rows), default=None)

    async def health(self) -> dict[str, Any]:
        try:
            await asyncio.to_thread(self.read_version)
        except AzkgError as err:
            return {"ok": False, "store": self.endpoint.name if self.endpoint else self.settings.store_url,
                    "error": str(err)}
        return {"ok": True, "store": self.endpoint.name if self.endpoint else self.settings.store_url}

    def mirror(self, folder: Path, version: str) -> Path:
        """A local copy of azkg's graphs as an embedded store (for the dumps, which stream from one),
        fetched again when the data version changed; the copy's CURRENT records the version it holds."""
        endpoint = self.endpoint
        assert endpoint is not None
        snapshot = current_snapshot(folder)
        if snapshot is not None and snapshot.source_sha256 == version:
            return folder
        with writing(folder) as writer:
            for graph in endpoint.graphs:
                node = pyoxigraph.NamedNode(graph)
                writer.drop_graph(node)
                writer.put_graph(node, self._graph_triples(graph), replace=True)
            writer.publish(version)
        return folder

    def _graph_triples(self, graph: str) -> list[pyoxigraph.Quad]:
        """The graph's triples, counted against the store's own count: Virtuoso cuts a CONSTRUCT at its
        ResultSetMaxRows without a sign."""
        endpoint = self.endpoint
        assert endpoint is not None
        expected = int(self._select_one(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"))
        query = f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"
        response = self._send("GET", endpoint.query_url, deadline_at=time.monotonic() + WRITE_SECONDS,
                              name=endpoint.name, params=[("query", query)], headers={"Accept": N_TRIPLES})
        _check_answer(response, endpoint.name, N_TRIPLES)
        try:
            triples = pyoxigraph.parse(response.content, format=pyoxigraph.RdfFormat.N_TRIPLES)
            found = [pyoxigraph.Quad(t.subject, t.predicate, canonical(t.object)) for t in triples]
        except SyntaxError as err:
            raise _bad_answer(endpoint.name, err) from None
        if len(found) < expected:
            raise StoreAnswerError(
                f"{endpoint.name} sent {len(found)} of the {expected} triples of <{graph}>: it cut its answer "
                "(Virtuoso: raise ResultSetMaxRows above the largest graph)"
            )
        return found

    # --- writes: each passes through with the store's credentials, then bumps the data version

    def send_update(self, text: str) -> None:
        """A SPARQL Update sent to the store as written (azkg's prologue already in it)."""
        self._update(text)
        self.bump_version()

    def put_graph(self, graph: str, ntriples: bytes, replace: bool) -> None:
        self._check_owned(graph)
        self._load(graph, ntriples, replace)
        self.bump_version()

    def drop_graph(self, graph: str) -> bool:
        """True if the graph was there (and is now gone)."""
        self._check_owned(graph)
        existed = self._has_graph(graph)
        if existed:
            self._update(f"DROP SILENT GRAPH <{graph}>")
            self.bump_version()
        return existed

    def has_graph(self, graph: str) -> bool:
        return self._has_graph(graph)

    def bump_version(self) -> None:
        """A new data version, sortable by time: every front-end's caches are keyed by it."""
        version = f"{time.time_ns():020d}-{secrets.token_hex(4)}"
        self._update(
            f"DROP SILENT GRAPH <{META_GRAPH}> ;\n"
            f'INSERT DATA {{ GRAPH <{META_GRAPH}> {{ <{META_GRAPH}> <{VERSION}> "{version}" }} }}'
        )

    def publish(self, files: dict[str, list[Path]], progress: Any = None) -> int:
        """Put each graph's files into the store beside the live graphs, then switch them in one update, so
        that readers see the old data or the new, never half; a failure drops what was loaded beside and
        leaves the old data serving. The triples sent, in all."""
        token = secrets.token_hex(6)
        staged = {graph: f"{graph}/staging-{token}" for graph in files}
        sent = 0
        try:
            for graph, paths in files.items():
                sent += self._load_files(staged[graph], paths, progress)
            moves = " ;\n".join(f"MOVE SILENT <{staged[g]}> TO <{g}>" for g in files)
            self._update(moves)
        except BaseException:
            for graph in staged.values():
                with contextlib.suppress(AzkgError, httpx.HTTPError):
                    self._update(f"DROP SILENT GRAPH <{graph}>")
            raise
        self.bump_version()
        return sent

    def _load_files(self, graph: str, paths: list[Path], progress: Any) -> int:
        """The files as N-Triples, in parts of UPLOAD_TRIPLES (a store may refuse one huge body)."""
        sent, first, part = 0, True, []
        for path in paths:
            syntax = pyoxigraph.RdfFormat.from_extension(path.suffix.lstrip(".")) or pyoxigraph.RdfFormat.TURTLE
            try:
                for triple in pyoxigraph.parse(path=path, format=syntax, without_named_graphs=True):
                    part.append(pyoxigraph.Triple(triple.subject, triple.predicate, triple.object))
                    if len(part) >= UPLOAD_TRIPLES:
                        self._load(graph, _ntriples(part), replace=first)
                        sent, first, part = sent + len(part), False, []
                        if progress:
                            progress(sent)
            except SyntaxError as err:
                raise StoreAnswerError(f"{path}: not valid {syntax.name}: {err}") from None
        if part or first:  # a last part of none is sent only to create or empty the graph
            self._load(graph, _ntriples(part), replace=first)
        return sent + len(part)

    def _load(self, graph: str, ntriples: bytes, replace: bool) -> None:
        endpoint = self.endpoint
        assert endpoint is not None
        if endpoint.graph_store_url is None:  # no Graph Store: the same as SPARQL Update
            data = ntriples.decode()
            self._update((f"DROP SILENT GRAPH <{graph}> ;\n" if replace else "")
                         + f"INSERT DATA {{ GRAPH <{graph}> {{ {data} }} }}")
            return
        content_type = TURTLE if endpoint.kind == "virtuoso" else N_TRIPLES  # N-Triples is Turtle
        response = self._send(
            "PUT" if replace else "POST", endpoint.graph_store_url, deadline_at=time.monotonic() + WRITE_SECONDS,
            name=endpoint.name, params=[("graph", graph)], content=ntriples,
            headers={"Content-Type": content_type},
        )
        _check_write(response, endpoint.name)

    def _has_graph(self, graph: str) -> bool:
        endpoint = self.endpoint
        assert endpoint is not None
        response = self._send("GET", endpoint.query_url, deadline_at=time.monotonic() + self.settings.query_timeout,
                              name=endpoint.name, params=[("query", f"ASK {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}")],
                              headers={"Accept": RESULTS_JSON})
        _check_answer(response, endpoint.name, RESULTS_JSON)
        try:
            return bool(pyoxigraph.parse_query_results(response.content, format=pyoxigraph.QueryResultsFormat.JSON))
        except (SyntaxError, ValueError) as err:
            raise _bad_answer(endpoint.name, err) from None

    def _check_owned(self, graph: str) -> None:
        endpoint = self.endpoint
        assert endpoint is not None
        if graph not in endpoint.graphs:
            raise RequestError(
                f"graph <{graph}> is not one of the graphs azkg owns in its store (setting store_graphs: "
                f"{', '.join(endpoint.graphs)}); writes may touch only those"
            )

    def _update(self, text: str) -> None:
        endpoint = self.endpoint
        assert endpoint is not None
        response = self._send(
            "POST", endpoint.update_url, deadline_at=time.monotonic() + WRITE_SECONDS, name=endpoint.name,
            content=str(httpx.QueryParams([("update", text)])).encode(),
            headers={"Content-Type": FORM.media_type},
        )
        _check_write(response, endpoint.name)

    def _send(self, method: str, url: str, *, deadline_at: float, name: str, **options: Any) -> httpx.Response:
        try:
            return self.client.request(method, url, timeout=_timeout(deadline_at), **options)
        except httpx.HTTPError as err:
            raise _unreachable(name, err) from None


class _Stopped(Exception):
    """The job was abandoned (its deadline passed, or its client left): the thread stops."""


class _Channel:
    """The thread's side of a job: messages handed to the event loop, and the loop's word to stop."""

    def __init__(self, loop: asyncio.AbstractEventLoop):
        self.loop = loop
        self.inbox: asyncio.Queue = asyncio.Queue()
        self.stopped = threading.Event()

    def send(self, message: Answer) -> None:
        if self.stopped.is_set():
            raise _Stopped
        self.loop.call_soon_threadsafe(self.inbox.put_nowait, message)

    def send_last(self, message: Answer) -> None:
        with contextlib.suppress(_Stopped, RuntimeError):  # RuntimeError: the loop closed meanwhile
            self.send(message)


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


def _timeout(deadline_at: float) -> httpx.Timeout:
    left = max(deadline_at - time.monotonic(), 0.001)
    return httpx.Timeout(left, connect=min(CONNECT_SECONDS, left))


def _parse(response: httpx.Response, accept: str, name: str) -> Any:
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


def _check_answer(response: httpx.Response, name: str, expected: str, job: Job | None = None) -> None:
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


def _check_write(response: httpx.Response, name: str) -> None:
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


def _unreachable(name: str, err: httpx.HTTPError, job: Job | None = None) -> AzkgError:
    if isinstance(err, httpx.TimeoutException) and job is not None and job.deadline.expired():
        return job.deadline.error()
    if isinstance(err, httpx.TimeoutException):
        return StoreUnavailableError(f"{name} did not answer in time ({type(err).__name__})")
    return StoreUnavailableError(f"{name} cannot be reached: {err or type(err).__name__}")


def _bad_answer(name: str, err: Exception, job: Job | None = None) -> AzkgError:
    if job is not None and job.deadline.expired():
        return job.deadline.error()
    return StoreAnswerError(f"{name} sent an answer that is not complete SPARQL results: {err}")


def _ntriples(triples: list[pyoxigraph.Triple]) -> bytes:
    return pyoxigraph.serialize(triples, format=pyoxigraph.RdfFormat.N_TRIPLES) or b""
