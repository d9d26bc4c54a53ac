"""The SPARQL 1.1 Protocol, query side, at /sparql: GET, POST form, POST sparql-query."""

from __future__ import annotations

import asyncio
import hashlib
import math
from dataclasses import dataclass, replace

import pyoxigraph
from fastapi import APIRouter, Request
from starlette.responses import PlainTextResponse, Response, StreamingResponse

from azkg.errors import (
    PayloadTooLargeError,
    QueryError,
    RequestError,
    ServiceDisabledError,
    UnsupportedMediaTypeError,
)
from azkg.prefixes import PREFIXES
from azkg.settings import ServiceSettings
from azkg.sparql.anchored import anchors
from azkg.sparql.evaluation import CLOCK, SERVICE_DISABLED, Dataset, Deadline
from azkg.sparql.formats import (
    ASK_OFFER,
    DESCRIPTION_OFFER,
    FORM,
    GRAPH_OFFER,
    SELECT_OFFER,
    SPARQL_QUERY,
    SPARQL_UPDATE,
    Offer,
)
from azkg.sparql.negotiation import negotiate
from azkg.sparql.query_text import scan
from azkg.store.messages import Job, Whole
from azkg.web.answers import body_chunks, client_address, first_message
from azkg.web.deps import ServicesDep
from azkg.web.links import Links
from azkg.web.request_body import decode_params, only, read_body, utf8
from azkg.web.service_description import as_format, service_description
from azkg.web.services import Services

router = APIRouter(tags=["sparql"])

OFFERED = {"SELECT": SELECT_OFFER, "ASK": ASK_OFFER, "CONSTRUCT": GRAPH_OFFER, "DESCRIBE": GRAPH_OFFER}
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


@router.post("/sparql", summary=f"SPARQL query (POST form or {SPARQL_QUERY.media_type})")
async def sparql_post(request: Request, services: ServicesDep) -> Response:
    settings = services.service
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    body = await read_body(request, settings.max_body_bytes)
    url_params = decode_params(request.scope.get("query_string", b""), "the URL's query string")
    if media_type == FORM.media_type:
        params = decode_params(body, "the form body") + url_params
        if any(key == "update" for key, _ in params):
            raise RequestError("SPARQL Update is not accepted at /sparql; send it with POST to /update")
        return await _answer(request, services, QueryRequest(only(params, "query"), params))
    if media_type == SPARQL_QUERY.media_type:
        return await _answer(request, services, QueryRequest(utf8(body, "the request body"), url_params))
    if media_type == SPARQL_UPDATE.media_type:
        raise RequestError("SPARQL Update is not accepted at /sparql; send it with POST to /update")
    raise UnsupportedMediaTypeError(
        f"a query is sent as {FORM.media_type} or {SPARQL_QUERY.media_type}, not '{media_type}'"
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
    return await answer(
        services, request.headers.get("accept"), asked, client_address(request.scope),
        request.headers.get("if-none-match"),
    )


async def answer(
    state: Services, accept: str | None, asked: QueryRequest, client: str = "", if_none_match: str | None = None
) -> Response:
    """The answer to a query as a response, from the app's services (settings, pool) and the request's
    headers alone, so that the fast path of `fast_sparql` and the routes above share it."""
    settings: ServiceSettings = state.service
    pool = state.pool
    arrived = CLOCK()  # the deadline counts from here: the lexing below is part of the time spent
    if len(asked.query) > LEX_IN_THREAD:  # a long text takes the lexer tens of ms: not on the event loop
        shape = await asyncio.to_thread(_check, asked.query, settings)
    else:
        shape = _check(asked.query, settings)
    media_type = _media_type(accept, asked, OFFERED.get(shape.form or "SELECT", SELECT_OFFER))
    timeout = _tightened(asked.one("timeout"), settings.query_timeout, "timeout", float)
    deadline = Deadline(arrived + timeout, timeout, "query_timeout")
    max_rows = int(_tightened(asked.one("max_rows"), settings.max_rows, "max_rows", int))
    dataset = Dataset(
        _iris(asked, "default-graph-uri"), _iris(asked, "named-graph-uri"), union_default_graph=not shape.has_dataset
    )
    job = Job(asked.query, media_type, max_rows, deadline, dataset, base_iri=settings.base_iri)
    content_type = media_type + ("; charset=utf-8" if media_type.startswith("text/") else "")
    key = await _cache_key(job, state)
    cached = state.sparql_answers.get(key) if key is not None else None
    if key is not None:
        state.telemetry.answer_cache_used(hit=cached is not None)
    if cached is not None:
        kept, etag = cached
        return _whole(kept, etag, content_type, max_rows, if_none_match)
    if settings.inline_queries and not settings.remote:  # classified only now: a cached answer needs none of it
        job = replace(job, anchors=anchors(shape.tokens, PREFIXES))
    messages = pool.run(job, client=client)
    first = await first_message(messages)
    if isinstance(first, Whole):
        etag = '"' + hashlib.blake2b(first.body, digest_size=16).hexdigest() + '"'  # of the bytes, once
        if key is not None:
            state.sparql_answers.keep(key, (first, etag), len(first.body))
        return _whole(first, etag, content_type, max_rows, if_none_match)
    headers = {"Vary": "Accept", "X-Azkg-Max-Rows": str(max_rows)}
    if first.truncated is not None:
        headers["X-Azkg-Truncated"] = "true" if first.truncated else "false"
    return StreamingResponse(body_chunks(messages), media_type=content_type, headers=headers)


async def _cache_key(job: Job, state: Services) -> tuple | None:
    """What a whole answer depends on: the job but its deadline, and the data version (every write makes
    another); None when the cache is off or there is no data yet."""
    version = await state.pool.version() if state.sparql_answers.limit else None
    if version is None:
        return None
    return job.query, job.media_type, job.max_rows, job.dataset, job.bindings, job.base_iri, version


def _whole(answer: Whole, etag: str, content_type: str, max_rows: int, if_none_match: str | None) -> Response:
    """A whole answer, with the ETag of its bytes: a client that has them gets 304 and no body."""
    headers = {"Vary": "Accept", "X-Azkg-Max-Rows": str(max_rows), "ETag": etag, "Cache-Control": "no-cache"}
    headers["X-Azkg-Truncated"] = "true" if answer.truncated else "false"
    if if_none_match is not None and etag in (tag.strip() for tag in if_none_match.split(",")):
        return Response(status_code=304, headers=headers)
    return Response(answer.body, media_type=content_type, headers=headers)


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


def _media_type(accept: str | None, asked: QueryRequest, offered: Offer) -> str:
    refusal = "none of the accepted types fits this answer; acceptable: {types}"
    return negotiate(offered, accept, refusal, asked.all("format"))


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
    refusal = "the service description is available as: {types}"
    media_type = negotiate(DESCRIPTION_OFFER, request.headers.get("accept"), refusal)
    endpoint = Links.of(request).url("sparql")  # public_url when set, not whatever Host the request names
    text = service_description(endpoint, service.allow_service)
    body = as_format(text, DESCRIPTION_OFFER.format_of(media_type).rdf_format)
    return Response(body, media_type=media_type, headers={"Vary": "Accept"})
