"""YAML that remembers where things are: every mapping knows the line of each of its keys.

Scalars stay strings (no YAML 1.1 surprises such as `no` -> False or 1.10 -> 1.1); the curation
parser decides each field's type and reports the line when it cannot.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Union

import yaml

from azkg.errors import CurationError, Problem

Value = Union[str, None, "Record", list["Value"]]

NULL_TAG = "tag:yaml.org,2002:null"


@dataclass
class Record:
    """A YAML mapping with the (1-based) line of the mapping and of each key."""

    file: str
    line: int
    values: dict[str, Value] = field(default_factory=dict)
    lines: dict[str, int] = field(default_factory=dict)

    def line_of(self, key: str) -> int:
        return self.lines.get(key, self.line)

    def problem(self, key: str, message: str) -> Problem:
        return Problem(self.file, self.line_of(key), key, message)


def load(path: Path, shown_as: str) -> Value:
    """Parse one YAML file; syntax errors and duplicate keys raise CurationError with the line."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as err:
        raise CurationError(
            [Problem(shown_as, 0, "", f"is not valid UTF-8 ({err.reason} at byte {err.start})")]
        ) from None
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as err:
        line = err.problem_mark.line + 1 if err.problem_mark else 0
        raise CurationError([Problem(shown_as, line, "", f"is not valid YAML: {err.problem}")]) from None
    if node is None:
        return None
    problems: list[Problem] = []
    value = _convert(node, shown_as, problems)
    if problems:
        raise CurationError(problems)
    return value


def _convert(node: yaml.Node, file: str, problems: list[Problem]) -> Value:
    if isinstance(node, yaml.ScalarNode):
        return None if node.tag == NULL_TAG else str(node.value)
    if isinstance(node, yaml.SequenceNode):
        return [_convert(item, file, problems) for item in node.value]
    if isinstance(node, yaml.MappingNode):
        record = Record(file, node.start_mark.line + 1)
        for key_node, value_node in node.value:
            key = str(key_node.value)
            line = key_node.start_mark.line + 1
            if key in record.values:
                problems.append(Problem(file, line, key, f"duplicate key (first given on line {record.lines[key]})"))
                continue
            record.values[key] = _convert(value_node, file, problems)
            record.lines[key] = line
        return record
    raise CurationError([Problem(file, node.start_mark.line + 1, "", "unsupported YAML node")])
