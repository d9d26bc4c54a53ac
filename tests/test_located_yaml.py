from __future__ import annotations

from pathlib import Path

import pytest

from azkg.build import located_yaml
from azkg.errors import CurationError


def test_lines_and_plain_strings(tmp_path: Path) -> None:
    path = tmp_path / "x.yaml"
    path.write_text("claims:\n  - id: a\n    value: 1.10\n    flag: no\n    empty: null\n", encoding="utf-8")
    data = located_yaml.load(path, "x.yaml")
    claim = data.values["claims"][0]
    assert claim.values == {"id": "a", "value": "1.10", "flag": "no", "empty": None}
    assert (claim.line, claim.line_of("flag")) == (2, 4)


def test_duplicate_keys_are_errors(tmp_path: Path) -> None:
    path = tmp_path / "x.yaml"
    path.write_text("a: 1\nb: 2\na: 3\n", encoding="utf-8")
    with pytest.raises(CurationError, match=r"x.yaml:3 \[a\]: duplicate key \(first given on line 1\)"):
        located_yaml.load(path, "x.yaml")


def test_syntax_errors_name_the_line(tmp_path: Path) -> None:
    path = tmp_path / "x.yaml"
    path.write_text("a: 1\nb: [2\nc: 3\n", encoding="utf-8")
    with pytest.raises(CurationError, match=r"x.yaml:\d+: is not valid YAML"):
        located_yaml.load(path, "x.yaml")
