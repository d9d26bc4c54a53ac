"""Reading typed fields out of a located YAML record, each failure a Problem with file and line."""

from __future__ import annotations

import difflib
from collections.abc import Callable
from typing import TypeVar, cast

from azkg.build.located_yaml import Record
from azkg.errors import Problem

T = TypeVar("T")


class FieldReader:
    """Collects problems while reading one record, so every problem of a record is reported at once."""

    def __init__(self, record: Record, known: set[str], problems: list[Problem]):
        self.record = record
        self.problems = problems
        for key in record.values:
            if key not in known:
                self.fail(key, f"unknown field; the fields are {', '.join(sorted(known))}")

    def fail(self, key: str, message: str) -> None:
        self.problems.append(self.record.problem(key, message))

    def text(self, key: str, required: bool = False) -> str | None:
        value = self.record.values.get(key)
        if value is None:
            if required:
                self.fail(key, "is required")
            return None
        if not isinstance(value, str) or not value.strip():
            self.fail(key, "must be a non-empty text")
            return None
        return value

    def texts(self, key: str) -> tuple[str, ...]:
        value = self.record.values.get(key)
        if value is None:
            return ()
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            self.fail(key, "must be a list of non-empty texts, such as [Sumgayit, SCIP]")
            return ()
        return tuple(cast(list[str], value))

    def parsed(self, key: str, parse: Callable[[str], T], required: bool = False) -> T | None:
        text = self.text(key, required)
        if text is None:
            return None
        try:
            return parse(text)
        except ValueError as err:
            self.fail(key, str(err))
            return None

    def choice(self, key: str, options: dict[str, T], what: str, required: bool = False, where: str = "") -> T | None:
        """One of `options`; an unknown name gets the closest names as suggestions, or the list when short."""
        text = self.text(key, required)
        if text is None:
            return None
        if text not in options:
            close = difflib.get_close_matches(text, list(options), n=3, cutoff=0.6)
            if close:
                hint = f"did you mean {' or '.join(repr(c) for c in close)}?"
            else:
                hint = f"use one of: {', '.join(sorted(options))}" if len(options) <= 25 else f"see {where}"
            self.fail(key, f"unknown {what} '{text}'; {hint}")
            return None
        return options[text]
