"""HTTP content negotiation: pick the best offered media type for an Accept header (RFC 9110 12.5.1),
a `format` parameter or a path suffix, or answer 406 listing the acceptable types.

Driven by the offers of azkg.sparql.formats (what each kind of answer can be given as); honours
q-values, specificity (a full type over `text/*` over `*/*`) and q=0 exclusions; never silently
switches format: what does not fit is a NotAcceptableError (406) with the acceptable types.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from azkg.errors import NotAcceptableError
from azkg.sparql.formats import ACCEPT_ALIASES, Offer, UnknownFormatError, format_named


@dataclass(frozen=True)
class Range:
    type: str
    subtype: str
    q: float
    order: int

    def matches(self, media_type: str) -> int:
        """How specifically this range matches: 3 exact, 2 type/*, 1 */*, 0 not at all."""
        main, _, sub = media_type.partition("/")
        if self.type == "*" and self.subtype == "*":
            return 1
        if self.type == main and self.subtype == "*":
            return 2
        return 3 if (self.type, self.subtype) == (main, sub) else 0


def parse_accept(header: str | None) -> list[Range]:
    """The media ranges of an Accept header; a missing or empty header accepts anything."""
    if not header or not header.strip():
        return [Range("*", "*", 1.0, 0)]
    ranges = []
    for order, part in enumerate(header.split(",")):
        fields = [f.strip() for f in part.split(";")]
        media, _, sub = ACCEPT_ALIASES.get(fields[0].lower(), fields[0].lower()).partition("/")
        if not media or not sub:
            continue  # a malformed range is ignored, as servers commonly do
        q = 1.0
        for parameter in fields[1:]:
            name, _, value = parameter.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = min(max(float(value), 0.0), 1.0)
                except ValueError:
                    q = 0.0
        ranges.append(Range(media, sub, q, order))
    return ranges


def choose(header: str | None, offered: tuple[str, ...]) -> str | None:
    """The offered type the client prefers most; ties go to the server's order of `offered`."""
    ranges = parse_accept(header)
    best: tuple[float, int] | None = None
    chosen = None
    for position, media_type in enumerate(offered):
        quality = _quality(ranges, media_type)
        if quality > 0 and (best is None or (quality, -position) > best):
            best, chosen = (quality, -position), media_type
    return chosen


def _quality(ranges: list[Range], media_type: str) -> float:
    """The q of the most specific range that matches the type (a specific q=0 excludes it)."""
    matching = [(r.matches(media_type), r.q) for r in ranges if r.matches(media_type)]
    return max(matching)[1] if matching else 0.0


def negotiate(
    offered: Offer,
    accept: str | None,
    refusal: str,
    names: Sequence[str] = (),
    name_refusal: str = "format '{name}' cannot carry this answer; use one of: {types}",
    suffix: str | None = None,
) -> str:
    """The media type to answer with: a path suffix's ('.ttl'), else the first of the `format`
    parameter's `names` that the offer holds, else the Accept header's best. What fits nothing is a
    406 whose message is `refusal` (or `name_refusal`, for names and suffixes) with {types} the
    acceptable types and {name} what was asked for."""
    types = ", ".join(offered.media_types)
    if suffix is not None:
        for candidate in offered.formats:
            if suffix in candidate.suffixes:
                return candidate.media_type
        raise NotAcceptableError(name_refusal.format(name=suffix, types=types))
    if names:
        for name in names:
            for item in name.split(","):  # SPARQLWrapper sends two: `json-ld`, then its Accept list
                media_type = media_type_named(item.split(";")[0])
                if media_type in offered.media_types:
                    return media_type
        raise NotAcceptableError(name_refusal.format(name=names[0], types=types))
    chosen = choose(accept, offered.media_types)
    if chosen is None:
        raise NotAcceptableError(refusal.format(types=types))
    return chosen


def media_type_named(name: str) -> str:
    """The media type a `format` value means: a format's name or alias ('ttl'), an older media type
    (SPARQLWrapper's JSON-LD and Turtle spellings), or a media type as it is."""
    key = name.strip().lower()
    if key in ACCEPT_ALIASES:
        return ACCEPT_ALIASES[key]
    try:
        named = format_named(key)
    except UnknownFormatError:
        return key
    return ACCEPT_ALIASES.get(named.media_type, named.media_type)
