"""The SPARQL 1.1 Protocol, query side, at /sparql: GET, POST form, POST sparql-query."""

from __future__ import annotations

import time
from dataclasses import dataclass

from fastapi import APIRouter, Request
from starlette.responses import Response, StreamingResponse

from azkg.errors import (
    NotAcceptableError,
    PayloadTooLargeError,
    QueryError,
    RequestError,
    UnsupportedMediaTypeError,
)
from azkg.negotiation import ASK_TYPES, GRAPH_TYPES, SELECT_TYPES, choose
from azkg.pool import QueryPool
from azkg.query_text import scan
from azkg.results import GRAPH_MEDIA
from azkg.settings import ServiceSettings
from azkg.web.answers import FORMAT_NAMES, body_chunks, client_address, first_message
from azkg.web.request_body import decode_params, only, read_body, utf8
from azkg.web.service_description import as_format, service_description
from azkg.worker import Job

router = APIRouter(tags=["sparql"])

OFFERED = {"SELECT": SELECT_TYPES, "ASK": ASK_TYPES, "CONSTRUCT": GRAPH_TYPES, "DESCRIBE": GRAPH_TYPES}
DESCRIPTION_TYPES = ("text/turtle", "application/n-triples", "application/ld+json", "application/rdf+xml")
ALLOW = "GET, HEAD, POST, OPTIONS"


@dataclass(frozen=True)
class QueryRequest:
    query: str
    params: list[tuple[str, str]]  # every parameter, for the dataset and the per-request limits

    def all(self, name: str) -> tuple[str, ...]:
        return tuple(value for key, value in self.params if key == name)

    def one(self, name: str) -> str | None:
        values = self.all(name)
        return values[-1] if values else None


@router.api_route(
    "/sparql", methods=["GET", "HEAD"], summary="SPARQL query (GET), or the service description without a query"
)
async def sparql_get(request: Request) -> Response:
    params = decode_params(request.scope.get("query_string", b""), "the URL's query string")
    if not any(key == "query" for key, _ in params):
        if any(key == "update" for key, _ in params):
            raise RequestError("SPARQL Update is not accepted at /sparql; send it with POST to /update")
        return _description(request)
    return await _answer(request, QueryRequest(only(params, "query"), params))


@router.post("/sparql", summary="SPARQL query (POST form or application/sparql-query)")
async def sparql_post(request: Request) -> Response:
    settings: ServiceSettings = request.app.state.service
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    body = await read_body(request, settings.max_body_bytes)
    url_params = decode_params(request.scope.get("query_string", b""), "the URL's query string")
    if media_type == "application/x-www-form-urlencoded":
        params = decode_params(body, "the form body") + url_params
        if any(key == "update" for key, _ in params):
            raise RequestError("SPARQL Update is not accepted at /sparql; send it with POST to /update")
        return await _answer(request, QueryRequest(only(params, "query"), params))
    if media_type == "application/sparql-query":
        return await _answer(request, QueryRequest(utf8(body, "the request body"), url_params))
    if media_type == "application/sparql-update":
        raise RequestError("SPARQL Update is not accepted at /sparql; send it with POST to /update")
    raise UnsupportedMediaTypeError(
        f"a query is sent as application/x-www-form-urlencoded or application/sparql-query, not '{media_type}'"
    )


@router.options("/sparql", include_in_schema=False)
async def sparql_options() -> Response:
    return Response(status_code=204, headers={"Allow": ALLOW})


async def _answer(request: Request, asked: QueryRequest) -> Response:
    return await answer(request.app.state, request.headers.get("accept"), asked, client_address(request.scope))


async def answer(state, accept: str | None, asked: QueryRequest, client: str = "") -> Response:
    """The answer to a query as a response, from the app's state (settings, pool) and the Accept header
    alone, so that the fast path of `fast_sparql` and the routes above share it."""
    settings: ServiceSettings = state.service
    pool: QueryPool = state.pool
    shape = _check(asked.query, settings)
    media_type = _media_type(accept, asked, OFFERED.get(shape.form or "SELECT", SELECT_TYPES))
    timeout = _tightened(asked.one("timeout"), settings.query_timeout, "timeout", float)
    max_rows = _tightened(asked.one("max_rows"), settings.max_rows, "max_rows", int)
    job = Job(
        asked.query,
        media_type,
        max_rows,
        time.time() + timeout,
        default_graphs=asked.all("default-graph-uri"),
        named_graphs=asked.all("named-graph-uri"),
    )
    messages = pool.run(job, timeout, client=client)
    first = await first_message(messages, timeout)
    headers = {"Vary": "Accept", "X-Azkg-Max-Rows": str(max_rows)}
    if first[2] is not None:
        headers["X-Azkg-Truncated"] = "true" if first[2] else "false"
    content_type = media_type + ("; charset=utf-8" if media_type.startswith("text/") else "")
    if first[0] == "whole":
        return Response(first[3], media_type=content_type, headers=headers)
    return StreamingResponse(body_chunks(messages), media_type=content_type, headers=headers)


def _check(query: str, settings: ServiceSettings):
    if len(query) > settings.max_query_length:
        raise PayloadTooLargeError(
            f"the query has {len(query)} characters; the limit is {settings.max_query_length} "
            "(setting max_query_length)"
        )
    shape = scan(query)
    if shape.depth > settings.max_query_depth:
        raise QueryError(
            f"the query is nested {shape.depth} levels deep; the limit is {settings.max_query_depth} "
            "(setting max_query_depth)"
        )
    if shape.is_update:
        raise RequestError("SPARQL Update is not accepted at /sparql; send it with POST to /update")
    if shape.uses_service and not settings.allow_service:
        raise RequestError(
            "SERVICE is disabled on this endpoint: the server sends no requests to other "
            "endpoints (setting allow_service)"
        )
    return shape


def _media_type(accept: str | None, asked: QueryRequest, offered: tuple[str, ...]) -> str:
    name = asked.one("format")
    if name is not None:
        media_type = FORMAT_NAMES.get(name.lower(), name.lower())
        if media_type not in offered:
            raise NotAcceptableError(f"format '{name}' cannot carry this answer; use one of: {', '.join(offered)}")
        return media_type
    chosen = choose(accept, offered)
    if chosen is None:
        raise NotAcceptableError(f"none of the accepted types fits this answer; acceptable: {', '.join(offered)}")
    return chosen


def _tightened(raw: str | None, limit: float, name: str, kind: type) -> float:
    """A per-request limit may lower the setting, never raise it."""
    if raw is None:
        return limit
    try:
        value = kind(raw)
    except ValueError:
        raise RequestError(f"parameter {name}={raw!r} is not a number") from None
    if value <= 0:
        raise RequestError(f"parameter {name} must be greater than 0")
    return min(value, limit)


def _description(request: Request) -> Response:
    media_type = choose(request.headers.get("accept"), DESCRIPTION_TYPES)
    if media_type is None:
        raise NotAcceptableError(f"the service description is available as: {', '.join(DESCRIPTION_TYPES)}")
    endpoint = str(request.url.replace(query=""))
    text = service_description(endpoint, request.app.state.service.allow_service)
    return Response(as_format(text, GRAPH_MEDIA[media_type]), media_type=media_type, headers={"Vary": "Accept"})
