"""HTML pages: one Jinja2 environment over `web/templates/`, autoescaped, with the helpers every
template uses (links inside the deployment, short names for IRIs)."""

from __future__ import annotations

from functools import cache

from fastapi import Request
from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.responses import HTMLResponse

from azkg.prefixes import PREFIXES
from azkg.web.links import Links


@cache
def environment() -> Environment:
    # finalize: a missing value (such as the URL of an IRI that may not be a link) prints as nothing, not "None"
    env = Environment(
        loader=PackageLoader("azkg.web", "templates"),
        autoescape=select_autoescape(default=True),
        finalize=lambda value: "" if value is None else value,
    )
    env.filters["curie"] = curie
    return env


def curie(iri: str) -> str:
    """`azkg:Fact` for an IRI under a known prefix, the IRI itself otherwise."""
    best = ""
    for prefix, namespace in PREFIXES.items():
        if iri.startswith(namespace) and len(namespace) > len(PREFIXES.get(best, "")):
            best = prefix
    return f"{best}:{iri[len(PREFIXES[best]) :]}" if best else iri


def render(
    request: Request, template: str, status_code: int = 200, headers: dict | None = None, **context
) -> HTMLResponse:
    links = Links.of(request)
    body = environment().get_template(template).render(links=links, href=links.href, url=links.url, **context)
    return HTMLResponse(body, status_code=status_code, headers=headers)
