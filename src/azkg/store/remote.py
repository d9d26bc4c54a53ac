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
import secrets
import threading
import time
import urllib.parse
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pyoxigraph

from azkg.errors import (
    AzkgError,
    EvaluationError,
    RequestError,
    StoreAnswerError,
    StoreError,
    StoreUnavailableError,
)
from azkg.settings import ServiceSettings
from azkg.sparql.evaluation import evaluate
from azkg.sparql.formats import FORM
from azkg.store.answering import send_results
from azkg.store.messages import LAST, Answer, Failed, Job
from azkg.store.remote_protocol import (
    N_TRIPLES,
    RESULTS_JSON,
    TURTLE,
    Endpoint,
    Params,
    auth_of,
    bad_answer,
    canonical,
    check_answer,
    check_write,
    endpoint_of,
    ntriples,
    parse_answer,
    query_params,
    timeout_of,
    unreachable,
)
from azkg.store.snapshots import current_snapshot, writing
from azkg.store.telemetry import Telemetry

log = logging.getLogger(__name__)

META_GRAPH = "https://w3id.org/azkg/graph/meta"  # azkg's own bookkeeping in the store; never in the dataset
VERSION = META_GRAPH + "#version"
PROBE_SECONDS = 10.0
WRITE_SECONDS = 600.0  # a write or a publish may take long on a big store; it has no deadline of its own
UPLOAD_TRIPLES = 200_000  # triples per request when a graph is loaded in parts


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
        check_answer(response, name, RESULTS_JSON)
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
        endpoint = self._endpoint()
        try:
            accept = N_TRIPLES if self._parse_locally(job) else RESULTS_JSON
            params = query_params(job, endpoint)
            with self._stream(job, endpoint, params, accept) as response:
                check_answer(response, endpoint.name, accept, job)
                term = canonical if endpoint.kind == "virtuoso" else None  # its booleans; no cost for others
                send_results(channel, parse_answer(response, accept, endpoint.name), job, term)
        except _Stopped:
            return
        except AzkgError as err:
            channel.send_last(Failed.of(err))
        except (SyntaxError, ValueError) as err:  # pyoxigraph's, reading the store's answer
            channel.send_last(Failed.of(bad_answer(endpoint.name, err, job)))
        except httpx.HTTPError as err:
            channel.send_last(Failed.of(unreachable(endpoint.name, err, job)))
        except OSError as err:
            channel.send_last(Failed.of(StoreUnavailableError(f"{endpoint.name}: {err}")))
        except Exception as err:  # the thread's top level: the caller gets an answer, not a wait for its deadline
            log.exception("a query to %s failed", endpoint.name)
            channel.send_last(Failed.of(EvaluationError(f"the query to {endpoint.name} failed: {err}")))

    def _parse_locally(self, job: Job) -> bool:
        """Whether the query's answer is a graph (CONSTRUCT, DESCRIBE). A malformed query is refused here,
        with the embedded store's message (line and column of the text as sent to azkg), before the store
        spends anything on it: pyoxigraph parses it against an empty store, and its results are never read."""
        results = evaluate(self._empty, job.query, bindings=dict(job.bindings), dataset=job.dataset,
                           base_iri=job.base_iri)
        return isinstance(results, pyoxigraph.QueryTriples)

    @contextlib.contextmanager
    def _stream(self, job: Job, endpoint: Endpoint, params: Params, accept: str) -> Iterator[httpx.Response]:
        """The query sent as a form POST (the protocol's second way; Virtuoso 7.2 never answers the third, a
        raw sparql-query body): the text goes in the body, which httpx does not parse as it does a URL."""
        body = urllib.parse.urlencode(params).encode()
        request = self.client.build_request(
            "POST", endpoint.query_url, content=body, timeout=timeout_of(job.deadline.at),
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
        endpoint = self._endpoint()
        graphs = " ".join(f"<{graph}>" for graph in endpoint.graphs)
        query = f"SELECT (COUNT(*) AS ?n) WHERE {{ VALUES ?g {{ {graphs} }} GRAPH ?g {{ ?s ?p ?o }} }}"
        return int(self._select_one(query))

    def _select_one(self, query: str) -> str:
        """The first value of the first row of a SELECT of azkg's own."""
        rows = self._own_query(query, WRITE_SECONDS)
        if not rows or rows[0][0] is None:
            raise StoreAnswerError(f"{self._endpoint().name} answered a count with no row")
        return rows[0][0].value

    def read_version(self) -> str | None:
        query = f"SELECT ?v WHERE {{ GRAPH <{META_GRAPH}> {{ <{META_GRAPH}> <{VERSION}> ?v }} }}"
        rows = self._own_query(query, self.settings.query_timeout)
        return max((row[0].value for row in rows if row[0] is not None), default=None)

    def _own_query(self, query: str, seconds: float) -> Any:
        """The rows (or the boolean) of a query of azkg's own, sent as written, parsed whole (they are small)."""
        endpoint = self._endpoint()
        response = self._send("POST", endpoint.query_url, deadline_at=time.monotonic() + seconds, name=endpoint.name,
                              content=urllib.parse.urlencode([("query", query)]).encode(),
                              headers={"Accept": RESULTS_JSON, "Content-Type": FORM.media_type})
        check_answer(response, endpoint.name, RESULTS_JSON)
        try:
            found = pyoxigraph.parse_query_results(response.content, format=pyoxigraph.QueryResultsFormat.JSON)
            return bool(found) if isinstance(found, pyoxigraph.QueryBoolean) else list(found)
        except (SyntaxError, ValueError) as err:
            raise bad_answer(endpoint.name, err) from None

    def _endpoint(self) -> Endpoint:
        assert self.endpoint is not None, "probe() first"
        return self.endpoint

    async def health(self) -> dict[str, Any]:
        store = self.endpoint.name if self.endpoint else self.settings.store_url
        try:
            await asyncio.to_thread(self.read_version)
        except AzkgError as err:
            return {"ok": False, "store": store, "error": str(err)}
        return {"ok": True, "store": store}

    def mirror(self, folder: Path, version: str) -> Path:
        """A local copy of azkg's graphs as an embedded store (for the dumps, which stream from one),
        fetched again when the data version changed; the copy's CURRENT records the version it holds."""
        endpoint = self._endpoint()
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
        endpoint = self._endpoint()
        expected = int(self._select_one(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"))
        query = f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"
        response = self._send("GET", endpoint.query_url, deadline_at=time.monotonic() + WRITE_SECONDS,
                              name=endpoint.name, params=[("query", query)], headers={"Accept": N_TRIPLES})
        check_answer(response, endpoint.name, N_TRIPLES)
        try:
            triples = pyoxigraph.parse(response.content, format=pyoxigraph.RdfFormat.N_TRIPLES)
            found = [pyoxigraph.Quad(t.subject, t.predicate, canonical(t.object)) for t in triples]
        except SyntaxError as err:
            raise bad_answer(endpoint.name, err) from None
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

    def put_graph(self, graph: str, body: bytes, replace: bool) -> None:
        """Replace or add to the graph with `body`, N-Triples."""
        self._check_owned(graph)
        self._load(graph, body, replace)
        self.bump_version()

    def drop_graph(self, graph: str) -> bool:
        """True if the graph was there (and is now gone)."""
        self._check_owned(graph)
        existed = self.has_graph(graph)
        if existed:
            self._update(f"DROP SILENT GRAPH <{graph}>")
            self.bump_version()
        return existed

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
                        self._load(graph, ntriples(part), replace=first)
                        sent, first, part = sent + len(part), False, []
                        if progress:
                            progress(sent)
            except SyntaxError as err:
                raise StoreError(f"{path}: not valid {syntax.name}: {err}") from None
        if part or first:  # a last part of none is sent only to create or empty the graph
            self._load(graph, ntriples(part), replace=first)
        return sent + len(part)

    def _load(self, graph: str, body: bytes, replace: bool) -> None:
        endpoint = self._endpoint()
        if endpoint.graph_store_url is None:  # no Graph Store: the same as SPARQL Update
            data = body.decode()
            self._update((f"DROP SILENT GRAPH <{graph}> ;\n" if replace else "")
                         + f"INSERT DATA {{ GRAPH <{graph}> {{ {data} }} }}")
            return
        content_type = TURTLE if endpoint.kind == "virtuoso" else N_TRIPLES  # N-Triples is Turtle
        response = self._send(
            "PUT" if replace else "POST", endpoint.graph_store_url, deadline_at=time.monotonic() + WRITE_SECONDS,
            name=endpoint.name, params=[("graph", graph)], content=body,
            headers={"Content-Type": content_type},
        )
        check_write(response, endpoint.name)

    def has_graph(self, graph: str) -> bool:
        return bool(self._own_query(f"ASK {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}", self.settings.query_timeout))

    def _check_owned(self, graph: str) -> None:
        endpoint = self._endpoint()
        if graph not in endpoint.graphs:
            raise RequestError(
                f"graph <{graph}> is not one of the graphs azkg owns in its store (setting store_graphs: "
                f"{', '.join(endpoint.graphs)}); writes may touch only those"
            )

    def _update(self, text: str) -> None:
        endpoint = self._endpoint()
        response = self._send(
            "POST", endpoint.update_url, deadline_at=time.monotonic() + WRITE_SECONDS, name=endpoint.name,
            content=urllib.parse.urlencode([("update", text)]).encode(),
            headers={"Content-Type": FORM.media_type},
        )
        check_write(response, endpoint.name)

    def _send(self, method: str, url: str, *, deadline_at: float, name: str, **options: Any) -> httpx.Response:
        try:
            return self.client.request(method, url, timeout=timeout_of(deadline_at), **options)
        except httpx.HTTPError as err:
            raise unreachable(name, err) from None


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


