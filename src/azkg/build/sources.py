"""Source documents: the verbatim texts in data/sources/ and what is known about each."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rdflib import Literal
from rdflib.namespace import XSD

from azkg.build import located_yaml
from azkg.build.dates import DateFormatError, parse_date, parse_timestamp
from azkg.build.located_yaml import Record
from azkg.errors import CurationError, Problem
from azkg.iris import is_slug

FIELDS = {
    "id", "label", "title", "publisher", "syndicated_from", "issued", "issued_not_before", "date_basis", "url",
    "url_basis", "retrieved", "language", "received_as", "sha256",
}
REQUIRED = {"id", "label", "language"}
LANGUAGE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
HTTP_URL = re.compile(r"^https?://[^\s/]+\S*$")


@dataclass(frozen=True)
class SourceDocument:
    id: str
    text: str
    sha256: str
    label: str
    title: str | None
    publisher: str | None
    issued: Literal | None
    issued_not_before: Literal | None
    date_basis: str | None
    language: str
    received_as: str | None
    metadata_file: str
    metadata_line: int
    syndicated_from: str | None = None  # the original publisher's entity id, when `publisher` republished it
    url: str | None = None
    url_basis: str | None = None  # how the URL is known: the text does not state its own address
    retrieved: Literal | None = None

    @property
    def as_of(self) -> Literal | None:
        """The date facts 'currently' and 'to date' refer to: the issue date, when known."""
        if self.issued is None:
            return None
        return Literal(str(self.issued)[:10], datatype=XSD.date)


def load_sources(sources_dir: Path, shown: Callable[[Path], str]) -> dict[str, SourceDocument]:
    problems: list[Problem] = []
    sources: dict[str, SourceDocument] = {}
    for text_path in sorted(sources_dir.glob("*.txt")):
        meta_path = text_path.with_suffix(".yaml")
        if not meta_path.exists():
            problems.append(Problem(shown(text_path), 0, "", f"has no metadata file; add {shown(meta_path)}"))
            continue
        try:
            source = _load_one(text_path, meta_path, shown)
        except CurationError as err:
            problems.extend(err.problems)
            continue
        sources[source.id] = source
    for meta_path in sorted(sources_dir.glob("*.yaml")):
        if not meta_path.with_suffix(".txt").exists():
            problems.append(
                Problem(
                    shown(meta_path), 0, "", f"describes a text that is missing: {shown(meta_path.with_suffix('.txt'))}"
                )
            )
    if problems:
        raise CurationError(problems)
    return sources


def _load_one(text_path: Path, meta_path: Path, shown: Callable[[Path], str]) -> SourceDocument:
    raw = text_path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        raise CurationError(
            [Problem(shown(text_path), 0, "", f"is not valid UTF-8 (byte {err.start}); save it as UTF-8")]
        ) from None
    meta = located_yaml.load(meta_path, shown(meta_path))
    if not isinstance(meta, Record):
        raise CurationError([Problem(shown(meta_path), 1, "", "must be a mapping of fields (id, label, ...)")])
    problems = [
        meta.problem(k, f"unknown field; known fields are {', '.join(sorted(FIELDS))}")
        for k in meta.values
        if k not in FIELDS
    ]
    problems += [meta.problem(k, "is required") for k in sorted(REQUIRED) if not meta.values.get(k)]
    values: dict[str, Any] = {k: v for k, v in meta.values.items() if isinstance(v, str) or v is None}
    if values.get("id") and values["id"] != text_path.stem:
        problems.append(meta.problem("id", f"'{values['id']}' differs from the file name '{text_path.stem}'"))
    elif values.get("id") and not is_slug(values["id"]):
        problems.append(meta.problem("id", "use lowercase letters, digits and single hyphens"))
    if values.get("language") and not LANGUAGE.match(values["language"]):
        problems.append(meta.problem("language", f"'{values['language']}' is not a BCP 47 language tag such as 'en'"))
    issued = _timestamp(meta, "issued", problems)
    not_before = _date(meta, "issued_not_before", problems)
    if issued is not None and not_before is not None:
        problems.append(meta.problem("issued_not_before", "give either issued or issued_not_before, not both"))
    if not_before is not None and not values.get("date_basis"):
        problems.append(meta.problem("date_basis", "say how issued_not_before was inferred"))
    problems += _provenance_problems(meta, values, hashlib.sha256(raw).hexdigest())
    retrieved = _date(meta, "retrieved", problems)
    if problems:
        raise CurationError(problems)
    return SourceDocument(
        id=values["id"],
        text=text,
        sha256=hashlib.sha256(raw).hexdigest(),
        label=values["label"],
        title=values.get("title"),
        publisher=values.get("publisher"),
        issued=issued,
        issued_not_before=not_before,
        date_basis=values.get("date_basis"),
        language=values["language"],
        received_as=values.get("received_as"),
        metadata_file=meta.file,
        metadata_line=meta.line,
        syndicated_from=values.get("syndicated_from"),
        url=values.get("url"),
        url_basis=values.get("url_basis"),
        retrieved=retrieved,
    )


def _provenance_problems(meta: Record, values: dict, sha256: str) -> list[Problem]:
    """The URL and its basis, and the text against the digest recorded when it was registered."""
    problems = []
    url = values.get("url")
    if url is not None and not HTTP_URL.match(url):
        problems.append(meta.problem("url", f"'{url}' is not an http(s) URL"))
    if url is not None and not values.get("url_basis"):
        problems.append(meta.problem("url_basis", "say how the URL is known (the text does not state it)"))
    recorded = values.get("sha256")
    if recorded is not None and recorded != sha256:
        problems.append(
            meta.problem(
                "sha256",
                "the text differs from the one registered; restore it as received, or register the new text "
                "with `azkg add`",
            )
        )
    return problems


def _timestamp(meta: Record, key: str, problems: list[Problem]) -> Literal | None:
    value = meta.values.get(key)
    if value is None:
        return None
    try:
        return parse_timestamp(str(value))
    except DateFormatError as err:
        problems.append(meta.problem(key, str(err)))
        return None


def _date(meta: Record, key: str, problems: list[Problem]) -> Literal | None:
    value = meta.values.get(key)
    if value is None:
        return None
    try:
        return Literal(parse_date(str(value)).isoformat(), datatype=XSD.date)
    except DateFormatError as err:
        problems.append(meta.problem(key, str(err)))
        return None
