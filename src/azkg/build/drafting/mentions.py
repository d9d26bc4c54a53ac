"""Where a text names a curated entity (by its label, any alias or its id), and names it does not know.

Matching ignores case and diacritics ("Sumqayıt" = "sumqayit") but keeps offsets into the original
text, so a mention is always a verbatim span. Unknown capitalised names are looked up with
`azkg.build.lookup.find_entities`: an exact hit there (legal form or article aside) is a mention, a near
miss is offered as "did you mean", and the rest are proposed as new entities.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from azkg.names import FOLDED

CAPITALISED = re.compile(
    r"(?<![\w’'-])(?:[A-Z][\w’'-]*|[A-Z]{2,})(?:\s+(?:(?:of|the|and|for|de|al)\s+)*(?:[A-Z][\w’'-]*|[A-Z]{2,}))+"
)
LEADING = re.compile(
    r"^(?:(?:The|A|An|In|On|At|From|Since|Outside|Meanwhile|During|With|By|For|This|These|All|Both|Over|Under|"
    r"Between|Last|Next|After|Before|Until|Despite|Thus|However|Also|Currently|Today|Yesterday|Then)\s+)+"
)
CALENDAR = re.compile(
    r"\b(?:January|February|March|April|May|June|July|August|September|October|November|December|Monday|"
    r"Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|Q[1-4])\b"
)
LEGAL_FORM = re.compile(r"[”\"’]?\s*(LLC|OJSC|CJSC|JSC|PJSC|Ltd|LTD|Inc|PLC|MMC|ASC|QSC|GmbH|AG|S\.p\.A\.)\b")
TYPE_WORDS = [
    (r"Industrial Park|Technopark|Park$", "IndustrialPark"),
    (r"Industrial (?:District|Quarter)", "IndustrialDistrict"),
    (r"(?:Economic|Free|Special) Zone|Zone$", "EconomicZone"),
    (r"Ministry|Agency|Committee|Service|Cabinet|Government", "GovernmentBody"),
    (r"Fund$", "Fund"),
    (r"Plant$|Factory$|Works$", "Plant"),
    (r"\b(?:LLC|OJSC|CJSC|JSC|Ltd|Inc|PLC|Company|Group|Holding|Corporation)\b", "Company"),
    (r"District$|Region$|City$|Province$", "AdministrativeArea"),
]


@dataclass(frozen=True)
class Entity:
    id: str
    type: str
    label: str
    names: tuple[str, ...]
    code: str | None = None  # a country's ISO 3166 code


@dataclass(frozen=True)
class Mention:
    start: int
    end: int
    entity: Entity

    @property
    def id(self) -> str:
        return self.entity.id

    @property
    def type(self) -> str:
        return self.entity.type


@dataclass
class Unknown:
    """A capitalised name no entity has: a proposal for a new entity."""

    name: str
    start: int
    end: int


def fold(text: str) -> str:
    """Lower case without diacritics, one character for one, so offsets stay valid."""
    out = []
    for char in text:
        folded = unicodedata.normalize("NFKD", char.translate(FOLDED))
        base = "".join(c for c in folded if not unicodedata.combining(c)).casefold()
        out.append(base[:1] if base else char.casefold()[:1] or " ")
    return "".join(out)


class EntityIndex:
    def __init__(self, entities: list[Entity]):
        self.entities = {entity.id: entity for entity in entities}
        self._names: dict[str, list[Entity]] = {}
        for entity in entities:
            for name in {entity.label, *entity.names}:
                key = fold(name).strip()
                if len(key) >= 2:
                    self._names.setdefault(key, []).append(entity)
        keys = sorted(self._names, key=lambda k: (-len(k), k))
        self._pattern = re.compile(r"(?<!\w)(?:" + "|".join(re.escape(k) for k in keys) + r")(?!\w)") if keys else None

    def mentions(self, text: str) -> list[Mention]:
        """Every mention, longest first where names overlap; a name of several entities gives each."""
        if self._pattern is None:
            return []
        found: list[Mention] = []
        folded = fold(text)
        for match in self._pattern.finditer(folded):
            for entity in self._names[match[0]]:
                found.append(Mention(match.start(), match.end(), entity))
        return found

    def named_inside(self, fragment: str, types: set[str]) -> list[Entity]:
        """Entities of `types` one of whose names is a part of `fragment` ("mirror sheet" in "mirror sheet
        production plant"), the longest names first and no two overlapping."""
        folded, found = fold(fragment), []
        taken: list[tuple[int, int]] = []
        for key in sorted(self._names, key=lambda k: (-len(k), k)):
            if key == folded.strip():
                continue
            for match in re.finditer(r"(?<!\w)" + re.escape(key) + r"(?!\w)", folded):
                if any(a < match.end() and match.start() < b for a, b in taken):
                    continue
                for entity in self._names[key]:
                    if entity.type in types and entity not in found:
                        found.append(entity)
                        taken.append((match.start(), match.end()))
        return found


def unknown_names(text: str, known: list[Mention]) -> list[Unknown]:
    """Capitalised multiword names that no mention covers, outside headings."""
    covered = [(m.start, m.end) for m in known]
    found: dict[str, Unknown] = {}
    for match in CAPITALISED.finditer(text):
        start, name = match.start(), match[0]
        lead = LEADING.match(name)
        if lead:
            start, name = start + lead.end(), name[lead.end() :]
        name = name.rstrip("’'-")
        end = start + len(name)
        if len(name.split()) < 2 or _in_heading(text, start) or CALENDAR.search(name):
            continue
        if any(a <= start and end <= b for a, b in covered):
            continue
        if any(a < end and start < b for a, b in covered):
            continue  # partly a known name ("President Ilham Aliyev"): the known part is the mention
        found.setdefault(name, Unknown(name, start, end))
    return list(found.values())


def guess_type(name: str, text_after: str, classes: frozenset[str]) -> str:
    for pattern, kind in TYPE_WORDS:
        if re.search(pattern, name) and kind in classes:
            return kind
    if LEGAL_FORM.match(text_after) and "Company" in classes:
        return "Company"
    if len(name.split()) == 2 and all(w[:1].isupper() and w[1:].islower() for w in name.split()):
        return "Person" if "Person" in classes else "Organization"
    return "Organization" if "Organization" in classes else sorted(classes)[0]


def _in_heading(text: str, at: int) -> bool:
    """A line with no sentence stop, all words capitalised: a heading, not prose."""
    line_start = text.rfind("\n", 0, at) + 1
    line_end = text.find("\n", at)
    line = text[line_start : line_end if line_end >= 0 else len(text)].strip()
    if not line or line[-1] in ".!?:":
        return False
    words = [w for w in line.split() if w.isalpha() and len(w) > 3]
    return bool(words) and all(w[0].isupper() for w in words) and len(line) < 120
