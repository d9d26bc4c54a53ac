"""The outermost layers of the service, around the fast path and the app alike, so that every response
gets them (pages, API, SPARQL, errors, static files): browser security headers, and the hosts the
service answers for (setting trusted_hosts). Pure ASGI, not BaseHTTPMiddleware: answers still stream
and the fast path stays cheap (a header list appended per response)."""

from __future__ import annotations

from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from azkg.settings import ServiceSettings
from azkg.sparql.formats import HTML
from azkg.web.errors import RequestIdMiddleware, error_response


def page_policy(scripts: tuple[str, ...] = (), styles: tuple[str, ...] = (), workers: str | None = None) -> str:
    """Pages load scripts, styles, fonts and data from this deployment only; no inline script or style
    (the templates have none) beyond the given sources (hashes), no plugins, no <base>, forms post
    here, and nobody may frame them. img-src allows data: for the icons that YASGUI's and Swagger UI's
    style sheets embed."""
    script_src, style_src = " ".join(("'self'", *scripts)), " ".join(("'self'", *styles))
    policy = (
        f"default-src 'none'; script-src {script_src}; style-src {style_src}; "
        "img-src 'self' data:; font-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; "
        "frame-ancestors 'none'"
    )
    return policy + (f"; worker-src {workers}" if workers else "")


PAGE_POLICY = page_policy()
# Anything else (RDF, JSON, CSS, scripts) is no document: should a browser render it anyway, it may do nothing.
OTHER_POLICY = "default-src 'none'; base-uri 'none'; frame-ancestors 'none'"
PAGE_CSP, OTHER_CSP = ((b"content-security-policy", policy.encode()) for policy in (PAGE_POLICY, OTHER_POLICY))
ALWAYS = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"strict-origin-when-cross-origin"),
    (b"x-frame-options", b"DENY"),
]


def outer_layers(app: ASGIApp, service: ServiceSettings) -> ASGIApp:
    """`app` behind the trusted-hosts check and the security headers (the check's 400 gets them too)."""
    if service.host_names:
        app = RequestIdMiddleware(TrustedHosts(app, service.host_names))
    return SecurityHeaders(app)


class SecurityHeaders:
    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = with_security_headers(list(message.get("headers", [])))
            await send(message)

        await self.app(scope, receive, send_with_headers)


def with_security_headers(headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    """The headers plus ours; a response that set its own policy (the editor, the API docs) keeps it."""
    names = {name.lower(): value for name, value in headers}
    added = list(ALWAYS)
    if b"content-security-policy" not in names:
        added.append(PAGE_CSP if names.get(b"content-type", b"").startswith(HTML.media_type.encode()) else OTHER_CSP)
    return headers + added


class TrustedHosts:
    """Starlette's TrustedHostMiddleware, with its refusal in the service's error envelope. Without it,
    links and redirects would follow whatever Host header a request brings."""

    def __init__(self, app: ASGIApp, hosts: list[str]):
        self.app = app
        self.check = TrustedHostMiddleware(self._trusted, allowed_hosts=hosts, www_redirect=False)

    async def _trusted(self, scope: Scope, receive: Receive, send: Send) -> None:
        scope["azkg.trusted_host"] = True
        await self.app(scope, receive, send)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        refused = False

        async def send_envelope(message: Message) -> None:
            nonlocal refused
            if "azkg.trusted_host" in scope:
                await send(message)
            elif not refused:  # the middleware's own plain-text 400: ours goes instead, once
                refused = True
                text = "the Host header names a host this service does not answer for (setting trusted_hosts)"
                await error_response(Request(scope), 400, "untrusted_host", text)(scope, receive, send)

        await self.check(scope, receive, send_envelope)
