"""The README's layout is the code's: every module is named where it lives, and every place the
"Where to look" table points to exists, down to the names it gives."""

from __future__ import annotations

import re

import pytest

from tests.conftest import REPO

PACKAGE = REPO / "src" / "azkg"
README = (REPO / "README.md").read_text(encoding="utf-8")
LAYOUT = README[README.index("## Layout\n") : README.index("## Dependencies, and why")]
WHERE = [line for line in LAYOUT[LAYOUT.index("Where to look:") :].splitlines() if line.startswith("| ") and "`" in line]
MODULES = sorted(p for p in PACKAGE.rglob("*.py") if p.name != "__init__.py" and "drafting" not in p.parts)


@pytest.mark.parametrize("module", MODULES, ids=[p.relative_to(PACKAGE).as_posix() for p in MODULES])
def test_every_module_is_named_in_the_layout(module) -> None:
    assert re.search(rf"\b{re.escape(module.stem)}\b", LAYOUT), f"README's layout does not name {module.stem}"


def test_the_where_to_look_table_has_rows() -> None:
    assert len(WHERE) >= 5


@pytest.mark.parametrize("row", WHERE, ids=[row.split("|")[1].strip() for row in WHERE])
def test_where_to_look_points_at_what_exists(row) -> None:
    files = re.findall(r"`([\w/]+\.py)`", row)
    assert files, row
    texts = []
    for name in files:
        path = PACKAGE / name
        assert path.is_file(), f"{name} does not exist under src/azkg"
        texts.append(path.read_text(encoding="utf-8"))
    for symbol in re.findall(r"`(\w+)`", row):
        assert any(re.search(rf"^\s*(class|def|async def)?\s*{symbol}\b", t, re.M) for t in texts), symbol
