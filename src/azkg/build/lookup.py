"""Which entities a name may denote: `azkg entities find NAME` and /api/entities?name=.

Read straight from the curated files (entities.yaml, the source texts, the claims), not from the
built graph, so a curator can look a name up while a new article is half curated; ranked by
`azkg.names`, as the service ranks the same look-up answered from the store.
"""

from __future__ import annotations

from pathlib import Path

from azkg.build import located_yaml
from azkg.build.located_yaml import Record
from azkg.errors import CurationError, Problem
from azkg.names import EntityMatch, NamedEntity, NameUse, rank_entities
from azkg.settings import Paths

COUNTED = ("about", "object", "product", "counterparty")  # claim fields that name an entity


def find_entities(paths: Paths, name: str, limit: int = 10) -> list[EntityMatch]:
    """Entities whose id, label or alias is `name` (exact first), then near misses, best first."""
    return find_entities_many(paths, [name], limit)[name]


def find_entities_many(paths: Paths, names: list[str], limit: int = 10) -> dict[str, list[EntityMatch]]:
    """`find_entities` for several names, reading the curated files once (the drafter looks up every
    unknown name of an article)."""
    texts = _source_texts(paths.sources_dir)
    counts = _claim_counts(paths.curation_dir, paths.entities_file)
    entities = [_named(record, texts, counts) for record in _entity_records(paths)]
    return {name: rank_entities(entities, name, limit) for name in names}


def _named(record: Record, texts: dict[str, str], counts: dict[str, int]) -> NamedEntity:
    values = record.values
    entity_id = str(values.get("id") or "")
    names = values.get("names")
    aliases = [n for n in names if isinstance(n, str)] if isinstance(names, list) else []
    uses = tuple(NameUse(alias, tuple(s for s, text in texts.items() if alias in text)) for alias in aliases)
    return NamedEntity(entity_id, str(values.get("type") or ""), str(values.get("label") or ""), uses,
                       counts.get(entity_id, 0))


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
