"""The SPARQL 1.1 Protocol, query side, at /sparql: GET, POST form, POST sparql-query."""

from __future__ import annotations

import asyncio
import math
import time
from dataclasses import dataclass

import pyoxigraph
from fastapi import APIRouter, Request
from starlette.responses import PlainTextResponse, Response, StreamingResponse

from azkg.errors import (
    NotAcceptableError,
    PayloadTooLargeError,
    QueryError,
    RequestError,
    ServiceDisabledError,
    UnsupportedMediaTypeError,
)
from azkg.settings import ServiceSettings
from azkg.sparql.negotiation import ALIASES, ASK_TYPES, GRAPH_TYPES, SELECT_TYPES, choose
from azkg.sparql.query_text import scan
from azkg.sparql.results import GRAPH_MEDIA
from azkg.store.pool import QueryPool
from azkg.store.worker import SERVICE_DISABLED, Job
from azkg.web.answers import FORMAT_NAMES, body_chunks, client_address, first_message
from azkg.web.deps import ServicesDep
from azkg.web.links import Links
from azkg.web.request_body import decode_params, only, read_body, utf8
from azkg.web.service_description import as_format, service_description
from azkg.web.services import Services

router = APIRouter(tags=["sparql"])

OFFERED = {"SELECT": SELECT_TYPES, "ASK": ASK_TYPES, "CONSTRUCT": GRAPH_TYPES, "DESCRIBE": GRAPH_TYPES}
DESCRIPTION_TYPES = ("text/turtle", "application/n-triples", "application/ld+json", "application/rdf+xml")
ALLOW = "GET, HEAD, POST, OPTIONS"
LEX_IN_THREAD = 10_000  # characters


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
async def sparql_get(request: Request, services: ServicesDep) -> Response:
    params = decode_params(request.scope.get("query_string", b""), "the URL's query string")
    if not any(key == "query" for key, _ in params):
        if any(key == "update" for key, _ in params):
            raise RequestError("SPARQL Update is not accepted at /sparql; send it with POST to /update")
        if params:  # parameters of a query without the query: a client's mistake, not a wish for the description
            raise RequestError(f"the 'query' parameter is missing (got {', '.join(sorted({k for k, _ in params}))})")
        return _description(request, services.service)
    return await _answer(request, services, QueryRequest(only(params, "query"), params))


@router.post("/sparql", summary="SPARQL query (POST form or application/sparql-query)")
async def sparql_post(request: Request, services: ServicesDep) -> Response:
    settings = services.service
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    body = await read_body(request, settings.max_body_bytes)
    url_params = decode_params(request.scope.get("query_string", b""), "the URL's query string")
    if media_type == "application/x-www-form-urlencoded":
        params = decode_params(body, "the form body") + url_params
        if any(key == "update" for key, _ in params):
            raise RequestError("SPARQL Update is not accepted at /sparql; send it with POST to /update")
        return await _answer(request, services, QueryRequest(only(params, "query"), params))
    if media_type == "application/sparql-query":
        return await _answer(request, services, QueryRequest(utf8(body, "the request body"), url_params))
    if media_type == "application/sparql-update":
        raise RequestError("SPARQL Update is not accepted at /sparql; send it with POST to /update")
    raise UnsupportedMediaTypeError(
        f"a query is sent as application/x-www-form-urlencoded or application/sparql-query, not '{media_type}'"
    )


@router.get("/sparql/truncated", summary="What a truncation link in a SPARQL answer means")
async def truncated(max_rows: int | None = None) -> PlainTextResponse:
    limit = f"{max_rows} rows" if max_rows else "the row limit"
    return PlainTextResponse(
        f"This answer was cut at {limit} (setting max_rows, AZKG_MAX_ROWS; a request may lower it with the "
        "max_rows parameter): the query has more results than the answer holds. Add a LIMIT and page with "
        "OFFSET, or narrow the query, to get every row. The X-Azkg-Truncated header says the same.\n"
    )


@router.options("/sparql", include_in_schema=False)
async def sparql_options() -> Response:
    return Response(status_code=204, headers={"Allow": ALLOW})


async def _answer(request: Request, services: Services, asked: QueryRequest) -> Response:
    return await answer(services, request.headers.get("accept"), asked, client_address(request.scope))


async def answer(state: Services, accept: str | None, asked: QueryRequest, client: str = "") -> Response:
    """The answer to a query as a response, from the app's services (settings, pool) and the Accept header
    alone, so that the fast path of `fast_sparql` and the routes above share it."""
    settings: ServiceSettings = state.service
    pool: QueryPool = state.pool
    if len(asked.query) > LEX_IN_THREAD:  # a long text takes the lexer tens of ms: not on the event loop
        shape = await asyncio.to_thread(_check, asked.query, settings)
    else:
        shape = _check(asked.query, settings)
    media_type = _media_type(accept, asked, OFFERED.get(shape.form or "SELECT", SELECT_TYPES))
    timeout = _tightened(asked.one("timeout"), settings.query_timeout, "timeout", float)
    max_rows = int(_tightened(asked.one("max_rows"), settings.max_rows, "max_rows", int))
    job = Job(
        asked.query,
        media_type,
        max_rows,
        time.time() + timeout,
        default_graphs=_iris(asked, "default-graph-uri"),
        named_graphs=_iris(asked, "named-graph-uri"),
        union_default_graph=not shape.has_dataset,
        base_iri=settings.base_iri,
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
    shape = scan(query, settings.max_query_depth)
    if shape.depth > settings.max_query_depth:
        raise QueryError(
            f"the query is nested {shape.depth} levels deep; the limit is {settings.max_query_depth} "
            "(setting max_query_depth)"
        )
    if shape.is_update:
        raise RequestError("SPARQL Update is not accepted at /sparql; send it with POST to /update")
    if shape.uses_service and not settings.allow_service:  # early and friendly; the worker's sandbox is the guarantee
        raise ServiceDisabledError(SERVICE_DISABLED)
    return shape


def _iris(asked: QueryRequest, name: str) -> tuple[str, ...]:
    """The values of a dataset parameter, each an absolute IRI (checked here: the worker trusts them)."""
    values = asked.all(name)
    for value in values:
        try:
            pyoxigraph.NamedNode(value)
        except ValueError as err:
            raise RequestError(f"parameter {name}={value!r} is not an absolute IRI: {err}") from None
    return values


def _media_type(accept: str | None, asked: QueryRequest, offered: tuple[str, ...]) -> str:
    names = asked.all("format")
    if names:
        return _named_format(names, offered)
    chosen = choose(accept, offered)
    if chosen is None:
        raise NotAcceptableError(f"none of the accepted types fits this answer; acceptable: {', '.join(offered)}")
    return chosen


def _named_format(names: tuple[str, ...], offered: tuple[str, ...]) -> str:
    """The first `format` value that fits; SPARQLWrapper sends two (`json-ld`, then its Accept list)."""
    for name in names:
        for item in name.split(","):
            key = item.split(";")[0].strip().lower()
            media_type = ALIASES.get(key, FORMAT_NAMES.get(key, key))
            if media_type in offered:
                return media_type
    raise NotAcceptableError(f"format '{names[0]}' cannot carry this answer; use one of: {', '.join(offered)}")


def _tightened(raw: str | None, limit: float, name: str, kind: type) -> float:
    """A per-request limit may lower the setting, never raise it."""
    if raw is None:
        return limit
    try:
        value = kind(raw)
    except ValueError:
        raise RequestError(f"parameter {name}={raw!r} is not a number") from None
    if not math.isfinite(value):
        raise RequestError(f"parameter {name}={raw!r} is not a finite number")
    if value <= 0:
        raise RequestError(f"parameter {name} must be greater than 0")
    return min(value, limit)


def _description(request: Request, service: ServiceSettings) -> Response:
    media_type = choose(request.headers.get("accept"), DESCRIPTION_TYPES)
    if media_type is None:
        raise NotAcceptableError(f"the service description is available as: {', '.join(DESCRIPTION_TYPES)}")
    endpoint = Links.of(request).url("sparql")  # public_url when set, not whatever Host the request names
    text = service_description(endpoint, service.allow_service)
    return Response(as_format(text, GRAPH_MEDIA[media_type]), media_type=media_type, headers={"Vary": "Accept"})
