"""`azkg add FILE`: registering a new source, its text kept byte for byte and what is known of it.

Everything is checked before anything is written, and the two files (`<id>.txt` and `<id>.yaml`)
are written beside and renamed into data/sources/, so a refused or failed registration leaves
nothing behind.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from azkg.build import located_yaml
from azkg.build.dates import DateFormatError, parse_timestamp
from azkg.build.located_yaml import Record
from azkg.build.lookup import EntityMatch, find_entities_many
from azkg.build.sources import HTTP_URL, LANGUAGE
from azkg.errors import CurationError, RegistrationError
from azkg.iris import is_slug
from azkg.names import normalise
from azkg.settings import Paths

MAX_BYTES = 1_000_000  # a news article is tens of kilobytes; megabytes mean the wrong file
CYRILLIC_LANGUAGES = ("ru", "uk", "be", "bg", "sr", "kk", "ky", "tg", "az-Cyrl")


@dataclass(frozen=True)
class Registration:
    """What the curator says of a text: every field optional but the file and its language."""

    text_file: Path
    language: str = "en"
    id: str | None = None
    label: str | None = None
    title: str | None = None
    publisher: str | None = None  # an entity id or a name of one
    published: str | None = None  # YYYY-MM-DD or a date-time with its offset
    url: str | None = None
    syndicated_from: str | None = None  # the original publisher, when this outlet republished it
    retrieved: dt.date = field(default_factory=dt.date.today)


@dataclass(frozen=True)
class Registered:
    id: str
    text_file: Path
    metadata_file: Path


def register(paths: Paths, asked: Registration) -> Registered:
    raw, text = _read_text(asked.text_file)
    _check_language(asked, text)
    sha256 = hashlib.sha256(raw).hexdigest()
    known = _registered(paths)
    _refuse_duplicates(asked, sha256, known)
    named = [name for name in (asked.publisher, asked.syndicated_from) if name is not None]
    found = find_entities_many(paths, named, limit=5) if named else {}
    publisher = _entity_id(paths, asked.publisher, "--publisher", found)
    original = _entity_id(paths, asked.syndicated_from, "--syndicated-from", found)
    issued = _issued(asked.published)
    source_id = asked.id or _derived_id(publisher, issued, asked.title, text)
    _check_id(paths, source_id, explicit=asked.id is not None)
    metadata = _metadata(asked, source_id, publisher, original, issued, sha256, text)
    return _write(paths.sources_dir, source_id, raw, metadata)


def _read_text(path: Path) -> tuple[bytes, str]:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise RegistrationError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise RegistrationError(f"{path}: is a folder; give the article's text file") from None
    if len(raw) > MAX_BYTES:
        raise RegistrationError(
            f"{path}: has {len(raw) / 1e6:.1f} MB; an article is at most {MAX_BYTES / 1e6:g} MB of text "
            "(is this the right file?)"
        )
    if b"\x00" in raw:
        raise RegistrationError(f"{path}: is binary, not text; save the article as UTF-8 plain text")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        raise RegistrationError(f"{path}: is not UTF-8 (byte {err.start}); save the article as UTF-8") from None
    if not text.strip():
        raise RegistrationError(f"{path}: is empty; give the article's text")
    return raw, text


def _check_language(asked: Registration, text: str) -> None:
    if not LANGUAGE.match(asked.language):
        raise RegistrationError(f"--language {asked.language!r}: not a BCP 47 language tag such as 'en'")
    letters = [c for c in text if c.isalpha()]
    cyrillic = sum("CYRILLIC" in unicodedata.name(c, "") for c in letters)
    if cyrillic > len(letters) / 3 and not asked.language.startswith(CYRILLIC_LANGUAGES):
        raise RegistrationError(
            f"{asked.text_file}: is written in Cyrillic letters but --language is '{asked.language}'; "
            "give the text's language, such as --language ru"
        )
    schwa = sum(c in "əƏ" for c in letters)
    if schwa > len(letters) / 200 and not asked.language.startswith("az"):
        raise RegistrationError(
            f"{asked.text_file}: reads as Azerbaijani (it writes 'ə' {schwa} times) but --language is "
            f"'{asked.language}'; give --language az"
        )


@dataclass(frozen=True)
class _Known:
    id: str
    sha256: str
    url: str | None


def _registered(paths: Paths) -> list[_Known]:
    known = []
    for text_path in sorted(paths.sources_dir.glob("*.txt")):
        url: Any = None
        meta_path = text_path.with_suffix(".yaml")
        if meta_path.exists():
            try:
                meta = located_yaml.load(meta_path, paths.relative(meta_path))
            except CurationError:
                meta = None
            url = meta.values.get("url") if isinstance(meta, Record) else None
        known.append(_Known(text_path.stem, hashlib.sha256(text_path.read_bytes()).hexdigest(), url))
    return known


def _refuse_duplicates(asked: Registration, sha256: str, known: list[_Known]) -> None:
    for source in known:
        if source.sha256 == sha256:
            raise RegistrationError(
                f"{asked.text_file}: is already registered as source '{source.id}' "
                f"(data/sources/{source.id}.txt holds the same text)"
            )
    if asked.url is None:
        return
    if not HTTP_URL.match(asked.url):
        raise RegistrationError(f"--url {asked.url!r}: not an http(s) URL")
    for source in known:
        if source.url == asked.url:
            raise RegistrationError(f"--url {asked.url}: is already registered as source '{source.id}'")


def _entity_id(
    paths: Paths, name: str | None, option: str, found: dict[str, list[EntityMatch]]
) -> str | None:
    """An entity id, given as the id or as a name that denotes exactly one entity."""
    if name is None:
        return None
    matches = found[name]
    exact = [m for m in matches if m.exact]
    if len({m.id for m in exact}) == 1:
        return exact[0].id
    if len(exact) > 1:
        ids = ", ".join(m.id for m in exact)
        raise RegistrationError(f"{option} {name!r}: names several entities ({ids}); give the id of one")
    hint = f"; did you mean: {', '.join(m.id for m in matches)}" if matches else ""
    raise RegistrationError(
        f"{option} {name!r}: no entity has this name; add the outlet to {paths.relative(paths.entities_file)} "
        f"(type Organization) or give an existing id{hint}"
    )


def _issued(published: str | None) -> str | None:
    if published is None:
        return None
    try:
        return str(parse_timestamp(published))
    except DateFormatError as err:
        raise RegistrationError(f"--published: {err}") from None


def _derived_id(publisher: str | None, issued: str | None, title: str | None, text: str) -> str:
    """`<publisher>-<date>` as the seeds are named, else the title's (or first line's) first words."""
    if publisher and issued:
        return f"{publisher}-{issued[:10]}"
    words = normalise(title or text.strip().splitlines()[0]).split()[:6]
    stem = "-".join(words) or "source"
    return f"{stem}-{issued[:10]}" if issued else stem


def _check_id(paths: Paths, source_id: str, explicit: bool) -> None:
    option = f"--id {source_id}" if explicit else f"the id '{source_id}' (made from the options; give --id)"
    if not is_slug(source_id):
        raise RegistrationError(f"{option}: use lowercase letters, digits and single hyphens")
    for suffix in (".txt", ".yaml"):
        existing = paths.sources_dir / f"{source_id}{suffix}"
        if existing.exists():
            raise RegistrationError(f"{option}: {paths.relative(existing)} exists; choose another id with --id")


def _metadata(asked, source_id, publisher, original, issued, sha256, text) -> list[tuple[str, object]]:
    label = asked.label or _label(asked, publisher, issued, text)
    basis = None
    if asked.url is not None:
        basis = f"Given at registration as the address the text was retrieved from on {asked.retrieved.isoformat()}."
    return [
        ("id", source_id), ("label", label), ("title", asked.title), ("publisher", publisher),
        ("syndicated_from", original), ("issued", issued), ("url", asked.url), ("url_basis", basis),
        ("retrieved", asked.retrieved.isoformat()), ("language", asked.language),
        ("received_as", asked.text_file.name), ("sha256", sha256),
    ]


def _label(asked: Registration, publisher: str | None, issued: str | None, text: str) -> str:
    if asked.title:
        return asked.title
    first = " ".join(text.strip().splitlines()[0].split())
    first = first if len(first) <= 100 else first[:99].rsplit(" ", 1)[0] + "…"
    who = f"{publisher} " if publisher else ""
    when = f" of {issued[:10]}" if issued else ""
    return f"{who}article{when}: {first}"


def _write(sources_dir: Path, source_id: str, raw: bytes, metadata: list[tuple[str, object]]) -> Registered:
    sources_dir.mkdir(parents=True, exist_ok=True)
    text_path, meta_path = sources_dir / f"{source_id}.txt", sources_dir / f"{source_id}.yaml"
    lines = [f"# What is known about data/sources/{source_id}.txt, registered by `azkg add`; unknown is null."]
    lines += [f"{key}: {_yaml_scalar(value)}" for key, value in metadata]
    temps = [sources_dir / f".{source_id}.txt.tmp", sources_dir / f".{source_id}.yaml.tmp"]
    try:
        temps[0].write_bytes(raw)
        temps[1].write_text("\n".join(lines) + "\n", encoding="utf-8")
        os.replace(temps[0], text_path)
        try:
            os.replace(temps[1], meta_path)
        except OSError:
            text_path.unlink(missing_ok=True)
            raise
    except OSError as err:
        reason = err.strerror or err
        raise RegistrationError(f"{sources_dir}: cannot write the source ({reason}); nothing was added") from None
    finally:
        for temp in temps:
            temp.unlink(missing_ok=True)
    return Registered(source_id, text_path, meta_path)


def _yaml_scalar(value: object) -> str:
    """null, or a double-quoted string (JSON's quoting is valid YAML and keeps every character)."""
    return "null" if value is None else json.dumps(str(value), ensure_ascii=False)
