"""Amounts and quantities a sentence writes, with their currency or unit and their exact span.

"8.1 billion manats ($4.7 billion)" is one amount in two currencies; "one-hectare" is 1 hectare;
"over 11,000 permanent jobs" is 11000 counted as jobs. Years, dates and codes such as "Q1" are not
figures. Every value is the full number `azkg.build.numbers.numbers_in` reads from the same words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal

from azkg.build.numbers import SCALES, WORDS

CURRENCY_BEFORE = {
    "$": "USD",
    "US$": "USD",
    "€": "EUR",
    "₼": "AZN",
    "£": "GBP",
    "AZN": "AZN",
    "USD": "USD",
    "EUR": "EUR",
    "GBP": "GBP",
}
CURRENCY_AFTER = [
    (r"manats?|AZN|₼", "AZN"),
    (r"(?:US\s+)?dollars?|USD", "USD"),
    (r"euros?|EUR", "EUR"),
    (r"pounds sterling|GBP", "GBP"),
]
UNIT_AFTER = [
    (r"%|percent\b|per\s+cent\b", "percent"),
    (r"hectares?\b|ha\b", "hectare"),
    (r"square\s+met(?:re|er)s?\b|sq\.?\s?m\b|m²|m2\b", "square-metre"),
    (r"tonnes?\b|tons?\b|metric\s+tons?\b", "tonne"),
]
# what a count counts, by the noun after the number (up to two words may stand between: "40 resident
# enterprises", "11,000 permanent jobs"); the metric is proposed from these and the clause's words
COUNTED = re.compile(
    r"(jobs?|employees|workers|people|positions|enterprises|companies|firms|residents|countries|"
    r"industrial\s+parks|parks|industrial\s+(?:districts|quarters)|districts|quarters|zones|"
    r"vehicles|cars|trucks|buses|bodies|units|plants|factories|projects|products)\b",
    re.IGNORECASE,
)
MONTHS = r"January|February|March|April|May|June|July|August|September|October|November|December"
DIGITS = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
SCALE_WORDS = {**{k: v for k, v in SCALES.items()}, "bn": SCALES["billion"], "mln": SCALES["million"]}
NUMBER = re.compile(
    r"(?P<pre>US\$|\$|€|₼|£|\b(?:AZN|USD|EUR|GBP)\s?)?"
    r"(?<![\w.,])(?P<num>" + DIGITS + r"|\b(?:" + "|".join(WORDS) + r")\b)"
    r"(?:\s*(?P<scale>thousand|million|billion|trillion|bn|mln)\b)?",
    re.IGNORECASE,
)


@dataclass
class Quantity:
    start: int  # offsets into the text: the amount, with its currency sign and unit
    end: int
    value: Decimal
    currency: str | None = None
    unit: str | None = None
    counted: str | None = None  # the noun a count counts ("jobs")
    values: dict[str, Decimal] = field(default_factory=dict)  # two currencies: {"AZN": ..., "USD": ...}
    number_start: int = 0  # where the number itself (or its currency sign) begins, for hedges before it


def quantities(text: str, start: int, end: int) -> list[Quantity]:
    """The figures written between `start` and `end` of `text`, in order."""
    found: list[Quantity] = []
    for match in NUMBER.finditer(text, start, end):
        quantity = _read(text, match, end)
        if quantity is not None:
            found.append(quantity)
    return _pair_currencies(text, found)


def _read(text: str, match: re.Match[str], limit: int) -> Quantity | None:
    raw = match["num"]
    word = raw.lower() in WORDS
    value = Decimal(WORDS[raw.lower()]) if word else Decimal(raw.replace(",", ""))
    if match["scale"]:
        value *= SCALE_WORDS[match["scale"].lower()]
    currency = CURRENCY_BEFORE.get((match["pre"] or "").strip().upper().replace("US$", "US$")) if match["pre"] else None
    if match["pre"] and currency is None:
        currency = CURRENCY_BEFORE.get(match["pre"].strip())
    after, end = text[match.end() : limit], match.end()
    unit, counted = None, None
    hyphen = re.match(r"-(?=[A-Za-z])", after)
    rest = after[1:] if hyphen else after
    shift = 1 if hyphen else 0
    if currency is None:
        for pattern, code in CURRENCY_AFTER:
            found = re.match(r"\s*(?:" + pattern + r")(?![\w])", rest)
            if found:
                currency, end = code, end + shift + found.end()
                break
    if currency is None:
        for pattern, name in UNIT_AFTER:
            found = re.match(r"\s*(?:" + pattern + r")", rest, re.IGNORECASE)
            if found:
                unit, end = name, end + shift + found.end()
                break
    if currency is None and unit is None:
        found = re.match(r"\s*(?:[a-z][\w-]*\s+){0,2}?" + COUNTED.pattern, rest, re.IGNORECASE)
        if found and not hyphen:
            unit, counted, end = "number", found[1].lower(), end + found.end()
    begin = match.start()
    if _not_a_figure(text, match, currency, unit, word):
        return None
    if currency is None and unit is None:
        # a bare number after "of which" / "including" counts what the figure before it counted
        if re.search(r"\b(?:of which|of them|including|among them)\s*$", text[max(0, begin - 20) : begin]):
            unit = "inherit"
        else:
            return None
    return Quantity(begin, end, value, currency, unit, counted, number_start=begin)


def _not_a_figure(text: str, match: re.Match[str], currency: str | None, unit: str | None, word: bool) -> bool:
    raw = match["num"]
    before = text[max(0, match.start() - 12) : match.start()]
    if re.search(r"(?:" + MONTHS + r")\s*$", before) or re.match(r"\s*(?:" + MONTHS + ")", text[match.end() :]):
        return True  # a date: "January 27", "27 January"
    if currency or unit or match["scale"]:
        return False
    if re.fullmatch(r"(?:1[89]|20|21)\d\d", raw):
        return True  # a year
    # "one of the", "one" as a pronoun
    return bool(word and raw.lower() == "one" and not re.match(r"-", text[match.end() :]))


def _pair_currencies(text: str, found: list[Quantity]) -> list[Quantity]:
    """'8.1 billion manats ($4.7 billion)': the amount in brackets is the same figure in another currency."""
    paired: list[Quantity] = []
    skip = set()
    for index, quantity in enumerate(found):
        if index in skip:
            continue
        following = found[index + 1] if index + 1 < len(found) else None
        if quantity.currency and following and following.currency and following.currency != quantity.currency:
            between = text[quantity.end : following.start]
            closing = re.match(r"\s*\)", text[following.end :])
            if re.fullmatch(r"\s*\(\s*(?:about|around|approximately|some|nearly|over|~)?\s*", between) and closing:
                quantity.values = {quantity.currency: quantity.value, following.currency: following.value}
                quantity.end = following.end + closing.end()
                skip.add(index + 1)
        paired.append(quantity)
    return paired
