"""The plain records that curation produces and the triples stage consumes."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from rdflib import Literal, URIRef

from azkg.build.dates import Period
from azkg.build.quotes import QuoteSpan
from azkg.build.sources import SourceDocument


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
    stated_by: str | None  # the person or body the article quotes as stating it ("the ministry said")


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
    partner_country: str | None  # the other country of a trade figure: imports from it, exports to it
    period_basis: str | None  # how the period was dated when the quote does not write its year
    same_figure: tuple[str, ...]  # ids of the same figure in other currencies (one `values` claim)
    terms: str | None  # a loan's or grant's terms in the source's word: preferential, concessional


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
