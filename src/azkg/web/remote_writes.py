"""The writes of /update and /store over a remote store: checked and shaped here as the embedded
store's are (the dataset of an update, the syntax of an upload), then passed to the store with its
credentials (azkg.store.remote), one at a time per process; each bumps the data version."""

from __future__ import annotations

import asyncio

import pyoxigraph

from azkg.errors import RequestError
from azkg.store.remote import RemoteStore, with_prologue
from azkg.web.update_dataset import with_dataset
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
        store.send_update(with_prologue(text, job.base_iri))
        return True
    if job.graph is None:
        raise RequestError(DEFAULT_GRAPH)
    if isinstance(job, DeleteJob):
        return store.drop_graph(job.graph)
    return _upload(store, job)


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
