"""Writing: SPARQL 1.1 Update at /update and the Graph Store Protocol's writing half at /store.

Read-only unless the update_token setting is set; then a write needs `Authorization: Bearer
<token>`. Writes go to the store's primary database one at a time; each is published as a new
snapshot before the response is sent, so it is durable then, and readers (who read snapshots
only) see all of it or none of it. Each write is parsed and applied in a confined child process
(write_process): what a crafted body does to a parser happens there, not in the service.
"""

from __future__ import annotations

import hmac
import re
from typing import TYPE_CHECKING, Any, cast

import pyoxigraph
from fastapi import APIRouter, Request
from starlette.responses import Response

from azkg.errors import ForbiddenError, NotFoundError, RequestError, UnauthorizedError, UnsupportedMediaTypeError
from azkg.settings import ServiceSettings
from azkg.sparql.formats import FORM, SPARQL_UPDATE, UPLOAD_OFFER
from azkg.sparql.query_text import scan
from azkg.web.deps import ServicesDep
from azkg.web.graph_params import target_graph
from azkg.web.request_body import decode_params, only, read_body, utf8
from azkg.web.services import Services
from azkg.web.write_process import LOAD_DISABLED, DeleteJob, Job, UpdateJob, UploadJob, WriteLimits, run_write

if TYPE_CHECKING:  # made only over a remote store (azkg.web.app)
    from azkg.store.remote import RemoteStore

router = APIRouter(tags=["writes"])



def require_token(request: Request, settings: ServiceSettings) -> None:
    if settings.update_token is None:
        raise ForbiddenError(
            "this service is read-only: writes are enabled by the setting update_token "
            "(environment variable AZKG_UPDATE_TOKEN)"
        )
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise UnauthorizedError(
            "writes need the header 'Authorization: Bearer <token>'", {"WWW-Authenticate": 'Bearer realm="azkg"'}
        )
    if not hmac.compare_digest(token.strip().encode(), settings.update_token.encode()):
        raise ForbiddenError("the bearer token is not valid for writes")


@router.post("/update", summary="SPARQL 1.1 Update (needs the bearer token)")
async def sparql_update(request: Request, services: ServicesDep) -> Response:
    settings = services.service
    require_token(request, settings)
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    body = await read_body(request, settings.max_body_bytes)
    if media_type == FORM.media_type:
        params = decode_params(body, "the form body")
        text = only(params, "update")
    elif media_type == SPARQL_UPDATE.media_type:
        params = decode_params(request.url.query.encode("ascii", "replace"), "the query string")
        text = utf8(body, "the request body")
    else:
        raise UnsupportedMediaTypeError(
            f"an update is sent as {FORM.media_type} (update=...) "
            f"or {SPARQL_UPDATE.media_type}, not '{media_type}'"
        )
    shape = scan(text)
    if shape.depth > settings.max_query_depth:
        raise RequestError(
            f"the update is nested {shape.depth} levels deep; the limit is "
            f"{settings.max_query_depth} (setting max_query_depth)"
        )
    if shape.uses_service and not settings.allow_service:  # a courtesy: the write process has no network
        raise RequestError(LOAD_DISABLED)
    using, using_named = _update_dataset(params)
    await _write(services, UpdateJob(text, settings.base_iri, using, using_named))
    return Response(status_code=204)


def _update_dataset(params: list[tuple[str, str]]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """using-graph-uri and using-named-graph-uri: each an absolute IRI, else 400 naming the parameter."""
    found: dict[str, list[str]] = {"using-graph-uri": [], "using-named-graph-uri": []}
    for key, value in params:
        if key in found:
            try:
                found[key].append(pyoxigraph.NamedNode(value).value)
            except ValueError:
                raise RequestError(f"{key}={value!r} is not an absolute IRI") from None
    return tuple(found["using-graph-uri"]), tuple(found["using-named-graph-uri"])


@router.put("/store", summary="Graph Store Protocol: replace a graph (needs the bearer token)")
async def store_put(request: Request, services: ServicesDep) -> Response:
    return await _upload(request, services, replace=True)


@router.post("/store", summary="Graph Store Protocol: add to a graph (needs the bearer token)")
async def store_post(request: Request, services: ServicesDep) -> Response:
    return await _upload(request, services, replace=False)


@router.delete("/store", summary="Graph Store Protocol: delete a graph (needs the bearer token)")
async def store_delete(request: Request, services: ServicesDep) -> Response:
    require_token(request, services.service)
    graph = target_graph(request)
    existed = await _write(services, DeleteJob(_iri(graph)))
    if not existed:
        raise NotFoundError(f"there is no graph {_name(graph)}")
    return Response(status_code=204)


async def _upload(request: Request, services: Services, replace: bool) -> Response:
    require_token(request, services.service)
    graph = target_graph(request)
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type not in UPLOAD_OFFER.media_types:
        types = ", ".join(UPLOAD_OFFER.media_types)
        raise UnsupportedMediaTypeError(f"send the graph as one of: {types} (not '{media_type}')")
    syntax = UPLOAD_OFFER.format_of(media_type)
    body = await read_body(request, services.service.max_body_bytes)
    if syntax.name == "rdfxml" and ENTITY_DECLARATION.search(body):
        raise RequestError("the RDF/XML body declares entities (<!ENTITY ...>); they are not accepted here")
    format_type = syntax.rdf_format.media_type
    created = await _write(services, UploadJob(_iri(graph), body, media_type, format_type, replace))
    return Response(status_code=201 if created else 204)  # an empty body creates no graph: 204, and GET 404s


# entity expansion is how a 1 KB RDF/XML body asks for gigabytes ("billion laughs"); the write
# process's memory bound (write_memory_mb) is the backstop for every format
ENTITY_DECLARATION = re.compile(rb"<!ENTITY", re.IGNORECASE)


async def _write(services: Services, job: Job) -> bool:
    """Run one write in a confined child process, one at a time (the file lock serialises processes);
    over a remote store, pass it to the store."""
    settings = services.service
    if settings.remote:
        from azkg.web.remote_writes import remote_write  # only over a remote store: rdflib and httpx cost start-up

        async with services.write_lock:
            return await remote_write(cast("RemoteStore", services.pool), job)
    limits = WriteLimits(services.store_dir, settings.write_memory_mb * 1024 * 1024,
                         settings.allow_service, services.source_sha256)
    async with services.write_lock:
        return await run_write(job, limits)


def _iri(graph: pyoxigraph.NamedNode | pyoxigraph.DefaultGraph) -> str | None:
    return None if isinstance(graph, pyoxigraph.DefaultGraph) else graph.value


def _name(graph: Any) -> str:
    return "(the default graph)" if isinstance(graph, pyoxigraph.DefaultGraph) else f"<{graph.value}>"
