"""The numbers a sentence writes, as full values: '8.1 billion' -> 8100000000, 'nine' -> 9.

The build checks every curated figure against its quote with this, so a slipped digit or scale
('6.13 million' curated as 613000) stops the build instead of entering the graph.
"""

from __future__ import annotations

import re
from decimal import Decimal

SCALES = {
    "thousand": Decimal(10) ** 3,
    "million": Decimal(10) ** 6,
    "billion": Decimal(10) ** 9,
    "trillion": Decimal(10) ** 12,
    "bn": Decimal(10) ** 9,  # abbreviations news wires use: "6.7 bn", "29 mln"
    "mln": Decimal(10) ** 6,
}
WORDS = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "hundred": 100,
}
NUMERAL = re.compile(
    r"(?<![\w.])(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?(?:\s*(thousand|million|billion|trillion|bn|mln)\b)?", re.IGNORECASE
)
WORD = re.compile(r"\b(" + "|".join(WORDS) + r")\b(?:\s+(thousand|million|billion|trillion)\b)?", re.IGNORECASE)


def numbers_in(text: str) -> list[Decimal]:
    """Every number written in the text, scaled by a following 'thousand', 'million' or 'billion'."""
    found: list[Decimal] = []
    for match in NUMERAL.finditer(text):
        digits = match[1].replace(",", "") + (match[2] or "")
        found.append(_scaled(Decimal(digits), match[3]))
    for match in WORD.finditer(text):
        found.append(_scaled(Decimal(WORDS[match[1].lower()]), match[2]))
    return found


def parse_decimal(text: str) -> Decimal:
    """A curated value: plain digits with an optional fraction, no commas or exponents."""
    if not re.fullmatch(r"-?\d+(\.\d+)?", text.strip()):
        raise ValueError(f"'{text}' is not a plain number; write the full number, such as 6700000000 or 14.2")
    return Decimal(text.strip())


def canonical(value: Decimal) -> str:
    """The shortest exact decimal form: 6700000000, 14.2, 0.5."""
    return format(value.normalize(), "f")


def _scaled(value: Decimal, scale: str | None) -> Decimal:
    return value * SCALES[scale.lower()] if scale else value
