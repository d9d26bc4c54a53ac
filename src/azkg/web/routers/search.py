"""GET /search: entities by name and facts by the words of their quotes, as JSON or HTML.

The index (azkg.store.search) is built for a data version (a store snapshot, or a remote store's
version) on the first search after it goes live, one build at a time, into
`<store>/search/<version>.sqlite`; so it follows every build, load and write. Indexes of older
versions are deleted, except the one before the live one, which a search that started a moment
earlier may still be reading.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from starlette.responses import JSONResponse, Response

from azkg.errors import RequestError
from azkg.sparql.formats import HTML, JSON_RESULTS, LISTING_OFFER
from azkg.sparql.named_queries import named_query
from azkg.sparql.negotiation import negotiate
from azkg.store.messages import Job
from azkg.store.search import INDEX_QUERIES, MAX_QUERY_CHARS, Hit, SearchPage, check_request, search, write_index
from azkg.store.snapshots import open_reader
from azkg.web.deps import LookupsDep, ServicesDep
from azkg.web.html import render
from azkg.web.links import Links
from azkg.web.lookups import Lookups, rows_of, run_query
from azkg.web.services import Services

router = APIRouter(tags=["search"])
DEFAULT_LIMIT = 20
INDEX_FOLDER = "search"


@router.get("/search", summary="Find entities by name and facts by the words of their quotes")
async def search_route(
    request: Request,
    services: ServicesDep,
    lookups: LookupsDep,
    q: str | None = None,
    kind: str | None = None,
    limit: str = str(DEFAULT_LIMIT),
    offset: str = "0",
) -> Response:
    """`q`: the words (the last one may be the start of a word); `kind`: entity or fact (both when
    left out); `limit`: hits per page, 1 to 100; `offset`: hits to skip."""
    media_type = negotiate(LISTING_OFFER, request.headers.get("accept"), "search results are available as: {types}")
    form: dict[str, Any] = {
        "q": q, "kind": kind or None, "limit": limit, "offset": offset, "max_chars": MAX_QUERY_CHARS
    }
    if media_type == HTML.media_type and q is None:
        return render(request, "search.html", **form, headers={"Vary": "Accept"})
    try:
        page, asked = await _run(services, lookups, q or "", kind or None, limit, offset)
    except RequestError as error:
        if media_type != HTML.media_type:
            raise
        return render(request, "search.html", status_code=400, error=str(error), **form, headers={"Vary": "Accept"})
    body = _body(request, asked, page)
    if media_type == HTML.media_type:
        return render(request, "search.html", **(form | body), headers={"Vary": "Accept"})
    return JSONResponse(body, headers={"Vary": "Accept"})


async def _run(
    services: Services, lookups: Lookups, q: str, kind: str | None, limit: str, offset: str
) -> tuple[SearchPage, dict]:
    asked: dict[str, Any] = {"q": q, "kind": kind, "limit": _count("limit", limit), "offset": _count("offset", offset)}
    check_request(**asked)  # before building an index for a request that cannot be answered
    path = await index_file(services, lookups)
    return await asyncio.to_thread(search, path, **asked), asked


def _count(name: str, text: str) -> int:
    try:
        return int(text.strip())
    except ValueError:
        raise RequestError(f"parameter {name} must be a whole number, not {text[:40]!r}") from None


def _body(request: Request, asked: dict, page: SearchPage) -> dict:
    links = Links.of(request)
    limit, offset = asked["limit"], asked["offset"]

    def page_url(at: int) -> str:
        params = {"q": asked["q"], **({"kind": asked["kind"]} if asked["kind"] else {}), "limit": limit, "offset": at}
        return links.url("search") + "?" + urlencode(params)

    return {
        "query": asked["q"],
        "kind": asked["kind"],
        "total": page.total,
        "limit": limit,
        "offset": offset,
        "hits": [_hit(links, hit) for hit in page.hits],
        "next": page_url(offset + limit) if offset + limit < page.total else None,
        "previous": page_url(max(offset - limit, 0)) if offset > 0 and page.total else None,
    }


def _hit(links: Links, hit: Hit) -> dict:
    shown = {"kind": hit.kind, "iri": hit.iri, "url": links.href(hit.iri), "label": hit.label}
    if hit.kind == "entity":
        return {**shown, "aliases": hit.aliases, "types": hit.types, "score": hit.score}
    related = {
        name: {"iri": iri, "url": links.href(iri), "label": label} if iri else None
        for name, iri, label in (("entity", hit.entity, hit.entity_label), ("source", hit.source, hit.source_label))
    }
    return {**shown, "quote": hit.quote, **related, "score": hit.score}


async def index_file(services: Services, lookups: Lookups) -> Path:
    """The index of the data as it is, built if it is not there yet."""
    version = await services.pool.content_version()
    if version is not None and _index_of(services.store_dir, version).exists():
        return _index_of(services.store_dir, version)
    async with services.search_lock:
        return await _build(lookups, version)


def _index_of(store_dir: Path, version: str) -> Path:
    return store_dir / INDEX_FOLDER / f"{version}.sqlite"


async def _build(lookups: Lookups, version: str | None) -> Path:
    """The index's rows read through the query workers or the remote store (whole-store queries: not
    light, under the query time limit), written to SQLite in a thread."""
    if version is None:
        open_reader(lookups.store_dir)  # raises the error that says how to create the store
        raise AssertionError("open_reader raises when there is no snapshot")
    path = _index_of(lookups.store_dir, version)
    if not path.exists():  # another request may have built it while this one waited
        deadline = lookups.deadline()
        jobs = [Job(named_query(name), JSON_RESULTS.media_type, sys.maxsize, deadline) for name in INDEX_QUERIES]
        found = [rows_of(await run_query(lookups, job, light=False)) for job in jobs]
        await asyncio.to_thread(_write, path, *found)
    for old in sorted(path.parent.glob("*.sqlite"))[:-2]:  # data versions sort by time
        old.unlink(missing_ok=True)
    return path


def _write(path: Path, entity_rows: list[dict[str, str]], fact_rows: list[dict[str, str]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    for stale in path.parent.glob(".*.tmp"):  # left by a build that was killed
        stale.unlink(missing_ok=True)
    write_index(entity_rows, fact_rows, path)
