"""IRI minting: the only place azkg makes IRIs, so the scheme (docs/decisions) lives in one file."""

from __future__ import annotations

import re

from rdflib import URIRef

from azkg.vocab import FACT, ID, INGESTION, QUOTE, SOURCE

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def is_slug(text: str) -> bool:
    return bool(SLUG.match(text))


def entity_iri(slug: str) -> URIRef:
    return ID[slug]


def source_iri(source_id: str) -> URIRef:
    return SOURCE[source_id]


def ingestion_iri(source_id: str) -> URIRef:
    return INGESTION[source_id]


def fact_iri(source_id: str, claim_id: str) -> URIRef:
    return FACT[f"{source_id}/{claim_id}"]


def quote_iri(source_id: str, start: int, end: int) -> URIRef:
    """One quote per distinct span of a source, shared by every fact derived from that span."""
    return QUOTE[f"{source_id}/{start}-{end}"]


def selector_iri(quote: URIRef, kind: str) -> URIRef:
    return URIRef(f"{quote}#{kind}")


def name_use_iri(source_id: str, entity_id: str, name: str) -> URIRef:
    """A name a source uses for an entity, under the source's IRI (it dereferences to the source)."""
    words = re.sub(r"[^a-z0-9]+", "-", name.casefold()).strip("-") or "name"
    return URIRef(f"{SOURCE[source_id]}#name-{entity_id}--{words}")
