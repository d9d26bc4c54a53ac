"""A fast path for the commonest request, `GET /sparql?query=...` from a SPARQL client: answered
straight from ASGI, without FastAPI's routing and middleware stack, which cost about as much CPU as
everything else on a light query (docs/benchmarks.md). It computes the same answer with the same
code (`sparql.answer`, the app's error envelope and request ids); anything else (other parameters,
HEAD, CORS requests, every other path) goes to the app unchanged."""

from __future__ import annotations

from fastapi import FastAPI
from starlette.requests import Request
from starlette.types import Receive, Scope, Send

from azkg.errors import AzkgError, RequestError, URITooLongError
from azkg.sparql.formats import SPARQL_QUERY
from azkg.web.answers import client_address
from azkg.web.errors import RequestIdMiddleware, azkg_error_handler, unexpected_error_handler
from azkg.web.long_urls import MARK, MAX_URL_BYTES
from azkg.web.request_body import decode_params
from azkg.web.routers.sparql import QueryRequest, answer
from azkg.web.services import app_services


class FastSparql:
    def __init__(self, app: FastAPI):
        self.app = app
        self.fast = RequestIdMiddleware(self._answer)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if MARK in scope:
            await self.fast(scope, receive, send)
            return
        asked = self._plain_query(scope)
        if asked is None:
            await self.app(scope, receive, send)
        else:
            scope["azkg.query"] = asked
            await self.fast(scope, receive, send)

    async def _answer(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope)
        try:
            if MARK in scope:
                raise URITooLongError(_too_long(scope[MARK]))
            response = await answer(
                app_services(self.app), request.headers.get("accept"), scope["azkg.query"], client_address(scope),
                request.headers.get("if-none-match"),
            )
        except AzkgError as error:
            response = await azkg_error_handler(request, error)
        except Exception as error:  # the app's handler of last resort, as for the routed requests
            response = await unexpected_error_handler(request, error)
        await response(scope, receive, send)

    @staticmethod
    def _plain_query(scope: Scope) -> QueryRequest | None:
        """The query of a plain GET /sparql?query=... without Origin; None for anything else."""
        if scope["type"] != "http" or scope["method"] != "GET" or scope["path"] != "/sparql":
            return None
        if any(key == b"origin" for key, _ in scope["headers"]):
            return None
        try:
            params = decode_params(scope.get("query_string", b""), "the URL's query string")
        except RequestError:
            return None
        if len(params) != 1 or params[0][0] != "query":
            return None
        return QueryRequest(params[0][1], params)


def _too_long(length: int) -> str:
    return (
        f"the URL has {length} bytes; the limit is {MAX_URL_BYTES} (the HTTP parser's). Send a long query "
        f"with POST, as {SPARQL_QUERY.media_type} or a form"
    )
