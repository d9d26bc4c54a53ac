from __future__ import annotations

import pytest

from azkg.build.quotes import QuoteNotFoundError, locate

TEXT = "On January 27, “Azermirror” LLC opened. “Azermirror” LLC exports — soon."


def test_offsets_count_code_points_and_context_surrounds_the_quote() -> None:
    span = locate(TEXT, "“Azermirror” LLC opened")
    assert TEXT[span.start : span.end] == span.exact
    assert span.prefix == "On January 27, " and span.suffix.startswith(". “Azermirror”")


def test_ambiguous_quote_needs_an_occurrence() -> None:
    with pytest.raises(QuoteNotFoundError, match="occurs 2 times"):
        locate(TEXT, "“Azermirror” LLC")
    second = locate(TEXT, "“Azermirror” LLC", occurrence=2)
    assert second.start == TEXT.rindex("“Azermirror” LLC")
    with pytest.raises(QuoteNotFoundError, match="occurs 2 time"):
        locate(TEXT, "“Azermirror” LLC", occurrence=3)


def test_typographic_difference_is_named() -> None:
    with pytest.raises(QuoteNotFoundError, match="differs only in quote marks"):
        locate(TEXT, '"Azermirror" LLC exports - soon')


def test_first_differing_character_is_named() -> None:
    with pytest.raises(QuoteNotFoundError, match="differs from character 13"):
        locate(TEXT, "On January 28")


def test_empty_quote() -> None:
    with pytest.raises(QuoteNotFoundError, match="empty"):
        locate(TEXT, "  ")
