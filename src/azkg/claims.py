"""Reading one data/curation/<source>.yaml claim into a FigureClaim or RelationClaim.

Each check here exists because a curator can get it wrong: the quote must be verbatim, the value
must be a number the quote writes, a hedge or phase must be worded in the quote.
"""

from __future__ import annotations

from pycountry import currencies
from rdflib import Literal, URIRef
from rdflib.namespace import XSD

from azkg.dates import parse_date, parse_period, parse_year_or_date
from azkg.errors import Problem
from azkg.fields import FieldReader
from azkg.iris import entity_iri, is_slug
from azkg.located_yaml import Record
from azkg.numbers import canonical, numbers_in, parse_decimal
from azkg.ontology import Ontology
from azkg.quotes import QuoteNotFoundError, QuoteSpan, locate
from azkg.records import Entity, FigureClaim, RelationClaim, Where
from azkg.sources import SourceDocument
from azkg.vocab import AZKG

COMMON = {"id", "about", "quote", "occurrence", "as_of", "phase", "status", "note"}
FIGURE = COMMON | {"metric", "value", "currency", "unit", "approx", "period", "product", "per", "counterparty"}
RELATION = COMMON | {"relation", "object", "value", "since", "date_basis"}
BOOLEANS = {"true": True, "false": False}


class ClaimReader:
    """Reads the claims of one source against the ontology and the entities."""

    def __init__(self, source: SourceDocument, ontology: Ontology, entities: dict[str, Entity]):
        self.source = source
        self.ontology = ontology
        self.entities = entities
        self.metrics = ontology.concepts("metric")
        self.units = ontology.concepts("unit")
        self.approximations = ontology.concepts("approximation")
        self.statuses = ontology.concepts("status")
        self.object_properties = set(ontology.object_properties().values())
        self.properties = ontology.object_properties() | ontology.datatype_properties()

    def read(self, item: Record, problems: list[Problem]) -> FigureClaim | RelationClaim | None:
        is_figure = "metric" in item.values
        if not is_figure and "relation" not in item.values:
            problems.append(item.problem("id", "a claim needs either 'metric' (a figure) or 'relation'"))
            return None
        before = len(problems)
        read = FieldReader(item, FIGURE if is_figure else RELATION, problems)
        common = self._common(read)
        claim = self._figure(read, common) if is_figure else self._relation(read, common)
        return claim if len(problems) == before else None

    def _common(self, read: FieldReader) -> dict:
        claim_id = read.text("id", required=True)
        if claim_id and not is_slug(claim_id):
            read.fail("id", f"'{claim_id}' is not an id; use lowercase letters, digits and single hyphens")
        quote = self._quote(read)
        phase = read.text("phase")
        if phase and quote and phase.lower() not in quote.exact.lower():
            read.fail("phase", f"the phase word '{phase}' is not in the quote; quote the words that name the phase")
        as_of = read.parsed("as_of", parse_date)
        return {
            "id": claim_id,
            "source_id": self.source.id,
            "about": self._entity(read, "about", required=True),
            "quote": quote,
            "phase": phase,
            "note": read.text("note"),
            "status": read.choice("status", self.statuses, "status") or self.statuses["actual"],
            "as_of": Literal(as_of.isoformat(), datatype=XSD.date) if as_of else self.source.as_of,
            "where": Where(read.record.file, read.record.line),
        }

    def _quote(self, read: FieldReader) -> QuoteSpan | None:
        exact = read.text("quote", required=True)
        occurrence = read.parsed("occurrence", _positive_int)
        if exact is None:
            return None
        try:
            return locate(self.source.text, exact, occurrence)
        except QuoteNotFoundError as err:
            read.fail("quote", f"{err} (source: {self.source.id})")
            return None

    def _entity(self, read: FieldReader, key: str, required: bool = False, of_type: URIRef | None = None) -> str | None:
        entity = read.choice(key, self.entities, "entity id", required, where="data/curation/entities.yaml")
        if entity is None:
            return None
        if of_type is not None and of_type not in self.ontology.superclasses(entity.type):
            read.fail(key, f"'{entity.id}' is not a {of_type.split('/')[-1]}")
            return None
        return entity.id

    def _figure(self, read: FieldReader, common: dict) -> FigureClaim | None:
        quote: QuoteSpan | None = common["quote"]
        value = read.parsed("value", parse_decimal, required=True)
        if value is not None and quote is not None and value not in numbers_in(quote.exact):
            written = ", ".join(canonical(n) for n in numbers_in(quote.exact)) or "none"
            read.fail(
                "value",
                f"{canonical(value)} is not a number the quote writes (it writes: {written}); "
                "write the full number, such as 6700000000 for '6.7 billion'",
            )
        currency, unit = read.text("currency"), read.choice("unit", self.units, "unit")
        if (currency is None) == (read.record.values.get("unit") is None):
            read.fail("currency", "give exactly one of currency (for money) or unit (for anything else)")
        if currency is not None and currencies.get(alpha_3=currency) is None:
            read.fail("currency", f"'{currency}' is not an ISO 4217 currency code, such as AZN or USD")
        approximation = read.choice("approx", self.approximations, "approximation")
        if approximation is not None and quote is not None:
            self._check_worded(read, "approx", approximation, quote)
        period = read.parsed("period", parse_period)
        if period is not None and quote is not None:
            for year in period.years:
                if year not in quote.exact:
                    read.fail("period", f"the year {year} is not in the quote; quote the words that give the period")
        return FigureClaim(
            **common,
            metric=read.choice("metric", self.metrics, "metric", required=True),
            value=value,
            currency=currency,
            unit=unit,
            approximation=approximation,
            period=period,
            product=self._entity(read, "product", of_type=AZKG.Product),
            per=read.choice("per", self.units, "unit"),
            counterparty=self._entity(read, "counterparty", of_type=AZKG.Organization),
        )

    def _check_worded(self, read: FieldReader, key: str, concept: URIRef, quote: QuoteSpan) -> None:
        words = self.ontology.wordings(concept)
        if not any(word.lower() in quote.exact.lower() for word in words):
            read.fail(key, f"the quote has none of the words for this: {', '.join(words)}")

    def _relation(self, read: FieldReader, common: dict) -> RelationClaim | None:
        relation = read.choice("relation", self.properties, "relation", required=True, where="ontology/azkg.ttl")
        target = self._target(read, relation, common["quote"]) if relation is not None else (None, None)
        since = read.parsed("since", parse_year_or_date)
        if since is not None and common["quote"] is not None and str(since)[:4] not in common["quote"].exact:
            read.fail("since", f"the year {str(since)[:4]} is not in the quote; quote the words that date it")
        return RelationClaim(
            **common,
            relation=relation,
            object_entity=target[0],
            object_value=target[1],
            since=since,
            date_basis=read.text("date_basis"),
        )

    def _target(
        self, read: FieldReader, relation: URIRef, quote: QuoteSpan | None
    ) -> tuple[str | None, URIRef | Literal | None]:
        range_ = self.ontology.range_of(relation)
        if relation in self.object_properties:
            if "value" in read.record.values:
                read.fail("value", "this relation links to an entity; give 'object', not 'value'")
            vocabulary = self.ontology.vocabulary_of(range_) if range_ is not None else None
            if vocabulary is not None:
                return None, read.choice("object", self.ontology.concepts(vocabulary), vocabulary, required=True)
            entity = self._entity(read, "object", required=True)
            return entity, self._entity_iri(entity)
        if "object" in read.record.values:
            read.fail("object", "this relation takes a literal; give 'value', not 'object'")
        return None, self._literal(read, range_, quote)

    def _literal(self, read: FieldReader, range_: URIRef | None, quote: QuoteSpan | None) -> Literal | None:
        if range_ == XSD.boolean:
            flag = read.choice("value", BOOLEANS, "truth value", required=True)
            return None if flag is None else Literal(flag)
        if range_ == XSD.gYear:
            year = read.parsed("value", _year, required=True)
            return None if year is None else Literal(year, datatype=XSD.gYear)
        if range_ == XSD.date:
            day = read.parsed("value", parse_date, required=True)
            if (
                day is not None
                and quote is not None
                and str(day.year) not in quote.exact
                and not read.record.values.get("date_basis")
            ):
                read.fail(
                    "date_basis", f"the quote does not give the year {day.year}; say in date_basis how it was inferred"
                )
            return None if day is None else Literal(day.isoformat(), datatype=XSD.date)
        text = read.text("value", required=True)
        return None if text is None else Literal(text)

    def _entity_iri(self, entity_id: str | None) -> URIRef | None:
        return None if entity_id is None else entity_iri(entity_id)


def _positive_int(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise ValueError(f"'{text}' is not a positive whole number")
    return int(text)


def _year(text: str) -> str:
    if not (len(text) == 4 and text.isdigit()):
        raise ValueError(f"'{text}' is not a year; write four digits, such as 2011")
    return text
