"""Writing: SPARQL 1.1 Update at /update and the Graph Store Protocol's writing half at /store.

Read-only unless the update_token setting is set; then a write needs `Authorization: Bearer
<token>`. Writes go to the store's primary database one at a time; each is published as a new
snapshot before the response is sent, so it is durable then, and readers (who read snapshots
only) see all of it or none of it.
"""

from __future__ import annotations

import asyncio
import hmac

import pyoxigraph
from fastapi import APIRouter, Request
from starlette.responses import Response

from azkg.errors import ForbiddenError, NotFoundError, RequestError, UnauthorizedError, UnsupportedMediaTypeError
from azkg.query_text import scan
from azkg.settings import ServiceSettings
from azkg.store import writing
from azkg.web.graph_params import target_graph
from azkg.web.request_body import decode_params, only, read_body, utf8

router = APIRouter(tags=["writes"])

UPLOAD_TYPES = {
    "text/turtle": pyoxigraph.RdfFormat.TURTLE,
    "application/n-triples": pyoxigraph.RdfFormat.N_TRIPLES,
    "application/ld+json": pyoxigraph.RdfFormat.JSON_LD,
    "application/rdf+xml": pyoxigraph.RdfFormat.RDF_XML,
    "text/n3": pyoxigraph.RdfFormat.N3,
}


def require_token(request: Request) -> None:
    settings: ServiceSettings = request.app.state.service
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
async def sparql_update(request: Request) -> Response:
    require_token(request)
    settings: ServiceSettings = request.app.state.service
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    body = await read_body(request, settings.max_body_bytes)
    if media_type == "application/x-www-form-urlencoded":
        text = only(decode_params(body, "the form body"), "update")
    elif media_type == "application/sparql-update":
        text = utf8(body, "the request body")
    else:
        raise UnsupportedMediaTypeError(
            "an update is sent as application/x-www-form-urlencoded (update=...) "
            f"or application/sparql-update, not '{media_type}'"
        )
    shape = scan(text)
    if shape.depth > settings.max_query_depth:
        raise RequestError(
            f"the update is nested {shape.depth} levels deep; the limit is "
            f"{settings.max_query_depth} (setting max_query_depth)"
        )
    if shape.uses_service and not settings.allow_service:
        raise RequestError(
            "LOAD and SERVICE are disabled: the server sends no requests to other URLs (setting allow_service)"
        )
    await _write(request, lambda writer: writer.update(text))
    return Response(status_code=204)


@router.put("/store", summary="Graph Store Protocol: replace a graph (needs the bearer token)")
async def store_put(request: Request) -> Response:
    return await _upload(request, replace=True)


@router.post("/store", summary="Graph Store Protocol: add to a graph (needs the bearer token)")
async def store_post(request: Request) -> Response:
    return await _upload(request, replace=False)


@router.delete("/store", summary="Graph Store Protocol: delete a graph (needs the bearer token)")
async def store_delete(request: Request) -> Response:
    require_token(request)
    graph = target_graph(request)
    existed = await _write(request, lambda writer: writer.drop_graph(graph))
    if not existed:
        raise NotFoundError(f"there is no graph {_name(graph)}")
    return Response(status_code=204)


async def _upload(request: Request, replace: bool) -> Response:
    require_token(request)
    graph = target_graph(request)
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type not in UPLOAD_TYPES:
        raise UnsupportedMediaTypeError(f"send the graph as one of: {', '.join(UPLOAD_TYPES)} (not '{media_type}')")
    body = await read_body(request, request.app.state.service.max_body_bytes)
    try:  # parse all before writing anything, so a bad body changes nothing
        quads = list(pyoxigraph.parse(body, format=UPLOAD_TYPES[media_type]))
    except SyntaxError as err:
        raise RequestError(f"the body is not valid {media_type}: {err}") from None
    created = await _write(request, lambda writer: writer.put_graph(graph, quads, replace))
    return Response(status_code=201 if created else 204)


async def _write(request: Request, change):
    """Run one change off the event loop, one at a time (across processes too), and publish it."""
    store_dir = request.app.state.store_dir
    async with request.app.state.write_lock:

        def apply():
            with writing(store_dir) as writer:
                result = change(writer)
                writer.publish(request.app.state.source_sha256)
                return result

        return await asyncio.to_thread(apply)


def _name(graph: object) -> str:
    return "(the default graph)" if isinstance(graph, pyoxigraph.DefaultGraph) else f"<{graph.value}>"
