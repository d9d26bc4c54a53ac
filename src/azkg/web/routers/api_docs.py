"""The OpenAPI docs, /docs (Swagger UI) and /redoc (ReDoc), from the copies bundled under
static/vendor (scripts/vendor-openapi-ui) instead of a CDN: they work offline and load nothing from
elsewhere. FastAPI writes their pages with an inline script or style; each page's own policy allows
exactly those by hash, and whatever more the bundle needs (said where)."""

from __future__ import annotations

import base64
import hashlib
import re

from fastapi import APIRouter, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from starlette.responses import HTMLResponse

from azkg.web.links import Links
from azkg.web.security import page_policy

router = APIRouter(include_in_schema=False)
INLINE = re.compile(r"<(script|style)>(.*?)</\1>", re.DOTALL)
NO_ICON = "data:,"  # FastAPI's default favicon is on its website


@router.get("/docs")
async def swagger_ui(request: Request) -> HTMLResponse:
    links = Links.of(request)
    page = get_swagger_ui_html(
        openapi_url=links.url("openapi.json"),
        title="azkg API",
        swagger_js_url=links.url("static/vendor/swagger-ui/swagger-ui-bundle.js"),
        swagger_css_url=links.url("static/vendor/swagger-ui/swagger-ui.css"),
        swagger_favicon_url=NO_ICON,
    )
    return with_policy(page)


@router.get("/redoc")
async def redoc(request: Request) -> HTMLResponse:
    links = Links.of(request)
    page = get_redoc_html(
        openapi_url=links.url("openapi.json"),
        title="azkg API",
        redoc_js_url=links.url("static/vendor/redoc/redoc.standalone.js"),
        redoc_favicon_url=NO_ICON,
        with_google_fonts=False,
    )
    # ReDoc styles itself with styled-components, which writes <style> elements at run time, and
    # runs its search index in a worker made from a blob: URL. (Its footer's logo, from its CDN, stays
    # blocked; ReDoc then hides it.)
    return with_policy(page, styles=("'unsafe-inline'",), workers="blob:")


def with_policy(page: HTMLResponse, styles: tuple[str, ...] = (), workers: str | None = None) -> HTMLResponse:
    """The page under the pages' policy, widened by the hashes of its own inline scripts and styles."""
    found: dict[str, list[str]] = {"script": [], "style": []}
    for tag, text in INLINE.findall(bytes(page.body).decode()):
        found[tag].append(source_hash(text))
    # beside 'unsafe-inline' no hash may be listed: a browser that knows hashes then ignores 'unsafe-inline'
    policy = page_policy(tuple(found["script"]), styles or tuple(found["style"]), workers)
    page.headers["content-security-policy"] = policy
    return page


def source_hash(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"
