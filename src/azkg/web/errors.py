"""One error envelope for every error, negotiated: JSON for API clients, HTML for browsers, plain
text for SPARQL clients (and anyone else). Server faults are logged with the request's id."""

from __future__ import annotations

import html
import json
import logging
import uuid

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from azkg.errors import AzkgError
from azkg.sparql.formats import API_ERROR_OFFER, ERROR_OFFER, HTML, JSON_API
from azkg.sparql.negotiation import choose

log = logging.getLogger("azkg.web")


def error_response(request: Request, status: int, code: str, message: str, headers: dict | None = None) -> Response:
    request_id = request.scope.get("azkg.request_id", "")
    body = {"error": {"status": status, "code": code, "message": message, "request_id": request_id}}
    offered = API_ERROR_OFFER if request.url.path.startswith(("/api/", "/search", "/dumps")) else ERROR_OFFER
    # an error is never refused for its format: what fits nothing gets the offer's first type
    media = choose(request.headers.get("accept"), offered.media_types) or offered.media_types[0]
    if media == JSON_API.media_type:
        content = json.dumps(body, ensure_ascii=False)
    elif media == HTML.media_type:
        content = (
            f"<!doctype html><html lang=en><meta charset=utf-8><title>{status} {html.escape(code)}</title>"
            f"<h1>{status} {html.escape(code)}</h1><p>{html.escape(message)}</p>"
            f"<p><small>request {html.escape(request_id)}</small></p></html>"
        )
    else:
        content = f"{status} {code}: {message}\n(request {request_id})\n"
    all_headers = {"Vary": "Accept", **(headers or {})}
    return Response(content, status_code=status, media_type=f"{media}; charset=utf-8", headers=all_headers)


async def azkg_error_handler(request: Request, error: Exception) -> Response:
    assert isinstance(error, AzkgError)
    if error.status >= 500:
        log.error("request %s failed: %s", request.scope.get("azkg.request_id"), error)
    return error_response(request, error.status, error.code, str(error), error.headers)


async def http_error_handler(request: Request, error: Exception) -> Response:
    status = getattr(error, "status_code", 500)
    detail = getattr(error, "detail", None) or "error"
    codes = {404: "not_found", 405: "method_not_allowed"}
    return error_response(
        request, status, codes.get(status, "http_error"), str(detail), getattr(error, "headers", None)
    )


async def unexpected_error_handler(request: Request, error: Exception) -> Response:
    log.exception("request %s failed with an unexpected error", request.scope.get("azkg.request_id"))
    return error_response(request, 500, "internal_error", "the server failed to answer; the error is logged")


class RequestIdMiddleware:
    """Gives each request an id (or keeps a sane incoming X-Request-Id) and returns it as a header."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or "azkg.request_id" in scope:  # an outer layer gave it one already
            await self.app(scope, receive, send)
            return
        incoming = dict(scope["headers"]).get(b"x-request-id", b"").decode("latin-1")
        request_id = incoming if incoming.isalnum() and len(incoming) <= 64 else uuid.uuid4().hex
        scope["azkg.request_id"] = request_id

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", []).append((b"x-request-id", request_id.encode()))
            await send(message)

        await self.app(scope, receive, send_with_id)
