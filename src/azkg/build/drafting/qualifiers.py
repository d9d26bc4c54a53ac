"""Hedges, status, phase and period of a figure, each from words its quote writes.

Hedge wordings come from the ontology (the approximations' labels); "at least" has no concept
there, so it is left out and said in the draft note.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

PLANNED = re.compile(
    r"\b(?:will|shall|plans?|planned|planning|expected|expects?|to be (?:created|built|invested)|aims?|intends?|"
    r"projected|envisaged|scheduled|would|is to|are to)\b",
    re.IGNORECASE,
)
ONGOING = re.compile(
    r"\b(?:is|are) (?:building|investing|constructing|being built|being constructed|under construction)\b|"
    r"\bunder construction\b|\bongoing\b(?! projects)",
    re.IGNORECASE,
)
PHASE = re.compile(r"\b(first|second|third|next|final|initial)\s+(?:phase|stage)\b", re.IGNORECASE)
PHASES = {"first": "first", "initial": "first", "second": "second", "next": "next"}
YEAR = r"(?:19|20)\d\d"
QUARTER = re.compile(
    r"\b(?:Q([1-4])\s*(?:of\s+)?("
    + YEAR
    + r")|(first|second|third|fourth)\s+quarter\s+of\s+("
    + YEAR
    + r")|("
    + YEAR
    + r")[-\s]Q([1-4]))\b",
    re.IGNORECASE,
)
ORDINAL_QUARTER = {"first": "1", "second": "2", "third": "3", "fourth": "4"}
RANGE = re.compile(
    r"\b(?:from|between)\s+("
    + YEAR
    + r")\s+(?:to|and|through|until)\s+("
    + YEAR
    + r")\b|\b("
    + YEAR
    + r")\s*[-–—/]\s*("
    + YEAR
    + r")\b",
    re.IGNORECASE,
)
ONE_YEAR = re.compile(r"\b(?:in|during|for|of)\s+(" + YEAR + r")\b|\b(" + YEAR + r")\s+alone\b", re.IGNORECASE)
RELATIVE = re.compile(r"\b(last year|this year|next year|the previous year|a year earlier)\b", re.IGNORECASE)
# a relative year that opens the sentence governs its figures ("Last year, ... and exported 45%")
RELATIVE_OPENER = re.compile(r"^(?:In\s+)?(?:last year|this year|next year)\b", re.IGNORECASE)
MONTH_RANGE = re.compile(
    r"\b(?:January|February|March|April|May|June|July|August|September|October|November|December)\s*[-–—]\s*"
    r"(?:January|February|March|April|May|June|July|August|September|October|November|December)\b",
    re.IGNORECASE,
)
SINCE = re.compile(r"\bsince (?:inception|its (?:inception|creation|establishment|launch)|the start)\b", re.IGNORECASE)


@dataclass
class Period:
    value: str | None = None
    date_basis: str | None = None
    note: str | None = None


def approximation(before: str, wordings: dict[str, tuple[str, ...]]) -> tuple[str | None, str | None]:
    """The hedge written just before a number ('more than 7 billion'), and a note for 'at least'."""
    tail = before[-40:].lower()
    best: tuple[int, str] | None = None
    for concept, labels in wordings.items():
        for label in labels:
            written = re.search(r"\b" + re.escape(label.lower()) + r"\s*[$€₼£]?\s*$", tail)
            if written and (best is None or len(label) > best[0]):
                best = (len(label), concept)
    if best is not None:
        return best[1], None
    if re.search(r"\bat least\s*[$€₼£]?\s*$", tail):
        return None, "'at least' has no approximation concept in the ontology; left out"
    return None, None


def status(quote: str) -> str | None:
    """planned or ongoing from the quote's words; None for actual, the default ("has", "reached", "to date")."""
    if ONGOING.search(quote):
        return "ongoing"
    if PLANNED.search(quote):
        return "planned"
    return None


def phase(quote: str) -> str | None:
    found = PHASE.search(quote)
    return PHASES.get(found[1].lower()) if found else None


def period(quote: str, issued: str | None, value_span: tuple[int, int] | None = None) -> Period:
    """The period a flow figure covers, from years the quote writes or resolved against the source's date."""
    if MONTH_RANGE.search(quote):
        return Period(note="the quote gives a span of months; period left out (write it by hand if the format allows)")
    found = QUARTER.search(quote)
    if found:
        if found[1]:
            return Period(f"{found[2]}-Q{found[1]}")
        if found[3]:
            return Period(f"{found[4]}-Q{ORDINAL_QUARTER[found[3].lower()]}")
        return Period(f"{found[5]}-Q{found[6]}")
    found = RANGE.search(quote)
    if found:
        first, last = (found[1], found[2]) if found[1] else (found[3], found[4])
        if first < last:
            return Period(f"{first}/{last}")
    found = ONE_YEAR.search(quote)
    if found:
        return Period(found[1] or found[2])
    found = RELATIVE.search(quote)
    if found and found[1].lower() in ("last year", "this year", "next year"):
        words = found[1]
        if not issued:
            return Period(note=f"'{words}' cannot be resolved: the source's date is unknown")
        offset = {"last year": -1, "this year": 0, "next year": 1}[words.lower()]
        year = int(issued[:4]) + offset
        return Period(str(year), date_basis=f"'{words}' in a source issued {issued[:10]}")
    if SINCE.search(quote):
        return Period(
            note="'since inception' is cumulative: period left out (the figure holds as of the source's date)"
        )
    return Period()
