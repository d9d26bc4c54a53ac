"""Comparing names as curators mean them: case, diacritics, quote marks and legal forms ignored; and
ranking the entities a name may denote, whether they were read from the curated files or the store.

"Sumgayit Chemical Industrial Park", "SUMGAYIT chemical industrial park" and "“Sumqayıt” Chemical
Industrial Park LLC" all compare equal; near misses ("Sumgait Industrial Park") are scored by
difflib's ratio on the normalised forms, so a look-up can offer "did you mean".
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from difflib import SequenceMatcher

# Azerbaijani letters whose decomposition does not reduce to a Latin base letter
FOLDED = str.maketrans({"ə": "e", "Ə": "e", "ı": "i", "İ": "i", "ß": "ss", "ø": "o", "Ø": "o"})
QUOTES = re.compile(r"[\"'`´‘’‚‛“”„‟«»‹›]")
# legal forms written after a company name (English, Azerbaijani, Russian transliterations)
LEGAL_FORMS = re.compile(
    r"(?:\s|,)+(?:llc|ltd|limited|inc|corp|co|plc|ojsc|cjsc|jsc|pjsc|ojsc|llp|gmbh|ag|sa|spa|s\.p\.a|mmc|asc|qsc|ooo|oao|zao)\.?$"
)
NON_WORD = re.compile(r"[^\w]+")


def normalise(name: str) -> str:
    """The comparable form of a name: lower case, no diacritics, quote marks or legal-form suffix."""
    text = unicodedata.normalize("NFKD", name.translate(FOLDED))
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    text = QUOTES.sub("", text).strip()
    while True:
        shorter = LEGAL_FORMS.sub("", text)
        if shorter == text:
            break
        text = shorter
    return NON_WORD.sub(" ", text).strip()


def similarity(a: str, b: str) -> float:
    """0 to 1, on normalised forms; 1 means the names are the same to a curator."""
    first, second = normalise(a), normalise(b)
    if not first or not second:
        return 0.0
    return SequenceMatcher(None, first, second).ratio()


GENERIC = frozenset(
    {
        "industrial", "park", "parks", "zone", "zones", "district", "districts", "quarter", "economic", "plant",
        "factory", "company", "production", "of", "and", "the", "city", "region", "free", "special",
    }
)
NEAR = 0.8  # below this ratio a name is not offered as "did you mean"


@dataclass(frozen=True)
class NameUse:
    name: str
    sources: tuple[str, ...]  # ids of the sources whose text uses the name verbatim


@dataclass(frozen=True)
class NamedEntity:
    """An entity as a look-up sees it; read from the curated files (`azkg entities find`) or from the
    store (/api/entities?name=), and ranked the same way."""

    id: str
    type: str
    label: str
    names: tuple[NameUse, ...]
    facts: int  # curated claims (built facts) that name the entity


@dataclass(frozen=True)
class EntityMatch:
    id: str
    type: str
    label: str
    names: tuple[NameUse, ...]  # by name: the files keep the curator's order, the graph keeps none
    facts: int
    matched: str  # the label or alias that matched best
    score: float  # 1.0 for the same name up to case, diacritics, quote marks and legal forms

    @property
    def exact(self) -> bool:
        return self.score == 1.0

    def as_json(self) -> dict:
        """The shape `azkg entities find --json` prints and /api/entities?name= answers."""
        return {
            "id": self.id, "type": self.type, "label": self.label, "exact": self.exact,
            "score": round(self.score, 3), "matched": self.matched, "facts": self.facts,
            "names": [{"name": use.name, "sources": list(use.sources)} for use in self.names],
        }


def rank_entities(entities: Iterable[NamedEntity], name: str, limit: int) -> list[EntityMatch]:
    """Entities whose id, label or alias is `name` (exact first), then near misses, best first."""
    found = [match for match in (_match(entity, name) for entity in entities) if match is not None]
    found.sort(key=lambda m: (-m.score, m.label.casefold()))
    return found[:limit]


def _match(entity: NamedEntity, name: str) -> EntityMatch | None:
    candidates = [entity.label, *(use.name for use in entity.names), entity.id.replace("-", " ")]
    score, matched = max((_score(name, candidate), candidate) for candidate in candidates if candidate)
    if score < NEAR:
        return None
    names = tuple(sorted(entity.names, key=lambda use: (use.name.casefold(), use.name)))
    return EntityMatch(entity.id, entity.type, entity.label, names, entity.facts, matched, score)


def _score(asked: str, candidate: str) -> float:
    wanted, known = _without_article(normalise(asked)), _without_article(normalise(candidate))
    if wanted == known:
        return 1.0
    # "Sumgait Industrial Park" is near "Sumgayit Industrial Park" but not "Mingachevir Industrial
    # Park": generic words would make every park look alike, so the rest of the name decides
    distinct_wanted, distinct_known = _distinctive(wanted), _distinctive(known)
    if distinct_wanted and distinct_known:
        return min(similarity(distinct_wanted, distinct_known), 0.99)
    return min(similarity(wanted, known), 0.99)


def _without_article(name: str) -> str:
    return name.removeprefix("the ")


def _distinctive(name: str) -> str:
    return " ".join(word for word in name.split() if word not in GENERIC)
