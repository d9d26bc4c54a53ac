"""An Accept-header table: what each header gets, for each kind of answer."""

from __future__ import annotations

import pytest

from azkg.sparql.formats import ASK_OFFER, GRAPH_OFFER, SELECT_OFFER
from azkg.sparql.negotiation import choose

SELECT_TYPES, ASK_TYPES, GRAPH_TYPES = SELECT_OFFER.media_types, ASK_OFFER.media_types, GRAPH_OFFER.media_types

JSON, XML = "application/sparql-results+json", "application/sparql-results+xml"

TABLE = [
    # (Accept, offered, chosen)
    (None, SELECT_TYPES, JSON),
    ("", SELECT_TYPES, JSON),
    ("*/*", SELECT_TYPES, JSON),
    ("application/sparql-results+xml", SELECT_TYPES, XML),
    ("text/csv", SELECT_TYPES, "text/csv"),
    ("text/tab-separated-values", SELECT_TYPES, "text/tab-separated-values"),
    ("text/*", SELECT_TYPES, "text/csv"),
    ("application/json", SELECT_TYPES, "application/json"),
    ("text/csv;q=0.5, application/sparql-results+xml", SELECT_TYPES, XML),
    ("text/csv;q=0.9, application/sparql-results+xml;q=0.8", SELECT_TYPES, "text/csv"),
    ("*/*;q=0.1, text/tab-separated-values", SELECT_TYPES, "text/tab-separated-values"),
    ("application/sparql-results+json;q=0, */*", SELECT_TYPES, XML),  # q=0 excludes JSON only
    ("text/html, application/xhtml+xml, application/xml;q=0.9, */*;q=0.8", SELECT_TYPES, "application/xml"),  # a browser
    ("TEXT/CSV", SELECT_TYPES, "text/csv"),
    ("text/turtle", SELECT_TYPES, None),
    ("image/png", SELECT_TYPES, None),
    ("text/csv", ASK_TYPES, None),  # CSV cannot carry a boolean
    (None, GRAPH_TYPES, "text/turtle"),  # CONSTRUCT without Accept: Turtle, not N-Quads
    ("*/*", GRAPH_TYPES, "text/turtle"),
    ("application/n-triples", GRAPH_TYPES, "application/n-triples"),
    ("application/ld+json", GRAPH_TYPES, "application/ld+json"),
    ("application/rdf+xml;q=1, text/turtle;q=0.5", GRAPH_TYPES, "application/rdf+xml"),
    ("application/*", GRAPH_TYPES, "application/n-triples"),
    ("application/sparql-results+json", GRAPH_TYPES, None),
    ("garbage, text/turtle", GRAPH_TYPES, "text/turtle"),
    ("text/turtle;q=abc, application/n-triples", GRAPH_TYPES, "application/n-triples"),
]


@pytest.mark.parametrize(("accept", "offered", "chosen"), TABLE, ids=[f"{a!r}->{c}" for a, _, c in TABLE])
def test_accept_table(accept: str | None, offered: tuple[str, ...], chosen: str | None) -> None:
    assert choose(accept, offered) == chosen
