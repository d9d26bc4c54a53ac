"""Relations from the commonest sentence patterns, each with the reason it was proposed."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from azkg.build.drafting.context import FACILITIES, ORGANISATIONS, SUBJECTS, ZONES, Context, Sentence
from azkg.build.drafting.mentions import LEGAL_FORM, Mention

DEMONYMS = {
    "chinese": "CN",
    "italian": "IT",
    "turkish": "TR",
    "iranian": "IR",
    "russian": "RU",
    "german": "DE",
    "japanese": "JP",
    "korean": "KR",
    "uzbek": "UZ",
    "azerbaijani": "AZ",
    "american": "US",
    "french": "FR",
    "british": "GB",
    "belarusian": "BY",
    "kazakh": "KZ",
    "georgian": "GE",
    "indian": "IN",
    "emirati": "AE",
}
EVENTS = {"Opening", "Launch", "Event"}
MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]


@dataclass
class Relation:
    about: str
    relation: str
    object: str | None
    value: str | None
    start: int  # the quote's span
    end: int
    reason: str
    date_basis: str | None = None


def relations(
    context: Context, issued: str | None, country_codes: dict[str, str], not_before: str | None = None
) -> list[Relation]:
    found: list[Relation] = []
    for sentence in context.sentences:
        found.extend(_in_sentence(context, sentence, issued, country_codes, not_before))
    unique: dict[tuple, Relation] = {}
    for relation in found:
        unique.setdefault((relation.about, relation.relation, relation.object, relation.value), relation)
    return list(unique.values())


@dataclass
class Scope:
    """One sentence as the patterns see it: its text, its mentions, and helpers over them."""

    context: Context
    sentence: Sentence
    issued: str | None
    codes: dict[str, str]
    not_before: str | None

    @property
    def text(self) -> str:
        return self.context.text

    @property
    def span(self):
        return self.sentence.span

    @property
    def body(self) -> str:
        return self.text[self.span.start : self.span.end]

    @property
    def ms(self) -> list[Mention]:
        return sorted(self.sentence.mentions, key=lambda m: (m.start, m.id))

    def of(self, types: set[str]) -> list[Mention]:
        return [m for m in self.ms if m.type in types]

    def between(self, a: Mention, b: Mention) -> str:
        return self.text[a.end : b.start] if a.end <= b.start else self.text[b.end : a.start]

    def clause_of(self, at: int):
        for clause in self.sentence.clauses:
            if clause.start <= at <= clause.end:
                return clause
        return self.span


def _in_sentence(
    context: Context, sentence: Sentence, issued: str | None, codes: dict[str, str], not_before: str | None
) -> Iterator[Relation]:
    scope = Scope(context, sentence, issued, codes, not_before)
    for pattern in PATTERNS:
        yield from pattern(scope)


def _zones_listed_as_operating(s: Scope) -> Iterator[Relation]:
    """Zones listed after "operate in COUNTRY, including": operating, and in that country."""
    span, body, of = s.span, s.body, s.of
    listed = re.search(r"\boperat\w*\s+in\s+", body)
    including = re.search(r",?\s+including\s+", body)
    if listed and including and listed.start() < including.start():
        cut = span.start + including.end()
        countries = [m for m in of({"Country"}) if span.start + listed.end() <= m.start < cut]
        for zone in [m for m in of(ZONES - {"ZoneNetwork"}) if m.start >= cut]:
            reason = "a zone listed after 'operate in ..., including'"
            yield Relation(zone.id, "zoneStatus", "operating", None, span.start, span.end, reason)
            for country in countries:
                yield Relation(
                    zone.id, "locatedIn", country.id, None, span.start, span.end, reason + " with the country"
                )


def _zones_being_established(s: Scope) -> Iterator[Relation]:
    """Zones being established: "efforts to establish X and Y", "X is being established"."""
    span, body, of = s.span, s.body, s.of
    establishing = re.search(r"\b(?:to establish|being established|to set up|to create)\b", body)
    if establishing:
        zones = [m for m in of(ZONES - {"ZoneNetwork"}) if m.start >= span.start + establishing.start()]
        for zone in zones:
            end = max(z.end for z in zones)
            yield Relation(
                zone.id,
                "zoneStatus",
                "being-established",
                None,
                span.start,
                end,
                f"'{establishing[0]}' before the zone's name",
            )


def _zones_named_after_places(s: Scope) -> Iterator[Relation]:
    """A zone and a place of one name: "industrial districts in Masalli, Neftchala"."""
    text, span, ms, of = s.text, s.span, s.ms, s.of
    for mention in of(ZONES - {"ZoneNetwork"}):
        places = [m for m in ms if m.start == mention.start and m.end == mention.end and m.type == "AdministrativeArea"]
        context_before = text[max(span.start, mention.start - 80) : mention.start]
        hits = list(re.finditer(r"\b(?:industrial\s+)?(?:districts?|parks?|zones?|quarters?)\s+in\b", context_before))
        if places and hits:
            start = mention.start - len(context_before) + hits[-1].start()
            end = _list_end(text, mention.end, span.end)
            yield Relation(mention.id, "locatedIn", places[0].id, None, start, end, "a zone named after its place")


def _names_next_to_each_other(s: Scope) -> Iterator[Relation]:
    """ZONE” in PLACE / FACILITY in ZONE, next to each other."""
    text, of = s.text, s.of
    for first in of(ZONES | FACILITIES | EVENTS):
        for second in of(ZONES | {"AdministrativeArea", "Country"}):
            if second.id == first.id or second.start < first.end:
                continue
            gap = text[first.end : second.start]
            if re.fullmatch(r"[”\"’]?\s+(?:in|at)\s+(?:the\s+)?(?:territor\w+\s+of\s+)?", gap):
                yield Relation(
                    first.id,
                    "locatedIn",
                    second.id,
                    None,
                    first.start,
                    second.end,
                    f"'{gap.strip()}' between the two names",
                )


def _zones_covering_places(s: Scope) -> Iterator[Relation]:
    """ZONE covering (the territories of) PLACE and PLACE."""
    text, of, clause_of = s.text, s.of, s.clause_of
    for zone in of(ZONES - {"ZoneNetwork"}):
        cover = re.match(r"\s+(?:covering|spanning|across)\s+(?:the\s+)?(?:territor\w+\s+of\s+)?", text[zone.end :])
        if not cover:
            continue
        end = clause_of(zone.start).end
        for place in of({"AdministrativeArea"}):
            if zone.end + cover.end() <= place.start < end:
                yield Relation(zone.id, "locatedIn", place.id, None, zone.start, end, f"'{cover[0].strip()}' a place")


def _products_made(s: Scope) -> Iterator[Relation]:
    """COMPANY (will) assemble(s) PRODUCT: what it makes."""
    text, of, clause_of = s.text, s.of, s.clause_of
    for product in of({"Product"}):
        clause = clause_of(product.start)
        verb = re.search(
            r"\b(?:assembl\w*|produc(?:e|es|ed|ing)|manufactur\w*|makes?|made)\s+(?:[\w-]+\s+){0,2}$",
            text[clause.start : product.start],
        )
        if verb is None or re.search(r"\d", verb[0]):
            continue
        makers = [
            m
            for m in of(ORGANISATIONS | FACILITIES)
            if clause.start <= m.start and m.end <= clause.start + verb.start()
        ]
        if makers:  # the company that makes it, else the plant
            companies = [m for m in makers if m.type in ORGANISATIONS]
            maker = (companies or makers)[-1]
            yield Relation(
                maker.id, "produces", product.id, None, maker.start, product.end, f"'{verb[0].split()[0]}' a product"
            )


def _plants(s: Scope) -> Iterator[Relation]:
    """PLANT of/by COMPANY (LLC) in/at ZONE; COMPANY is investing in a PLANT at ZONE."""
    context, text, of, between = s.context, s.text, s.of, s.between
    for plant in of(FACILITIES):
        companies = [c for c in of(ORGANISATIONS) if abs(c.start - plant.end) < 90 or abs(plant.start - c.end) < 90]
        operator = None
        for company in companies:
            gap = between(plant, company)
            if (company.start >= plant.end and re.fullmatch(r"\s+(?:of|by)\s+[“\"]?", gap)) or (
                company.end <= plant.start
                and re.search(
                    r"\b(?:(?:is|are|will be)\s+(?:investing|building|constructing|opening|launching)|plans?\s+to\s+"
                    r"(?:build|open|construct|launch|set up|invest))\b",
                    gap,
                )
            ):
                operator = company
        if operator is not None:
            start, end = min(plant.start, operator.start), max(plant.end, _close_legal(text, operator.end))
            yield Relation(plant.id, "operator", operator.id, None, start, end, "a plant 'of' or 'by' a company")
        for zone in of(ZONES - {"ZoneNetwork"}):
            gap = text[plant.end : zone.start]
            if zone.start > plant.end and len(gap) < 60 and re.search(r"\s(?:at|in)\s+(?:the\s+)?$", gap):
                yield Relation(
                    plant.id, "locatedIn", zone.id, None, plant.start, zone.end, "a plant 'at' or 'in' a zone"
                )
                if operator is not None and operator.type == "Company":
                    yield Relation(
                        operator.id,
                        "residentIn",
                        zone.id,
                        None,
                        min(operator.start, plant.start),
                        zone.end,
                        "its plant is in the zone",
                    )
                break
        # the products in the plant's name: "mirror sheet production plant"
        named = context.index.named_inside(text[plant.start : plant.end], {"Product"}) if plant.type == "Plant" else []
        for product in named:
            yield Relation(
                plant.id, "produces", product.id, None, plant.start, plant.end, "a product named in the plant's name"
            )


def _posts_in_countries(s: Scope) -> Iterator[Relation]:
    """A post's name with its country: "President of the Republic of Azerbaijan"."""
    context, text, of = s.context, s.text, s.of
    for post in of({"Post"}):
        for country in context.index.named_inside(text[post.start : post.end], {"Country"}):
            yield Relation(post.id, "postIn", country.id, None, post.start, post.end, "a country in the post's name")


def _events(s: Scope) -> Iterator[Relation]:
    """Events: the opening of a PLANT; people who attended."""
    text, span, body, of, issued, not_before = s.text, s.span, s.body, s.of, s.issued, s.not_before
    for event in of(EVENTS):
        for plant in of(FACILITIES):
            if plant.start > event.end and re.fullmatch(
                r"\s+of\s+(?:the\s+|a\s+|an\s+)?", text[event.end : plant.start]
            ):
                yield Relation(event.id, "inaugurates", plant.id, None, event.start, plant.end, "'<event> of <plant>'")
                for zone in of(ZONES - {"ZoneNetwork"}):
                    gap = text[plant.end : zone.start]
                    if zone.start > plant.end and len(gap) < 60 and re.search(r"\s(?:at|in)\s+(?:the\s+)?$", gap):
                        yield Relation(
                            event.id,
                            "locatedIn",
                            zone.id,
                            None,
                            event.start,
                            zone.end,
                            "the event of a plant 'at' or 'in' a zone",
                        )
                        break
        if re.search(r"\b(?:participated|attended|took part|joined)\b", body):
            for person in of({"Person"}):
                yield Relation(
                    event.id,
                    "participant",
                    person.id,
                    None,
                    span.start,
                    max(event.end, person.end),
                    "a person who attended or took part",
                )
        date = re.search(r"\bOn (" + "|".join(MONTHS) + r") (\d{1,2})\b", body)
        year, basis = _year_of(issued, not_before)
        if date and year:
            value = f"{year}-{MONTHS.index(date[1]) + 1:02d}-{int(date[2]):02d}"
            yield Relation(
                event.id,
                "eventDate",
                None,
                value,
                span.start + date.start(),
                span.start + date.end(),
                "'On <month> <day>'",
                date_basis=basis,
            )


def _legal_forms(s: Scope) -> Iterator[Relation]:
    """COMPANY LLC: its legal form."""
    text, of = s.text, s.of
    for company in of(ORGANISATIONS):
        form = LEGAL_FORM.match(text, company.end)
        if form is None:  # the name matched was the label with its form ("Azermash OJSC")
            inner = re.search(r"\s" + LEGAL_FORM.pattern + "$", text[company.start : company.end])
            form = LEGAL_FORM.match(text, company.start + inner.start()) if inner else None
        if form:
            yield Relation(
                company.id,
                "legalForm",
                None,
                form[1],
                _open_quote(text, company.start),
                form.end(),
                "a legal form after the name",
            )


def _posts_held(s: Scope) -> Iterator[Relation]:
    """POST PERSON: holds the post."""
    text, of = s.text, s.of
    for post in of({"Post"}):
        for person in of({"Person"}):
            if person.start > post.end and re.fullmatch(r"\s*", text[post.end : person.start]):
                yield Relation(person.id, "holdsPost", post.id, None, post.start, person.end, "a post before the name")


def _founders(s: Scope) -> Iterator[Relation]:
    """PERSON, founder of COMPANY / COMPANY founded by PERSON."""
    text, of, between = s.text, s.of, s.between
    for person in of({"Person"}):
        for company in of(ORGANISATIONS):
            gap = between(person, company)
            if (
                company.start > person.end
                and re.fullmatch(r",?\s+(?:the\s+)?(?:co-)?founder\s+of\s+(?:the\s+)?[“\"]?", gap)
            ) or (person.start > company.end and re.search(r"\bfounded by\s+$", gap)):
                yield Relation(
                    company.id,
                    "founder",
                    person.id,
                    None,
                    min(person.start, company.start),
                    _close_legal(text, max(person.end, company.end)),
                    "'founder of' or 'founded by'",
                )


def _brands(s: Scope) -> Iterator[Relation]:
    """Under COUNTRY's BRAND brand."""
    context, sentence, text, span, body, of = s.context, s.sentence, s.text, s.span, s.body, s.of
    for brand in of({"Brand"}):
        before = text[max(span.start, brand.start - 40) : brand.start]
        if re.search(r"\bunder\s+(?:the\s+)?(?:\w+[’']s\s+)?$", before) and re.match(r"\s+brand", text[brand.end :]):
            subject, why = context.subject(sentence, brand.start, FACILITIES | ORGANISATIONS)
            if subject is not None:
                start = span.start + body.find("under", max(0, brand.start - span.start - 40))
                yield Relation(
                    subject.id,
                    "operatesUnderBrand",
                    brand.id,
                    None,
                    _clause_start(sentence, start),
                    brand.end + len(" brand"),
                    f"'under ... brand'; the subject {why}",
                )
        owner = re.search(r"(\w+)[’']s\s+$", before)
        if owner:
            for country in of({"Country"}):
                if country.end == brand.start - len(owner[0]) + len(owner[1]):
                    yield Relation(
                        brand.id,
                        "country",
                        country.id,
                        None,
                        country.start,
                        brand.end + len(" brand"),
                        "'<country>’s <brand>'",
                    )


def _partners(s: Scope) -> Iterator[Relation]:
    """COMPANY assembles BRAND PRODUCT with PARTNER."""
    text, of, clause_of = s.text, s.of, s.clause_of
    for maker in of(ORGANISATIONS):
        verb = re.match(
            r"(?:\s+(?:OJSC|LLC|JSC|CJSC))?\s+(assembles|produces|manufactures|makes|builds)\s+", text[maker.end :]
        )
        if not verb:
            continue
        tail_start = maker.end + verb.end()
        clause = clause_of(maker.start)
        for partner in of(ORGANISATIONS):
            if (
                partner.start > tail_start
                and partner.end <= clause.end
                and re.search(r"\bwith\s+$", text[tail_start : partner.start])
            ):
                yield Relation(
                    maker.id,
                    "assemblesWithPartner",
                    partner.id,
                    None,
                    maker.start,
                    partner.end,
                    f"'{verb[1]} ... with' a partner",
                )
                for brand in of({"Brand"}):
                    if tail_start <= brand.start < partner.start:
                        yield Relation(
                            maker.id, "producesBrand", brand.id, None, maker.start, partner.end, f"a brand it {verb[1]}"
                        )
                for product in of({"Product"}):
                    if tail_start <= product.start < partner.start:
                        yield Relation(
                            maker.id, "produces", product.id, None, maker.start, partner.end, f"a product it {verb[1]}"
                        )


def _place_openers(s: Scope) -> Iterator[Relation]:
    """In PLACE, COMPANY ..."""
    text, span, body, ms, of = s.text, s.span, s.body, s.ms, s.of
    opening = re.match(r"In\s+", body)
    if opening:
        places = [
            m
            for m in ms
            if m.start in (span.start + opening.end(), span.start + opening.end() + 4)
            and m.type in ({"AdministrativeArea", "Country"} | ZONES) - {"ZoneNetwork"}
        ]
        places.sort(key=lambda m: m.type in ZONES)  # "In Neftchala": a name of a town and a district is the town
        if places and text[places[0].end : places[0].end + 1] == ",":
            after = [m for m in of(ORGANISATIONS) if m.start > places[0].end]
            if after and re.fullmatch(r",\s+(?:an?\s+|the\s+)?", text[places[0].end : after[0].start]):
                end = after[0].end + (re.match(r"\s+\w+\s+\w+", text[after[0].end :]) or re.match("", "")).end()  # type: ignore[union-attr]  # "" matches ""
                place, company = places[0], after[0]
                if place.type in ZONES:
                    yield Relation(company.id, "residentIn", place.id, None, span.start, end, "'In <zone>, <company>'")
                    for plant in of({"Plant"}):
                        if plant.start > company.end:
                            yield Relation(
                                plant.id,
                                "locatedIn",
                                place.id,
                                None,
                                span.start,
                                _trim(text, span),
                                "'In <zone>, <company> ... <plant>'",
                            )
                else:
                    yield Relation(company.id, "locatedIn", place.id, None, span.start, end, "'In <place>, <company>'")


def _loans(s: Scope) -> Iterator[Relation]:
    """A loan from ORG / ORG allocated a loan."""
    context, sentence, text, span, of = s.context, s.sentence, s.text, s.span, s.of
    for lender in of({"Fund", "GovernmentBody", "Company", "Organization"}):
        after = text[lender.end : span.end]
        gave = re.match(
            r"(?:\s+under\s+the\s+[\w\s]+?)?\s+(?:allocated|granted|provided|extended|issued)\s+(?:an?\s+)?(?:\w+\s+)?loan",
            after,
        )
        took = re.search(r"\bloan\s+(?:\w+\s+){0,6}?from\s+(?:the\s+)?$", text[span.start : lender.start])
        if re.search(r"\bunder\s+the\s+$", text[max(span.start, lender.start - 12) : lender.start]):
            gave = None  # "the Fund under the Ministry ... allocated": the ministry is not the lender
        if gave or took:
            subject, why = context.subject(sentence, span.start, FACILITIES | ORGANISATIONS)
            if subject is not None and subject.id != lender.id:
                end = lender.end + gave.end() if gave else lender.end
                start = lender.start if gave else span.start + took.start()  # type: ignore[union-attr]  # took, when not gave
                yield Relation(
                    subject.id, "loanFrom", lender.id, None, start, end, f"a loan from it; the borrower {why}"
                )
        under = re.match(r"\s+under\s+the\s+", after)
        if under:
            for parent in of({"GovernmentBody", "Fund", "Company"}):
                if parent.start == lender.end + under.end():
                    yield Relation(
                        lender.id,
                        "subOrganizationOf",
                        parent.id,
                        None,
                        lender.start,
                        parent.end,
                        "'<organisation> under the <organisation>'",
                    )


def _technology(s: Scope) -> Iterator[Relation]:
    """Based on Chinese technology; technology from COUNTRY."""
    context, sentence, span, body, codes = s.context, s.sentence, s.span, s.body, s.codes
    for match in re.finditer(r"\b([A-Z][a-z]+)\s+technolog\w*", body):
        code = DEMONYMS.get(match[1].lower())
        country = codes.get(code or "")
        if country:
            subject, why = context.subject(sentence, span.start + match.start(), FACILITIES | ORGANISATIONS)
            if subject is not None:
                start = _clause_start(sentence, span.start + match.start())
                yield Relation(
                    subject.id,
                    "technologyFrom",
                    country,
                    None,
                    start,
                    span.start + match.end(),
                    f"'{match[0]}'; the subject {why}",
                )


def _company_countries(s: Scope) -> Iterator[Relation]:
    """Chinese automaker BYD: the company's country (and sector, when the noun names one)."""
    context, text, span, of, codes = s.context, s.text, s.span, s.of, s.codes
    for company in of(ORGANISATIONS):
        before = re.search(
            r"\b([A-Z][a-z]+)\s+((?:[a-z][\w-]*\s+){0,2}[a-z][\w-]*)\s+$",
            text[max(span.start, company.start - 50) : company.start],
        )
        if before and before[1].lower() in DEMONYMS and codes.get(DEMONYMS[before[1].lower()]):
            start = company.start - len(before[0])
            yield Relation(
                company.id,
                "country",
                codes[DEMONYMS[before[1].lower()]],
                None,
                start,
                company.end,
                f"'{before[1]}' before the company's name",
            )
            for sector in context.index.mentions(before[2]):
                if sector.type == "Sector":
                    yield Relation(company.id, "sector", sector.id, None, start, company.end, f"'{before[2]}'")


def _joint_venture_partners(s: Scope) -> Iterator[Relation]:
    """A joint venture with COUNTRY."""
    text, of = s.text, s.of
    for venture in of({"JointVenture"}):
        for country in of({"Country"}):
            if country.start > venture.end and re.fullmatch(r"\s+with\s+", text[venture.end : country.start]):
                yield Relation(
                    venture.id,
                    "partnerCountry",
                    country.id,
                    None,
                    venture.start,
                    country.end,
                    "'joint venture with <country>'",
                )


def _residents(s: Scope) -> Iterator[Relation]:
    """The company was granted resident status in ZONE."""
    context, sentence, text, span, body, of = s.context, s.sentence, s.text, s.span, s.body, s.of
    for match in re.finditer(r"\bresidents?(?: status)? (?:in|of|at)\s+(?:the\s+)?", body):
        zones = [m for m in of(ZONES - {"ZoneNetwork"}) if m.start == span.start + match.end()]
        if zones:
            subject, why = context.subject(sentence, span.start + match.start(), ORGANISATIONS)
            if subject is not None:
                yield Relation(
                    subject.id,
                    "residentIn",
                    zones[0].id,
                    None,
                    _clause_start(sentence, span.start + match.start()),
                    _year_after(text, zones[0].end),
                    f"'{match[0].strip()}'; the company {why}",
                )


def _sectors_and_incentives(s: Scope) -> Iterator[Relation]:
    """Sectors targeted, incentives offered."""
    context, sentence, text, span, body, of, clause_of = (
        s.context,
        s.sentence,
        s.text,
        s.span,
        s.body,
        s.of,
        s.clause_of,
    )
    for cue in re.finditer(r"\b(?:targeting|focused on|focusing on|specialising in|specializing in)\b", body):
        clause = clause_of(span.start + cue.start())
        for sector in of({"Sector"}):
            if clause.start <= sector.start and sector.end <= clause.end and sector.start > span.start + cue.start():
                subject, why = context.subject(sentence, span.start + cue.start(), SUBJECTS)
                if subject is not None:
                    yield Relation(
                        subject.id,
                        "sector",
                        sector.id,
                        None,
                        clause.start,
                        clause.end,
                        f"'{cue[0]}'; the subject {why}",
                    )
    if re.search(r"\bbenefit\w* from\b|\boffers?\b", body):
        for incentive in of({"Incentive"}):
            subject, why = context.subject(sentence, span.start, ZONES)
            if subject is not None:
                yield Relation(
                    subject.id,
                    "offersIncentive",
                    incentive.id,
                    None,
                    span.start,
                    _trim(text, span),
                    f"an incentive its residents benefit from; the zone {why}",
                )


def _export_plans_and_founding(s: Scope) -> Iterator[Relation]:
    """Plans to export; founded in YEAR."""
    context, sentence, span, body = s.context, s.sentence, s.span, s.body
    export = re.search(r"\b(?:planned for export|export plans|plans? to export)\b", body)
    if export:
        subject, why = context.subject(sentence, span.start + export.start(), FACILITIES | ORGANISATIONS)
        if subject is not None:
            start = _clause_start(sentence, span.start + export.start())
            yield Relation(
                subject.id,
                "plansExport",
                None,
                "true",
                start,
                span.start + export.end(),
                f"'{export[0]}'; the subject {why}",
            )
    founded = re.search(r"\b(?:Established|Founded|Created)\s+in\s+((?:19|20)\d\d)\b", body)
    if founded:
        subject, why = context.subject(sentence, span.start + founded.end(), ZONES | ORGANISATIONS)
        if subject is not None:
            yield Relation(
                subject.id,
                "foundingYear",
                None,
                founded[1],
                span.start + founded.start(),
                span.start + founded.end(),
                f"'{founded[0]}'; the subject {why}",
            )


PATTERNS = (
    _zones_listed_as_operating,
    _zones_being_established,
    _zones_named_after_places,
    _names_next_to_each_other,
    _zones_covering_places,
    _products_made,
    _plants,
    _posts_in_countries,
    _events,
    _legal_forms,
    _posts_held,
    _founders,
    _brands,
    _partners,
    _place_openers,
    _loans,
    _technology,
    _company_countries,
    _joint_venture_partners,
    _residents,
    _sectors_and_incentives,
    _export_plans_and_founding,
)


def _year_of(issued: str | None, not_before: str | None) -> tuple[str | None, str]:
    if issued:
        return issued[:4], f"The year is not written; taken from the source's date {issued[:10]}."
    if not_before:
        return not_before[:4], (
            f"The year is not written and the source is undated; taken from the inferred bound {not_before[:10]} "
            "(check it)."
        )
    return None, ""


def _open_quote(text: str, start: int) -> int:
    return start - 1 if start > 0 and text[start - 1] in '“"' else start


def _close_legal(text: str, end: int) -> int:
    form = LEGAL_FORM.match(text, end)
    return form.end() if form else end


def _clause_start(sentence: Sentence, at: int) -> int:
    for clause in sentence.clauses:
        if clause.start <= at <= clause.end:
            return clause.start
    return sentence.span.start


def _year_after(text: str, end: int) -> int:
    year = re.match(r"\s+in\s+(?:19|20)\d\d\b", text[end:])
    return end + year.end() if year else end


def _list_end(text: str, end: int, limit: int) -> int:
    """The end of a list of names ('Masalli, Neftchala, Sabirabad, and Sharur')."""
    tail = re.match(r"(?:(?:,\s+(?:and\s+)?|\s+and\s+)[A-Z][\w-]*(?:\s+[A-Z][\w-]*)*)*", text[end:limit])
    return end + (tail.end() if tail else 0)


def _trim(text: str, span) -> int:
    end = span.end
    while end > span.start and text[end - 1] in ".!?":
        end -= 1
    return end
