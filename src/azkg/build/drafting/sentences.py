"""Sentences and clauses of a source text, as offsets into it, so that every quote is a verbatim span."""

from __future__ import annotations

import re
from dataclasses import dataclass

# a sentence ends at . ! ? (not inside a decimal or an initial such as "U.S.") or at a line break;
# "production.Azerbaijan" (no space after the stop) ends one too
SENTENCE_END = re.compile(r"(?<=[a-z\)\]”’\"%])[.!?](?=\s|[A-Z“\"]|$)|(?<=\d)[.!?](?=\s|$)|\n+")
# clause boundaries: commas, semicolons, colons, dashes (not hyphens inside words), parentheses stay whole
CLAUSE_BREAK = re.compile(r",\s+|;\s*|:\s+|\s*[—–]\s*|\s+-\s+")
# short openers that belong with the clause after them ("In the next phase, ...", "From 2018 to 2024, ...")
OPENER = re.compile(
    r"^(?:in|on|from|since|during|by|over|between|as of|thus far|so far|to date|currently|last year|this year|"
    r"next year|at present|meanwhile|overall|in total|altogether)\b",
    re.IGNORECASE,
)
OPENER_WORDS = 8


@dataclass(frozen=True)
class Span:
    start: int
    end: int

    def text(self, source: str) -> str:
        return source[self.start : self.end]


def sentences(text: str) -> list[Span]:
    """Non-empty sentences, stripped of surrounding blanks."""
    spans, start = [], 0
    for match in SENTENCE_END.finditer(text):
        end = match.end() if match[0] in ".!?" else match.start()
        spans.append(_strip(text, start, end))
        start = match.end()
    spans.append(_strip(text, start, len(text)))
    return [s for s in spans if s.end > s.start]


def clauses(text: str, sentence: Span) -> list[Span]:
    """The sentence cut at commas, semicolons and dashes, outside parentheses; short openers joined on."""
    body = text[sentence.start : sentence.end]
    pieces, start, depth = [], 0, 0
    breaks = {m.start(): m.end() for m in CLAUSE_BREAK.finditer(body)}
    at = 0
    while at < len(body):
        char = body[at]
        if char == "(":
            depth += 1
        elif char == ")":
            depth = max(0, depth - 1)
        if depth == 0 and at in breaks and at > start:
            pieces.append((start, at))
            start = breaks[at]
            at = max(at + 1, breaks[at])
            continue
        at += 1
    pieces.append((start, len(body)))
    spans = [_strip(text, sentence.start + a, sentence.start + b) for a, b in pieces]
    spans = [_trim_stop(text, s) for s in spans if s.end > s.start]
    joined: list[Span] = []
    opener = False  # the last piece is an opener not yet joined to its clause
    for span in spans:
        if joined and opener and not _is_opener(span.text(text)):
            joined[-1] = Span(joined[-1].start, span.end)
            opener = False
        else:
            joined.append(span)
            opener = _is_opener(span.text(text))
    return joined


def split_between(text: str, clause: Span, cuts: list[tuple[int, int]]) -> list[Span]:
    """A clause that states several figures, cut at ' and ' / ' while ' between two of them when what
    follows is a new predicate ("covers 640 hectares and currently hosts 40 enterprises"), not a second
    object of the same verb ("100 vehicles and 300 bodies")."""
    pieces, start = [], clause.start
    for left_end, right_start in cuts:
        gap = text[left_end:right_start]
        match = None
        for found in re.finditer(r"\s+(?:and|while|whereas)\s+", gap):
            match = found
            break
        if match is None:
            continue
        after = gap[match.end() :]
        if not after.strip() or re.match(r"[\d$€₼£(]", after) or not re.match(r"[a-z]", after):
            continue
        pieces.append(Span(start, left_end + match.start()))
        start = left_end + match.end()
    pieces.append(Span(start, clause.end))
    return pieces


def _is_opener(piece: str) -> bool:
    if re.search(r"\b(?!(?:19|20)\d\d\b)\d", piece):
        return False  # an opener states no figure of its own ("currently hosts 16 residents" is a clause)
    return (
        bool(OPENER.match(piece))
        and len(piece.split()) <= OPENER_WORDS
        and not re.search(r"\s(?:is|are|was|were|has|have|had|will)\s", f" {piece} ")
    )


def _strip(text: str, start: int, end: int) -> Span:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return Span(start, end)


def _trim_stop(text: str, span: Span) -> Span:
    end = span.end
    while end > span.start and (text[end - 1] in ".!?;:," or text[end - 1].isspace()):
        end -= 1
    return Span(span.start, end)


def occurrence(text: str, quote: str, start: int) -> int | None:
    """The 1-based occurrence of `quote` that starts at `start`, or None when the quote is unique."""
    starts, at = [], text.find(quote)
    while at >= 0:
        starts.append(at)
        at = text.find(quote, at + 1)
    if len(starts) <= 1:
        return None
    return starts.index(start) + 1 if start in starts else None
