"""Finding a curated quote in its source text, and the Web Annotation selectors that locate it."""

from __future__ import annotations

from dataclasses import dataclass

from azkg.errors import QuoteNotFoundError

CONTEXT = 32  # characters of prefix and suffix, as annotation tools such as Hypothesis keep


@dataclass(frozen=True)
class QuoteSpan:
    """A span of a source's text; offsets count Unicode code points from 0, end exclusive."""

    exact: str
    start: int
    end: int
    prefix: str
    suffix: str


def locate(text: str, exact: str, occurrence: int | None = None) -> QuoteSpan:
    """The span of `exact` in `text`; ambiguous quotes need `occurrence` (1-based)."""
    if not exact.strip():
        raise QuoteNotFoundError("the quote is empty")
    starts = _all_starts(text, exact)
    if not starts:
        raise QuoteNotFoundError(_not_found_hint(text, exact))
    if occurrence is None:
        if len(starts) > 1:
            raise QuoteNotFoundError(
                f"the quote occurs {len(starts)} times in the source; "
                f"lengthen it or add 'occurrence: N' (1 to {len(starts)})"
            )
        occurrence = 1
    if not 1 <= occurrence <= len(starts):
        raise QuoteNotFoundError(f"occurrence {occurrence} asked, but the quote occurs {len(starts)} time(s)")
    start = starts[occurrence - 1]
    end = start + len(exact)
    return QuoteSpan(exact, start, end, text[max(0, start - CONTEXT) : start], text[end : end + CONTEXT])


def _all_starts(text: str, exact: str) -> list[int]:
    starts, at = [], text.find(exact)
    while at >= 0:
        starts.append(at)
        at = text.find(exact, at + 1)
    return starts


TYPOGRAPHY = str.maketrans({"“": '"', "”": '"', "„": '"', "‘": "'", "’": "'", "—": "-", "–": "-", "\u00a0": " "})


def _not_found_hint(text: str, exact: str) -> str:
    """Say how far the quote matches, so a curator can see the first differing character."""
    plain = text.translate(TYPOGRAPHY)
    at = plain.find(exact.translate(TYPOGRAPHY))
    if at >= 0:
        return (
            "the quote does not occur verbatim in the source: it differs only in quote marks, apostrophes or "
            f"dashes; the source has '{text[at : at + len(exact)]}' (copy it exactly, curly quotes and dashes included)"
        )
    best = 0
    for size in range(len(exact), 0, -1):
        if exact[:size] in text:
            best = size
            break
    if best == 0:
        return "the quote does not occur in the source; copy it exactly from the text"
    return (
        f"the quote does not occur verbatim in the source: it matches up to '{exact[:best][-30:]}' "
        f"and differs from character {best + 1} ('{exact[best : best + 20]}'); copy it exactly, "
        "curly quotes and dashes included"
    )
