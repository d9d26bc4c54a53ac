"""The shapes of the paths this deployment serves under the IRI base, checked before any query, so
a malformed IRI gets a 400 that says what was expected (decision 0001 fixes the scheme)."""

from __future__ import annotations

import re

from azkg.errors import NotFoundError, RequestError
from azkg.sparql.formats import DOCUMENT_FORMATS

SLUG = r"[a-z0-9]+(?:-[a-z0-9]+)*"
SHAPES = {
    "id": (re.compile(rf"{SLUG}"), "id/<slug>, such as id/sumgayit-industrial-park"),
    "fact": (re.compile(rf"{SLUG}/{SLUG}"), "fact/<source>/<claim>, such as fact/azernews-2026-01-27/sumgayit-area"),
    "quote": (
        re.compile(rf"{SLUG}/[0-9]+-[0-9]+"),
        "quote/<source>/<start>-<end>, such as quote/azernews-2026-01-27/136-213",
    ),
    "source": (re.compile(SLUG), "source/<id>, such as source/azernews-2026-01-27"),
    "ingestion": (re.compile(SLUG), "ingestion/<source id>"),
    "def": (re.compile(r"(?:[A-Za-z][A-Za-z0-9]*|[a-z-]+/[a-z0-9-]+)?"), "def, def/<Term> or def/<scheme>/<concept>"),
    "graph": (re.compile(SLUG), "graph/<name>, such as graph/data"),
}
# the suffixes of linked-data documents: the RDF syntaxes' own extensions, and the page
SUFFIXES = {document.extension: document.media_type for document in DOCUMENT_FORMATS}


def split_suffix(rest: str) -> tuple[str, str | None]:
    """('id-part', 'ttl') for 'id-part.ttl'; a suffix we do not serve is a 404 that lists ours."""
    if "." not in rest.rsplit("/", 1)[-1]:
        return rest, None
    stem, suffix = rest.rsplit(".", 1)
    if suffix not in SUFFIXES:
        raise NotFoundError(
            f"no document with suffix '.{suffix}'; the suffixes are: {', '.join('.' + s for s in SUFFIXES)}"
        )
    return stem, suffix


def check(kind: str, rest: str) -> None:
    pattern, expected = SHAPES[kind]
    if not pattern.fullmatch(rest):
        raise RequestError(f"'{kind}/{rest}' is not an IRI of this dataset; expected {expected}")
