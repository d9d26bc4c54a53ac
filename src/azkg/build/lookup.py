"""Which entities a name may denote: `azkg entities find NAME` and /api/entities?name=.

Read straight from the curated files (entities.yaml, the source texts, the claims), not from the
built graph, so a curator can look a name up while a new article is half curated.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from azkg.build import located_yaml
from azkg.build.located_yaml import Record
from azkg.errors import CurationError, Problem
from azkg.names import normalise, similarity
from azkg.settings import Paths

GENERIC = frozenset(
    {
        "industrial", "park", "parks", "zone", "zones", "district", "districts", "quarter", "economic", "plant",
        "factory", "company", "production", "of", "and", "the", "city", "region", "free", "special",
    }
)
NEAR = 0.8  # below this ratio a name is not offered as "did you mean"
COUNTED = ("about", "object", "product", "counterparty")  # claim fields that name an entity


@dataclass(frozen=True)
class NameUse:
    name: str
    sources: tuple[str, ...]  # ids of the sources whose text uses the name verbatim


@dataclass(frozen=True)
class EntityMatch:
    id: str
    type: str
    label: str
    names: tuple[NameUse, ...]
    facts: int  # curated claims that name the entity
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


def find_entities(paths: Paths, name: str, limit: int = 10) -> list[EntityMatch]:
    """Entities whose id, label or alias is `name` (exact first), then near misses, best first."""
    return find_entities_many(paths, [name], limit)[name]


def find_entities_many(paths: Paths, names: list[str], limit: int = 10) -> dict[str, list[EntityMatch]]:
    """`find_entities` for several names, reading the curated files once (the drafter looks up every
    unknown name of an article)."""
    texts = _source_texts(paths.sources_dir)
    counts = _claim_counts(paths.curation_dir, paths.entities_file)
    records = _entity_records(paths)
    answers = {}
    for name in names:
        found = [m for m in (_match(record, name, texts, counts) for record in records) if m is not None]
        found.sort(key=lambda m: (-m.score, m.label.casefold()))
        answers[name] = found[:limit]
    return answers


def _match(record: Record, name: str, texts: dict[str, str], counts: dict[str, int]) -> EntityMatch | None:
    values = record.values
    entity_id, label = str(values.get("id") or ""), str(values.get("label") or "")
    aliases = [str(n) for n in values.get("names") or [] if isinstance(n, str)]
    candidates = [label, *aliases, entity_id.replace("-", " ")]
    score, matched = max((_score(name, candidate), candidate) for candidate in candidates if candidate)
    if score < NEAR:
        return None
    uses = tuple(NameUse(alias, tuple(s for s, text in texts.items() if alias in text)) for alias in aliases)
    return EntityMatch(entity_id, str(values.get("type") or ""), label, uses, counts.get(entity_id, 0), matched, score)


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


def _entity_records(paths: Paths) -> list[Record]:
    shown = paths.relative(paths.entities_file)
    data = located_yaml.load(paths.entities_file, shown)
    if not isinstance(data, list):
        raise CurationError([Problem(shown, 1, "", "must be a list of entities (each starting with '- id:')")])
    return [item for item in data if isinstance(item, Record)]


def _source_texts(sources_dir: Path) -> dict[str, str]:
    return {path.stem: path.read_text(encoding="utf-8", errors="replace") for path in sorted(sources_dir.glob("*.txt"))}


def _claim_counts(curation_dir: Path, entities_file: Path) -> dict[str, int]:
    """Claims naming each entity, counted over every claims file that parses (a broken one is the
    build's to report, not the look-up's)."""
    counts: dict[str, int] = {}
    for path in sorted(curation_dir.glob("*.yaml")):
        if path == entities_file:
            continue
        try:
            data = located_yaml.load(path, path.name)
        except CurationError:
            continue
        claims = data.values.get("claims") if isinstance(data, Record) else None
        for claim in claims if isinstance(claims, list) else []:
            named = {claim.values.get(key) for key in COUNTED} if isinstance(claim, Record) else set()
            for entity_id in named - {None}:
                counts[str(entity_id)] = counts.get(str(entity_id), 0) + 1
    return counts
