from __future__ import annotations

from decimal import Decimal

import pytest

from azkg.build.numbers import canonical, numbers_in, parse_decimal


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("8.1 billion manats ($4.7 billion)", [Decimal("8100000000"), Decimal("4700000000")]),
        ("over 11,000 permanent jobs", [Decimal("11000")]),
        ("6.13 million manats", [Decimal("6130000")]),
        ("54.65 million manats", [Decimal("54650000")]),
        ("35% of which", [Decimal("35")]),
        ("nine industrial parks and four industrial quarters", [Decimal("9"), Decimal("4")]),
        ("a one-hectare plot", [Decimal("1")]),
        ("up to 5-tonne payloads", [Decimal("5")]),
        ("In Q1 of 2025", [Decimal("2025")]),
        ("6.7 bn manats and 29 mln dollars", [Decimal("6700000000"), Decimal("29000000")]),
        ("no figure here", []),
    ],
)
def test_numbers_in(text: str, expected: list[Decimal]) -> None:
    assert numbers_in(text) == expected


@pytest.mark.parametrize("bad", ["6,40", "1e9", "7 billion", "", "12.", "$5"])
def test_parse_decimal_rejects_anything_but_plain_numbers(bad: str) -> None:
    with pytest.raises(ValueError, match="not a plain number"):
        parse_decimal(bad)


@pytest.mark.parametrize(("value", "text"), [("6700000000", "6700000000"), ("14.20", "14.2"), ("0.5", "0.5")])
def test_canonical(value: str, text: str) -> None:
    assert canonical(parse_decimal(value)) == text
