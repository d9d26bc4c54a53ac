"""A fast path for the commonest request, `GET /sparql?query=...` from a SPARQL client: answered
straight from ASGI, without FastAPI's routing and middleware stack, which cost about as much CPU as
everything else on a light query (docs/benchmarks.md). It computes the same answer with the same
code (`sparql.answer`); anything else (other parameters, HEAD, CORS requests, every other path)
goes to the app unchanged."""

from __future__ import annotations

import logging
import uuid

from fastapi import FastAPI
from starlette.requests import Request
from starlette.types import Message, Receive, Scope, Send

from azkg.errors import AzkgError, RequestError
from azkg.web.errors import error_response
from azkg.web.request_body import decode_params
from azkg.web.sparql import QueryRequest, answer

log = logging.getLogger("azkg.web")


class FastSparql:
    def __init__(self, app: FastAPI):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        asked = self._plain_query(scope)
        if asked is None:
            await self.app(scope, receive, send)
            return
        request_id = uuid.uuid4().hex
        scope["azkg.request_id"] = request_id

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", []).append((b"x-request-id", request_id.encode()))
            await send(message)

        accept = next((value.decode("latin-1") for key, value in scope["headers"] if key == b"accept"), None)
        try:
            response = await answer(self.app.state, accept, asked)
        except AzkgError as error:
            headers = error.headers if isinstance(error, RequestError) else None
            response = error_response(Request(scope), error.status, error.code, str(error), headers)
        except Exception:  # the app's own handler of last resort, as for the routed requests
            log.exception("request %s failed with an unexpected error", request_id)
            response = error_response(
                Request(scope), 500, "internal_error", "the server failed to answer; the error is logged"
            )
        await response(scope, receive, send_with_id)

    @staticmethod
    def _plain_query(scope: Scope) -> QueryRequest | None:
        """The query of a plain GET /sparql?query=... without Origin or X-Request-Id; None for anything else."""
        if scope["type"] != "http" or scope["method"] != "GET" or scope["path"] != "/sparql":
            return None
        if any(key in (b"origin", b"x-request-id") for key, _ in scope["headers"]):
            return None
        try:
            params = decode_params(scope.get("query_string", b""), "the URL's query string")
        except RequestError:
            return None
        if len(params) != 1 or params[0][0] != "query":
            return None
        return QueryRequest(params[0][1], params)
