"""The pages people start from: the home page (what the graph holds, the zones, search, example
questions) and the SPARQL editor (YASGUI, bundled under static/vendor, pointed at /sparql)."""

from __future__ import annotations

import json
import re
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from starlette.responses import Response

from azkg.prefixes import PREFIXES
from azkg.sparql.named_queries import examples
from azkg.web.html import render
from azkg.web.links import Links
from azkg.web.lookups import Lookups, select
from azkg.web.security import page_policy

router = APIRouter(include_in_schema=False)
# YASR's column resizer writes one fixed <style> element; its hash lets exactly that one in (a
# browser test fails on any policy violation, so a YASGUI update that changes it is caught)
EDITOR_POLICY = page_policy(styles=("'sha256-zCK2EVMoPc04mRF/g5CotUvxbJPWS+8V0b+s9ptqQIk='",))
EDITOR_PREFIXES = ("azkg", "id", "metric", "unit", "status", "prov", "oa", "rdfs", "skos", "xsd", "schema")


def with_prefixes(query: str) -> str:
    """The query with PREFIX lines for the editor's prefixes it uses, so that it reads (and checks) alone."""
    used = [name for name in EDITOR_PREFIXES if re.search(rf"(?<![\w-]){name}:", query)]
    return "".join(f"PREFIX {name}: <{PREFIXES[name]}>\n" for name in used) + "\n" + query


def example_links(links: Links) -> list[dict]:
    return [
        {
            "slug": e.slug,
            "title": e.title,
            "query": e.query,
            "href": links.url("query") + "?" + urlencode({"query": with_prefixes(e.query)}),
        }
        for e in examples()
    ]


@router.get("/")
async def home(request: Request) -> Response:
    lookups = Lookups.of(request)
    counts = (await select(lookups, "home"))[0]
    zones = await select(lookups, "zones")
    return render(request, "home.html", counts=counts, zones=zones, examples=example_links(Links.of(request)))


@router.get("/query")
async def editor(request: Request) -> Response:
    links = Links.of(request)
    prefixes = {name: PREFIXES[name] for name in EDITOR_PREFIXES if name in PREFIXES}
    config = {
        "endpoint": links.url("sparql"),
        "prefixes": prefixes,
        "examples": example_links(links),
        "base": links.base_iri,  # IRIs under it open in this deployment, not at the persistent base
        "root": links.root,
    }
    return render(
        request, "query.html", headers={"Content-Security-Policy": EDITOR_POLICY},
        config=json.dumps(config), examples=config["examples"],
    )
