"""Which queries are bounded by construction: the test for the inline lane (azkg.store.inline).

A query passes when it is one basic graph pattern whose every triple pattern has a given subject (an
IRI), and nothing else: no paths, no FILTER, OPTIONAL, UNION, GRAPH, subqueries, VALUES, BIND,
aggregates, ORDER BY, FROM or SERVICE. Its evaluation then reads, per
pattern, at most the triples of that subject (and predicate, when given), so the store can bound the
work before running it: the product of those counts. Anything the test does not understand fails it,
so the classifier errs towards the killable workers. It reads the tokens the depth check made
(azkg.sparql.query_text.QueryShape.tokens), which are empty for texts with \\u escapes (the two
readings of the grammar could see those differently): such a text never passes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
MODIFIERS = {"LIMIT", "OFFSET"}
_TERMS = {"iri", "pname", "var", "bnode", "string", "number"}
_TEMPLATE_MARKS = {("word", "a"), ("punct", "."), ("punct", ";"), ("punct", ",")}


@dataclass(frozen=True)
class Anchor:
    """One triple pattern's given parts: the subject always, the predicate and object when they are IRIs."""

    subject: str
    predicate: str | None = None
    object: str | None = None


class _NotAnchored(Exception):
    pass


def anchors(lexed: Sequence[tuple[str, str, int]], prefixes: Mapping[str, str]) -> tuple[Anchor, ...] | None:
    """The anchors of each triple pattern of the query's WHERE, or None when the query is not of the
    bounded kind. `lexed`: the query's tokens (QueryShape.tokens); `prefixes`: those known without a
    PREFIX declaration (the query's own win)."""
    if not lexed:
        return None
    try:
        return _Reader(lexed, prefixes).read()
    except _NotAnchored:
        return None


class _Reader:
    def __init__(self, lexed: Sequence[tuple[str, str, int]], prefixes: Mapping[str, str]):
        self.items = [(kind, value) for kind, value, _ in lexed]
        self.at = 0
        self.prefixes = dict(prefixes)

    def read(self) -> tuple[Anchor, ...]:
        while self._word("PREFIX"):
            name, iri = self._take("pname"), self._take("iri")
            if not name.endswith(":"):
                raise _NotAnchored
            self.prefixes[name[:-1]] = self._absolute(iri[1:-1])
        form = self._take("word").upper()
        if form == "SELECT":
            self._word("DISTINCT") or self._word("REDUCED")
            if not self._punct("*"):
                self._take("var")
                while self._peek()[0] == "var":
                    self.at += 1
        elif form == "CONSTRUCT":
            if self._peek() == ("open", "{"):
                self._template()
            elif self._peek()[1].upper() != "WHERE":
                raise _NotAnchored
        elif form != "ASK":
            raise _NotAnchored
        self._word("WHERE")
        found = self._group()
        while self.at < len(self.items) and self._peek()[1].upper() in MODIFIERS:
            self.at += 1
            self._take("number")
        if self.at != len(self.items):
            raise _NotAnchored
        return found

    def _template(self) -> None:
        """A CONSTRUCT template: any terms, no brackets; it only shapes the rows the WHERE gives."""
        self._expect("open", "{")
        while self._peek() != ("close", "}"):
            kind, value = self._peek()
            if kind not in _TERMS and (kind, value) not in _TEMPLATE_MARKS:
                raise _NotAnchored
            self.at += 1
        self.at += 1

    def _group(self) -> tuple[Anchor, ...]:
        self._expect("open", "{")
        found: list[Anchor] = []
        while self._peek() != ("close", "}"):
            subject = self._constant(self._next())
            while True:
                predicate = self._predicate()
                while True:
                    found.append(Anchor(subject, predicate, self._object()))
                    if not self._punct(","):
                        break
                if not self._punct(";") or self._peek() in {("punct", "."), ("close", "}")}:
                    break
            if not self._punct("."):
                self._expect("close", "}", consume=False)
        self.at += 1
        return tuple(found)

    def _predicate(self) -> str | None:
        kind, value = self._next()
        if (kind, value) == ("word", "a"):
            return RDF_TYPE
        if kind == "var":
            return None
        return self._constant((kind, value))

    def _object(self) -> str | None:
        kind, value = self._next()
        if kind in ("iri", "pname"):
            return self._constant((kind, value))
        if kind in ("var", "bnode", "number") or (kind == "word" and value in ("true", "false")):
            return None
        if kind != "string":
            raise _NotAnchored
        if self._peek()[0] == "langtag":
            self.at += 1
        elif self._punct("^"):
            self._expect("punct", "^")
            if self._next()[0] not in ("iri", "pname"):
                raise _NotAnchored
        return None

    def _constant(self, token: tuple[str, str]) -> str:
        kind, value = token
        if kind == "iri":
            return self._absolute(value[1:-1])
        if kind == "pname":
            prefix, _, local = value.partition(":")
            if prefix not in self.prefixes or "\\" in local:
                raise _NotAnchored
            return self.prefixes[prefix] + local
        raise _NotAnchored

    @staticmethod
    def _absolute(iri: str) -> str:
        scheme, colon, _ = iri.partition(":")
        if not colon or not scheme[:1].isalpha():  # relative: resolved against a base, which is not worth following
            raise _NotAnchored
        return iri

    def _peek(self) -> tuple[str, str]:
        return self.items[self.at] if self.at < len(self.items) else ("end", "")

    def _next(self) -> tuple[str, str]:
        token = self._peek()
        if token[0] == "end":
            raise _NotAnchored
        self.at += 1
        return token

    def _take(self, kind: str) -> str:
        found, value = self._next()
        if found != kind:
            raise _NotAnchored
        return value

    def _word(self, word: str) -> bool:
        kind, value = self._peek()
        if kind == "word" and value.upper() == word:
            self.at += 1
            return True
        return False

    def _punct(self, mark: str) -> bool:
        if self._peek() == ("punct", mark):
            self.at += 1
            return True
        return False

    def _expect(self, kind: str, value: str, consume: bool = True) -> None:
        if self._peek() != (kind, value):
            raise _NotAnchored
        self.at += consume
