"""The plain records that curation produces and the triples stage consumes."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from rdflib import Literal, URIRef

from azkg.dates import Period
from azkg.quotes import QuoteSpan
from azkg.sources import SourceDocument


@dataclass(frozen=True)
class Where:
    file: str
    line: int


@dataclass(frozen=True)
class Entity:
    id: str
    type: URIRef
    label: str
    names: tuple[str, ...]
    code: str | None
    note: str | None
    where: Where


@dataclass(frozen=True)
class Claim:
    id: str
    source_id: str
    about: str
    quote: QuoteSpan
    as_of: Literal | None
    phase: str | None
    status: URIRef
    note: str | None
    where: Where


@dataclass(frozen=True)
class FigureClaim(Claim):
    metric: URIRef
    value: Decimal
    currency: str | None
    unit: URIRef | None
    approximation: URIRef | None
    period: Period | None
    product: str | None
    per: URIRef | None
    counterparty: str | None


@dataclass(frozen=True)
class RelationClaim(Claim):
    relation: URIRef
    object_entity: str | None
    object_value: URIRef | Literal
    since: Literal | None
    date_basis: str | None


@dataclass(frozen=True)
class Ingestion:
    source_id: str
    curation_file: str
    curated_on: Literal


@dataclass(frozen=True)
class Curation:
    """Everything the build read, checked and resolved: the input of the triples stage."""

    sources: dict[str, SourceDocument]
    entities: dict[str, Entity]
    claims: tuple[FigureClaim | RelationClaim, ...]
    ingestions: tuple[Ingestion, ...]
