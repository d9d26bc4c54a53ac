"""HTTP content negotiation: pick the best offered media type for an Accept header (RFC 9110 12.5.1).

Driven by tables of what each kind of answer can be given as; honours q-values, specificity
(`text/turtle` over `text/*` over `*/*`) and q=0 exclusions; returns None when nothing fits, so the
caller answers 406 with the acceptable types instead of silently switching format.
"""

from __future__ import annotations

from dataclasses import dataclass

SELECT_TYPES = (
    "application/sparql-results+json",
    "application/sparql-results+xml",
    "text/csv",
    "text/tab-separated-values",
    "application/json",
    "application/xml",
)
ASK_TYPES = ("application/sparql-results+json", "application/sparql-results+xml", "application/json", "application/xml")
GRAPH_TYPES = (  # CONSTRUCT/DESCRIBE: Turtle first, so that */* and no Accept give Turtle, never N-Quads
    "text/turtle",
    "application/n-triples",
    "application/ld+json",
    "application/rdf+xml",
    "application/n-quads",
    "application/trig",
    "text/plain",
)


ALIASES = {  # older or unregistered names that clients send (SPARQLWrapper's JSON-LD and Turtle lists)
    "application/x-json+ld": "application/ld+json",
    "application/turtle": "text/turtle",
    "application/x-turtle": "text/turtle",
    "text/rdf+n3": "text/turtle",  # Turtle is N3
    "text/n3": "text/turtle",
}


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
        media, _, sub = ALIASES.get(fields[0].lower(), fields[0].lower()).partition("/")
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
