"""What the drafter reads from the project: the source, the entities, and figures already curated."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import cast

import yaml

from azkg.build import located_yaml
from azkg.build.drafting.mentions import Entity
from azkg.build.located_yaml import Record
from azkg.errors import DraftError
from azkg.settings import Paths


@dataclass(frozen=True)
class SourceInfo:
    id: str
    text: str
    issued: str | None  # YYYY-MM-DD, when the source gives its date
    language: str
    issued_not_before: str | None = None  # the inferred bound of an undated source


@dataclass(frozen=True)
class Existing:
    """A figure already curated from another source, to compare drafts against."""

    source: str
    id: str
    about: str
    metric: str
    measure: str  # currency code or unit
    period: str | None
    value: Decimal
    status: str | None = None


def load_source(paths: Paths, source_id: str) -> SourceInfo:
    text_path = paths.sources_dir / f"{source_id}.txt"
    meta_path = paths.sources_dir / f"{source_id}.yaml"
    if not re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", source_id) or not text_path.is_file() or not meta_path.is_file():
        known = sorted(p.stem for p in paths.sources_dir.glob("*.txt"))
        raise DraftError(
            f"no source '{source_id}' in {paths.relative(paths.sources_dir)}; known: {', '.join(known) or 'none'}"
        )
    try:
        text = text_path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as err:
        raise DraftError(f"{paths.relative(text_path)} is not valid UTF-8 (byte {err.start})") from None
    meta = located_yaml.load(meta_path, paths.relative(meta_path))
    values = meta.values if isinstance(meta, Record) else {}
    issued = values.get("issued")
    language = values.get("language") or "en"
    not_before = values.get("issued_not_before")
    return SourceInfo(
        source_id,
        text,
        str(issued)[:10] if isinstance(issued, str) else None,
        str(language),
        str(not_before)[:10] if isinstance(not_before, str) else None,
    )


def _plain_yaml(path: Path) -> object:
    """A curated file as plain lists, dicts and strings, parsed by libyaml when it is there (the
    drafter needs no line numbers, and the pure-Python parser would take most of its time)."""
    loader = getattr(yaml, "CBaseLoader", yaml.BaseLoader)
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=loader)
    except (yaml.YAMLError, UnicodeDecodeError, OSError):
        return None


def load_entities(path: Path) -> list[Entity]:
    data = _plain_yaml(path)
    entities = []
    for item in data if isinstance(data, list) else []:
        if not isinstance(item, dict) or not isinstance(item.get("id"), str):
            continue
        names = (
            tuple(n for n in item.get("names") or [] if isinstance(n, str))
            if isinstance(item.get("names"), list)
            else ()
        )
        code = item.get("code") if isinstance(item.get("code"), str) else None
        label = cast(str, item.get("label") if isinstance(item.get("label"), str) else item["id"])
        entities.append(Entity(item["id"], str(item.get("type") or ""), label, names, code))
    return entities


def load_existing(paths: Paths, exclude: str) -> list[Existing]:
    """Figures of the other curation files (read as curated, so a half-built graph still counts)."""
    found: list[Existing] = []
    for path in sorted(paths.curation_dir.glob("*.yaml")):
        if path == paths.entities_file or path.stem == exclude:
            continue
        data = _plain_yaml(path)
        claims = data.get("claims") if isinstance(data, dict) else None
        for claim in claims if isinstance(claims, list) else []:
            if not isinstance(claim, dict) or "metric" not in claim:
                continue
            pairs = claim.get("values") if isinstance(claim.get("values"), dict) else None
            measured = pairs or {claim.get("currency") or claim.get("unit"): claim.get("value")}
            for measure, value in measured.items():
                try:
                    number = Decimal(str(value))
                except ArithmeticError:
                    continue
                period = claim.get("period") if isinstance(claim.get("period"), str) else None
                status = claim.get("status") if claim.get("status") != "actual" else None
                found.append(
                    Existing(
                        path.stem,
                        str(claim.get("id")),
                        str(claim.get("about")),
                        str(claim.get("metric")),
                        str(measure),
                        period,
                        number,
                        status,
                    )
                )
    return found
