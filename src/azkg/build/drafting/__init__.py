"""`azkg draft SOURCE`: drafted claims for a curator to review, never invented.

Every quote is a verbatim span of the source text and every value a number `numbers_in` reads from
that quote. The pipeline: sentences and clauses (sentences) -> amounts (quantities) -> hedges, status,
phase, period (qualifiers) -> metric (metrics) -> who the figure is about (mentions, context) ->
relations -> conflicts with figures already curated -> YAML (writer).
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from azkg.build.drafting import metrics, qualifiers
from azkg.build.drafting.context import SUBJECTS, Context
from azkg.build.drafting.mentions import Entity, EntityIndex, guess_type, unknown_names
from azkg.build.drafting.project import DraftError, Existing, SourceInfo, load_entities, load_existing, load_source
from azkg.build.drafting.quantities import Quantity, quantities
from azkg.build.drafting.relations import relations
from azkg.build.drafting.sentences import Span, occurrence, split_between
from azkg.build.drafting.vocabulary import Vocabulary, load_vocabulary
from azkg.build.drafting.writer import render
from azkg.build.numbers import canonical, numbers_in
from azkg.errors import AzkgError
from azkg.settings import Paths

__all__ = [
    "Draft",
    "DraftError",
    "Existing",
    "SourceInfo",
    "draft_source",
    "draft_text",
    "load_entities",
    "load_existing",
    "load_source",
    "render",
]


@dataclass
class Claim:
    id: str
    fields: dict[str, object]  # in output order, without id and draft
    notes: list[str] = field(default_factory=list)
    start: int = 0


@dataclass
class Draft:
    source: str
    curated_on: str
    claims: list[Claim]
    proposed: list[dict[str, Any]]


def draft_source(paths: Paths, source_id: str, curated_on: str) -> Draft:
    source = load_source(paths, source_id)
    if source.language.split("-")[0].lower() != "en":
        raise DraftError(f"source '{source_id}' is in '{source.language}': the drafter reads English only")
    entities = load_entities(paths.entities_file)
    existing = load_existing(paths, exclude=source_id)
    vocabulary = load_vocabulary(paths.ontology_dir)
    from azkg.build.lookup import find_entities_many

    def look_up(names: list[str]) -> dict[str, list[tuple[str, float]]]:
        try:
            found = find_entities_many(paths, names, limit=3)
        except AzkgError:
            return {}
        return {name: [(m.id, m.score) for m in matches] for name, matches in found.items()}

    result = draft_text(source, entities, vocabulary, existing, curated_on, look_up)
    if not result.claims:
        raise DraftError(
            f"found no figures or relations in {paths.relative(paths.sources_dir / (source_id + '.txt'))}"
        )
    return result


def draft_text(
    source: SourceInfo,
    entities: list[Entity],
    vocabulary: Vocabulary,
    existing: list[Existing],
    curated_on: str,
    look_up=None,
) -> Draft:
    """The pipeline on a text in memory: what `draft_source` runs, and what the fuzz test calls."""
    text = source.text
    index = EntityIndex(entities)
    context = Context.read(text, index)
    country_codes = _country_codes(entities)
    claims: list[Claim] = []
    used: dict[str, int] = {}
    for sentence in context.sentences:
        found = quantities(text, sentence.span.start, sentence.span.end)
        previous: Quantity | None = None
        previous_metric: str | None = None
        pieces = _pieces(text, sentence, found)
        for quantity in found:
            if quantity.unit == "inherit":
                if previous is None or previous.currency or previous.unit in (None, "inherit"):
                    continue
                quantity.unit, quantity.counted = previous.unit, previous.counted
                inherited = previous_metric
            else:
                inherited = None
            claim, metric = _figure(context, sentence, pieces, quantity, source, vocabulary, existing, inherited)
            previous, previous_metric = quantity, metric
            if claim is not None:
                claims.append(claim)
    for relation in relations(context, source.issued, country_codes, source.issued_not_before):
        start, end = relation.start, relation.end
        while start < end and text[start].isspace():
            start += 1
        while end > start and (text[end - 1].isspace() or text[end - 1] in ".!?;,"):
            end -= 1
        quote = text[start:end]
        if not quote:
            continue
        fields: dict[str, object] = {"about": relation.about, "relation": relation.relation}
        if relation.object is not None:
            fields["object"] = relation.object
        else:
            fields["value"] = relation.value
        if relation.date_basis:
            fields["date_basis"] = relation.date_basis
        _add_quote(fields, text, start, quote)
        claims.append(Claim("", fields, [relation.reason], relation.start))
    proposed, spans = _proposals(text, context, vocabulary, look_up)
    for claim in claims:
        if claim.fields.get("about") is None:
            around = context.sentence_at(claim.start)
            for (start, _end), entry in spans:
                if around is not None and around.span.start <= start < around.span.end:
                    hint = f"the sentence names '{entry['label']}', proposed as entity {entry['id']}"
                    if "draft" in entry:
                        hint += f" ({entry['draft']})"
                    claim.notes.append(hint)
    claims.sort(key=lambda c: (c.start, "relation" in c.fields))
    for claim in claims:
        kind = claim.fields.get("metric") or claim.fields.get("relation") or "figure"
        kind = re.sub(r"(?<=[a-z])(?=[A-Z])", "-", str(kind))  # holdsPost -> holds-Post -> holds-post
        base = _slug(f"{claim.fields.get('about') or 'unknown'}-{kind}")
        used[base] = used.get(base, 0) + 1
        claim.id = base if used[base] == 1 else f"{base}-{used[base]}"
    return Draft(source.id, curated_on, claims, proposed)


def _figure(
    context: Context,
    sentence,
    pieces: list[Span],
    quantity: Quantity,
    source: SourceInfo,
    vocabulary: Vocabulary,
    existing: list[Existing],
    inherited: str | None,
):
    text = source.text
    clause = next((c for c in pieces if c.start <= quantity.start < c.end), sentence.span)
    clause = Span(min(clause.start, quantity.start), max(clause.end, quantity.end))
    notes: list[str] = []
    sentence_text = text[sentence.span.start : sentence.span.end]
    # a phase or period written elsewhere in the sentence widens the quote to take it in
    quote_span = clause
    for pattern in (qualifiers.PHASE, qualifiers.QUARTER, qualifiers.RANGE, qualifiers.RELATIVE_OPENER):
        extra = pattern.search(sentence_text)
        own_year = qualifiers.ONE_YEAR.search(text[clause.start : clause.end]) and pattern is not qualifiers.PHASE
        if extra and not own_year and not pattern.search(text[clause.start : clause.end]):
            a, b = sentence.span.start + extra.start(), sentence.span.start + extra.end()
            holder = next((c for c in sentence.clauses if c.start <= a < c.end), None)
            if holder is not None and a < clause.start:
                a = holder.start  # "In the second phase, ...": the whole opener
            elif holder is not None and b > clause.end:
                b = holder.end
            quote_span = Span(min(quote_span.start, a), max(quote_span.end, b))
            break
    quote = text[quote_span.start : quote_span.end]
    kind = metrics.kind_of(quantity.currency, quantity.unit)
    at = quantity.start - quote_span.start
    metric, why = metrics.propose(quote, at, kind, quantity.counted, sentence_text, vocabulary.metrics)
    if inherited and (metric is None or (metric == inherited and not quantity.counted)):
        metric, why = inherited, "metric of the figure it is part of ('of which')"
    notes.append(why)
    written = numbers_in(quote)
    values = quantity.values or {quantity.currency or "": quantity.value}
    if not all(any(v == w for w in written) for v in values.values()):
        return None, metric  # never draft a value the quote does not write
    fields: dict[str, object] = {}
    if metric in ("industrial-park-count", "industrial-district-count"):
        subject, reason = _network(context), "a count of zones is about the zone network"
    else:
        types = {"Product"} if metric == "payload" else SUBJECTS
        subject, reason = context.subject(sentence, quantity.start, types)
        invested = re.match(r"\s+in\s+(?:an?|the)\s+", text[quantity.end : quantity.end + 8])
        if invested and metric == "investment":
            plants = [
                m
                for m in sentence.mentions
                if m.type in ("Plant", "ServiceCentre", "Facility") and m.start > quantity.end
            ]
            if plants and plants[0].start - quantity.end < 40:
                subject, reason = plants[0], "the plant the money is invested in"
    fields["about"] = subject.id if subject else None
    notes.append(f"about: {reason}" if subject else "about: no entity found; fill in")
    fields["metric"] = metric
    if quantity.values:
        fields["values"] = {code: canonical(value) for code, value in quantity.values.items()}
    else:
        fields["value"] = canonical(quantity.value)
        if quantity.currency:
            fields["currency"] = quantity.currency
        else:
            fields["unit"] = quantity.unit
    hedge, hedge_note = qualifiers.approximation(
        text[max(0, quantity.number_start - 40) : quantity.number_start], vocabulary.approximations
    )
    if hedge:
        fields["approx"] = hedge
    if hedge_note:
        notes.append(hedge_note)
    status = qualifiers.status(quote)
    if status == "ongoing" and metric in ("production-capacity", "jobs"):
        status = "planned"
    if status:
        fields["status"] = status
    phase = qualifiers.phase(quote)
    if phase:
        fields["phase"] = phase
    period = qualifiers.period(quote, source.issued)
    if period.value:
        fields["period"] = period.value
    if period.date_basis:
        fields["date_basis"] = period.date_basis
    if period.note:
        notes.append(period.note)
    _add_quote(fields, text, quote_span.start, quote)
    notes.extend(_conflicts(fields, existing))
    return Claim("", fields, notes, quantity.start), metric


def _pieces(text: str, sentence, found: list[Quantity]) -> list[Span]:
    """The sentence's clauses, those with several figures cut between them where a new predicate starts."""
    pieces: list[Span] = []
    for clause in sentence.clauses:
        inside = [q for q in found if clause.start <= q.start < clause.end]
        cuts = [(a.end, b.start) for a, b in itertools.pairwise(inside)]
        pieces.extend(split_between(text, clause, cuts) if cuts else [clause])
    return pieces


def _add_quote(fields: dict[str, object], text: str, start: int, quote: str) -> None:
    n = occurrence(text, quote, start)
    if n is not None:
        fields["occurrence"] = n
    fields["quote"] = quote


def _network(context: Context):
    networks = {e.id: e for e in context.index.entities.values() if e.type == "ZoneNetwork"}
    if len(networks) == 1:
        from azkg.build.drafting.mentions import Mention

        return Mention(0, 0, next(iter(networks.values())))
    return None


def _conflicts(fields: dict[str, object], existing: list[Existing]) -> list[str]:
    about, metric = fields.get("about"), fields.get("metric")
    if not about or not metric:
        return []
    measures: Any = (  # {currency or unit: value}
        fields["values"] if "values" in fields else {fields.get("currency") or fields.get("unit"): fields["value"]}
    )
    notes = []
    for fact in existing:
        if (fact.about, fact.metric, fact.period, fact.status) != (
            about,
            metric,
            fields.get("period"),
            fields.get("status"),
        ):
            continue
        drafted = measures.get(fact.measure)
        if drafted is not None and Decimal(str(drafted)) != fact.value:
            notes.append(
                f"conflicts with {fact.source}/{fact.id}: {canonical(fact.value)} {fact.measure} there, {drafted} here"
            )
    return notes


def _proposals(text: str, context: Context, vocabulary: Vocabulary, look_up):
    """New entities for the capitalised names no entity has, each with its first span; near misses
    the look-up finds are offered as "did you mean"."""
    proposed: list[dict[str, object]] = []
    spans: list[tuple[tuple[int, int], dict[str, object]]] = []
    by_id: dict[str, dict[str, object]] = {}
    taken = set(context.index.entities)
    unknowns = unknown_names(text, context.mentions)
    answers = look_up([u.name for u in unknowns]) if look_up and unknowns else {}
    for unknown in unknowns:
        near = answers.get(unknown.name, [])
        if any(score == 1.0 for _, score in near):
            continue  # the look-up knows it (legal form or article aside)
        entity_id = _slug(unknown.name)
        if entity_id in by_id:
            spans.append(((unknown.start, unknown.end), by_id[entity_id]))
            continue
        if not entity_id or entity_id in taken:
            continue
        bare = LEGAL_SUFFIX.sub("", unknown.name)
        entry: dict[str, object] = {
            "id": entity_id,
            "type": guess_type(unknown.name, text[unknown.end : unknown.end + 8], vocabulary.classes),
            "label": unknown.name,
            "names": [bare],
        }
        if near:
            entry["draft"] = "did you mean " + ", ".join(f"{i} ({score:.0%} alike)" for i, score in near) + "?"
        proposed.append(entry)
        by_id[entity_id] = entry
        spans.append(((unknown.start, unknown.end), entry))
    return proposed, spans


LEGAL_SUFFIX = re.compile(r"\s+(?:LLC|OJSC|CJSC|JSC|PJSC|Ltd|LTD|Inc|PLC|MMC|ASC|QSC|GmbH|AG)\.?$")


def _country_codes(entities: list[Entity]) -> dict[str, str]:
    return {e.code: e.id for e in entities if e.type == "Country" and e.code}


def _slug(text: str) -> str:
    from azkg.names import normalise

    return re.sub(r"-+", "-", re.sub(r"[^a-z0-9]+", "-", normalise(text))).strip("-")[:60].strip("-")
