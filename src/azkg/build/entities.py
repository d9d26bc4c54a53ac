"""Reading data/curation/entities.yaml into Entity records."""

from __future__ import annotations

from pathlib import Path

import pycountry

from azkg.build import located_yaml
from azkg.build.fields import FieldReader
from azkg.build.located_yaml import Record
from azkg.build.ontology import Ontology
from azkg.build.records import Entity, Where
from azkg.build.sources import SourceDocument
from azkg.errors import CurationError, Problem
from azkg.iris import is_slug
from azkg.vocab import AZKG

FIELDS = {"id", "type", "label", "names", "code", "note"}


def load_entities(path: Path, shown: str, ontology: Ontology, sources: dict[str, SourceDocument]) -> dict[str, Entity]:
    data = located_yaml.load(path, shown)
    if not isinstance(data, list):
        raise CurationError([Problem(shown, 1, "", "must be a list of entities (each starting with '- id:')")])
    problems: list[Problem] = []
    entities: dict[str, Entity] = {}
    texts = [source.text for source in sources.values()]
    classes = ontology.classes()
    for item in data:
        if not isinstance(item, Record):
            problems.append(Problem(shown, 0, "", "each entity must be a mapping with id, type and label"))
            continue
        entity = _read_entity(item, classes, ontology, texts, problems)
        if entity is None:
            continue
        if entity.id in entities:
            first = entities[entity.id].where.line
            problems.append(item.problem("id", f"duplicate id '{entity.id}' (first defined on line {first})"))
            continue
        entities[entity.id] = entity
    if problems:
        raise CurationError(problems)
    return entities


def _read_entity(
    item: Record, classes: dict, ontology: Ontology, texts: list[str], problems: list[Problem]
) -> Entity | None:
    before = len(problems)
    read = FieldReader(item, FIELDS, problems)
    entity_id = read.text("id", required=True)
    if entity_id and not is_slug(entity_id):
        read.fail("id", f"'{entity_id}' is not an id; use lowercase letters, digits and single hyphens")
    cls = read.choice("type", classes, "class", required=True)
    label = read.text("label", required=True)
    names = read.texts("names")
    for name in names:
        if not any(name in text for text in texts):
            read.fail("names", f"'{name}' occurs in no source text; list only names the sources use")
    code = read.text("code")
    if cls is not None:
        _check_code(read, code, AZKG.Country in ontology.superclasses(cls))
    if len(problems) > before or not (entity_id and cls is not None and label):
        return None
    return Entity(entity_id, cls, label, names, code, read.text("note"), Where(item.file, item.line))


def _check_code(read: FieldReader, code: str | None, is_country: bool) -> None:
    if is_country and code is None:
        read.fail("code", "a country needs its ISO 3166-1 alpha-2 code, such as AZ")
    elif not is_country and code is not None:
        read.fail("code", "only countries have a code")
    elif code is not None and pycountry.countries.get(alpha_2=code) is None:
        read.fail("code", f"'{code}' is not an ISO 3166-1 alpha-2 country code")
