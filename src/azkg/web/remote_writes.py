"""The writes of /update and /store over a remote store: checked and shaped here as the embedded
store's are (the dataset of an update, the syntax of an upload), then passed to the store with its
credentials (azkg.store.remote), one at a time per process; each bumps the data version.

A store holds more than azkg's graphs (Virtuoso's system graphs; its own default graph, which azkg
never reads), so an update may write only the graphs azkg owns (setting store_graphs), named: one that
writes the default graph, a graph chosen by a variable, or DROP ALL, is refused before the store sees it.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import pyoxigraph
from rdflib import URIRef

from azkg.errors import RequestError
from azkg.sparql.evaluation import update
from azkg.store.remote import RemoteStore
from azkg.store.remote_protocol import with_prologue
from azkg.web.update_dataset import operations, with_dataset
from azkg.web.write_process import DeleteJob, Job, UpdateJob, UploadJob

DEFAULT_GRAPH = (
    "a remote store's default graph is not azkg's: name one of the graphs azkg owns there "
    "(setting store_graphs) with ?graph=..."
)


async def remote_write(store: RemoteStore, job: Job) -> bool:
    """The write applied; for an upload, whether the graph is new; for a delete, whether it existed."""
    return await asyncio.to_thread(_apply, store, job)


def _apply(store: RemoteStore, job: Job) -> bool:
    if isinstance(job, UpdateJob):
        text = with_dataset(job.text, job.using, job.using_named) if job.using or job.using_named else job.text
        check_graphs(text, job.base_iri, store.settings.owned_graphs)
        store.send_update(with_prologue(text, job.base_iri))
        return True
    if job.graph is None:
        raise RequestError(DEFAULT_GRAPH)
    if isinstance(job, DeleteJob):
        return store.drop_graph(job.graph)
    return _upload(store, job)


def check_graphs(text: str, base_iri: str, owned: tuple[str, ...]) -> None:
    """Refuse an update that writes anything but the graphs azkg owns, named. pyoxigraph parses it first
    (its messages, as the embedded store gives them; run on an empty store in memory), then rdflib's
    parse says which graphs each operation writes."""
    with contextlib.suppress(ValueError, RuntimeError, OSError):  # what it does to an empty store is no matter
        update(pyoxigraph.Store(), text, base_iri)  # a malformed one raises QueryError
    for operation in operations(with_prologue(text, base_iri)):
        for graph in _written(operation):
            if graph not in owned:
                shown = "the default graph" if graph is None else f"<{graph}>" if graph != "*" else "every graph"
                raise RequestError(
                    f"the update writes {shown}, which is not one of the graphs azkg owns in its store "
                    f"(setting store_graphs: {', '.join(owned)}); name one of them (GRAPH <...> or WITH <...>)"
                )


def _written(operation: Any) -> list[str | None]:
    """The graphs an operation writes: an IRI, None for the default graph, "*" for a graph not named."""
    name = operation.name
    if name in ("InsertData", "DeleteData", "DeleteWhere"):
        return _quad_graphs(operation["quads"], None)
    if name == "Modify":
        default = _graph(operation["withClause"]) if "withClause" in operation else None
        return [g for clause in ("delete", "insert") if clause in operation
                for g in _quad_graphs(operation[clause]["quads"], default)]
    if name in ("Add", "Move", "Copy"):
        return [_graph(operation["graph"][-1])] + ([_graph(operation["graph"][0])] if name == "Move" else [])
    if "graphiri" in operation:  # Clear, Drop, Create, Load
        return [_graph(operation["graphiri"])]
    return [None]  # LOAD without INTO: the default graph


def _quad_graphs(quads: Any, default: str | None) -> list[str | None]:
    found: list[str | None] = [default] if "triples" in quads else []
    blocks = quads["quadsNotTriples"] if "quadsNotTriples" in quads else []  # noqa: SIM401  # rdflib's get answers the key
    return found + [_graph(block["term"]) for block in blocks]


def _graph(term: Any) -> str | None:
    if isinstance(term, URIRef):
        return str(term)
    return None if term == "DEFAULT" else "*"  # ALL, NAMED, a variable


def _upload(store: RemoteStore, job: UploadJob) -> bool:
    assert job.graph is not None
    try:
        quads = pyoxigraph.parse(job.body, format=pyoxigraph.RdfFormat.from_media_type(job.format),
                                 without_named_graphs=True)
        triples = [pyoxigraph.Triple(q.subject, q.predicate, q.object) for q in quads]
    except SyntaxError as err:
        raise RequestError(f"the body is not valid {job.media_type}: {err}") from None
    existed = store.has_graph(job.graph)
    if not triples and not existed and job.replace is False:
        return False
    body = pyoxigraph.serialize(triples, format=pyoxigraph.RdfFormat.N_TRIPLES) or b""
    store.put_graph(job.graph, body, job.replace)
    return bool(triples) and not existed
