"""Reading one data/curation/<source>.yaml claim into a FigureClaim or RelationClaim.

Each check here exists because a curator can get it wrong: the quote must be verbatim, the value
must be a number the quote writes, a hedge or phase must be worded in the quote.
"""

from __future__ import annotations

from decimal import Decimal

from pycountry import currencies
from rdflib import Literal, URIRef
from rdflib.namespace import XSD

from azkg.build.dates import Period, parse_date, parse_period, parse_year_or_date
from azkg.build.fields import FieldReader
from azkg.build.located_yaml import Record
from azkg.build.numbers import canonical, numbers_in, parse_decimal
from azkg.build.ontology import Ontology
from azkg.build.quotes import QuoteNotFoundError, QuoteSpan, locate
from azkg.build.records import Entity, FigureClaim, RelationClaim, Where
from azkg.build.sources import SourceDocument
from azkg.errors import Problem
from azkg.iris import entity_iri, is_slug
from azkg.vocab import AZKG

COMMON = {"id", "about", "quote", "occurrence", "as_of", "phase", "status", "note", "stated_by", "draft"}
FIGURE = COMMON | {
    "metric", "value", "values", "currency", "unit", "approx", "period", "date_basis", "product", "per",
    "counterparty", "country", "terms",
}
RELATION = COMMON | {"relation", "object", "value", "since", "date_basis"}
FIELD_HELP = {  # docs/curation.md's table of fields is generated from this (azkg reference)
    "id": "unique in the file; the fact's IRI is https://w3id.org/azkg/fact/<source>/<id>",
    "draft": "set by `azkg draft` on a claim nobody has reviewed; delete the line to accept the claim",
    "about": "the entity id the claim is about",
    "quote": "the words of the source that state the claim, verbatim",
    "occurrence": "which occurrence of the quote is meant (1-based), when it occurs more than once",
    "as_of": "the date the claim holds at; default: the source's date",
    "phase": "the project phase in the source's word (first, second, next); the word must be in the quote",
    "status": "actual (default), ongoing or planned",
    "note": "a curator's note (skos:editorialNote)",
    "stated_by": "the person or body the article quotes as stating the claim (\"the ministry said\")",
    "metric": "what the figure measures (a metric below)",
    "value": "the full number the quote writes: \"6.7 billion\" is 6700000000; for a relation, a literal",
    "values": "a figure the quote gives in several currencies: {AZN: 8100000000, USD: 4700000000}",
    "currency": "the ISO 4217 code of a sum of money (manats AZN, $ USD, euros EUR)",
    "unit": "the unit of anything else (a unit below)",
    "approx": "how the source hedges the number; its words must be in the quote",
    "period": "the period a flow covers: 2024, 2025-Q1 or 2018/2024; each year in the quote unless date_basis",
    "date_basis": "how a date or period was worked out when the quote does not write its year",
    "product": "an entity of type Product: what is counted or valued",
    "per": "the period unit of a rate: year for \"annually\"",
    "counterparty": "an organisation: the other party of a sum (the fund that granted a loan)",
    "country": "a country: where imports come from or exports go to",
    "terms": "the terms of a loan or grant in the source's word (preferential, concessional); the word is in the quote",
    "relation": "a relation below",
    "object": "the entity a relation links to (or a concept of its vocabulary)",
    "since": "when a relation began (YYYY or YYYY-MM-DD); the year must be in the quote",
}
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

    def read(self, item: Record, problems: list[Problem]) -> list[FigureClaim | RelationClaim]:
        """The claim's facts: one, or one per currency of a figure given in several (`values`)."""
        is_figure = "metric" in item.values
        if not is_figure and "relation" not in item.values:
            problems.append(item.problem("id", "a claim needs either 'metric' (a figure) or 'relation'"))
            return []
        before = len(problems)
        read = FieldReader(item, FIGURE if is_figure else RELATION, problems)
        common = self._common(read)
        claims = self._figures(read, common) if is_figure else [self._relation(read, common)]
        return [c for c in claims if c is not None] if len(problems) == before else []

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
            "stated_by": self._entity(read, "stated_by"),
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

    def _figures(self, read: FieldReader, common: dict) -> list[FigureClaim]:
        quote: QuoteSpan | None = common["quote"]
        amounts = self._amounts(read, quote)
        approximation = read.choice("approx", self.approximations, "approximation")
        if approximation is not None and quote is not None:
            self._check_worded(read, "approx", approximation, quote)
        period, period_basis = self._period(read, quote)
        shared = {
            **common,
            "metric": read.choice("metric", self.metrics, "metric", required=True),
            "unit": read.choice("unit", self.units, "unit"),
            "approximation": approximation,
            "period": period,
            "period_basis": period_basis,
            "product": self._entity(read, "product", of_type=AZKG.Product),
            "per": read.choice("per", self.units, "unit"),
            "counterparty": self._entity(read, "counterparty", of_type=AZKG.Organization),
            "partner_country": self._entity(read, "country", of_type=AZKG.Country),
            "terms": self._terms(read, quote),
        }
        if len(amounts) == 1:
            value, currency = amounts[0]
            # None only beside a reported problem, and then no claim is kept
            return [FigureClaim(**shared, value=value, currency=currency, same_figure=())]  # type: ignore[arg-type]
        ids = [f"{common['id']}-{currency.lower()}" for _, currency in amounts]  # type: ignore[union-attr]
        return [
            FigureClaim(
                **{**shared, "id": claim_id}, value=value, currency=currency,  # type: ignore[arg-type]
                same_figure=tuple(i for i in ids if i != claim_id),
            )
            for claim_id, (value, currency) in zip(ids, amounts, strict=True)
        ]

    def _amounts(self, read: FieldReader, quote: QuoteSpan | None) -> list[tuple[Decimal | None, str | None]]:
        """(value, currency) pairs: `value` with `currency` or `unit`, or `values` with one per currency."""
        record = read.record.values
        if "values" in record:
            if any(key in record for key in ("value", "currency", "unit")):
                read.fail("values", "give either values (one per currency) or value with currency or unit")
                return [(None, None)]
            return self._several(read, quote)
        value = read.parsed("value", parse_decimal, required=True)
        self._check_written(read, "value", value, quote)
        currency = read.text("currency")
        if (currency is None) == (record.get("unit") is None):
            read.fail("currency", "give exactly one of currency (for money) or unit (for anything else)")
        self._check_currency(read, "currency", currency)
        return [(value, currency)]

    def _several(self, read: FieldReader, quote: QuoteSpan | None) -> list[tuple[Decimal | None, str | None]]:
        given = read.record.values["values"]
        if not isinstance(given, Record) or len(given.values) < 2:
            read.fail("values", "must map two or more currencies to values, such as {AZN: 8100000000, USD: 4700000000}")
            return [(None, None)]
        amounts: list[tuple[Decimal | None, str | None]] = []
        for currency, raw in given.values.items():
            try:
                value = parse_decimal(str(raw))
            except ValueError as err:
                read.fail("values", f"{currency}: {err}")
                continue
            self._check_written(read, "values", value, quote)
            self._check_currency(read, "values", currency)
            amounts.append((value, currency))
        return amounts

    def _check_written(self, read: FieldReader, key: str, value: Decimal | None, quote: QuoteSpan | None) -> None:
        if value is not None and quote is not None and value not in numbers_in(quote.exact):
            written = ", ".join(canonical(n) for n in numbers_in(quote.exact)) or "none"
            read.fail(
                key,
                f"{canonical(value)} is not a number the quote writes (it writes: {written}); "
                "write the full number, such as 6700000000 for '6.7 billion'",
            )

    def _terms(self, read: FieldReader, quote: QuoteSpan | None) -> str | None:
        terms = read.text("terms")
        if terms is not None and quote is not None and terms.lower() not in quote.exact.lower():
            read.fail("terms", f"the word '{terms}' is not in the quote; quote the words that give the terms")
        return terms

    def _check_currency(self, read: FieldReader, key: str, currency: str | None) -> None:
        if currency is not None and currencies.get(alpha_3=currency) is None:
            read.fail(key, f"'{currency}' is not an ISO 4217 currency code, such as AZN or USD")

    def _period(self, read: FieldReader, quote: QuoteSpan | None) -> tuple[Period | None, str | None]:
        """The period, its years written in the quote, or dated by a basis ("'last year' in a source of
        2023"): a relative period cannot write its year."""
        period = read.parsed("period", parse_period)
        basis = read.text("date_basis")
        if basis is not None and period is None:
            read.fail("date_basis", "says how a period was dated; give the period too")
        if period is not None and quote is not None and basis is None:
            for year in period.years:
                if year not in quote.exact:
                    read.fail(
                        "period",
                        f"the year {year} is not in the quote; quote the words that give the period, or say in "
                        "date_basis how it was dated (such as \"'last year' in a source issued 2023-05-02\")",
                    )
        return period, basis

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
            relation=relation,  # type: ignore[arg-type]  # None only beside a reported problem
            object_entity=target[0],
            object_value=target[1],  # type: ignore[arg-type]
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
