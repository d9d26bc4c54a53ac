"""`azkg entities find`: every name the curated files use finds its entity, whatever its spelling."""

from __future__ import annotations

import json

import pytest
import yaml

from azkg.build.lookup import find_entities
from azkg.names import normalise
from azkg.settings import Paths
from tests.conftest import ROOT, run_cli

REAL = Paths(ROOT)
ENTITIES = yaml.safe_load((ROOT / "data" / "curation" / "entities.yaml").read_text(encoding="utf-8"))
NAMED = [(e["id"], name) for e in ENTITIES for name in [e["label"], *(e.get("names") or [])]]


@pytest.mark.parametrize(("entity_id", "name"), NAMED, ids=[f"{i}:{n}" for i, n in NAMED])
def test_every_label_and_alias_finds_its_entity_exactly(entity_id: str, name: str) -> None:
    exact = [m.id for m in find_entities(REAL, name, limit=100) if m.exact]
    assert entity_id in exact


@pytest.mark.parametrize(
    ("spelling", "plain"),
    [
        ("“Sumqayıt” Chemical Industrial Park LLC", "sumqayit chemical industrial park"),
        ("GƏNCƏ", "gence"),
        ("Az-Tex-Import MMC", "az tex import"),
        ("Azermirror, LLC", "azermirror"),
        ("'IVECO'", "iveco"),
    ],
)
def test_names_compare_without_case_diacritics_quotes_or_legal_forms(spelling: str, plain: str) -> None:
    assert normalise(spelling) == plain


def test_a_near_miss_is_offered_not_taken_as_the_entity() -> None:
    matches = find_entities(REAL, "Sumgait Industrial Park")
    assert matches and matches[0].id == "sumgayit-industrial-park" and not matches[0].exact
    assert "mingachevir-industrial-park" not in {m.id for m in matches}, "generic words alone make no match"


def test_the_cli_lists_names_with_the_sources_that_use_them() -> None:
    result = run_cli("--root", str(ROOT), "entities", "find", "SCIP", "--json")
    assert result.exit_code == 0, result.output
    found = json.loads(result.output)
    park = next(m for m in found if m["id"] == "sumgayit-industrial-park")
    uses = {use["name"]: use["sources"] for use in park["names"]}
    texts = {p.stem: p.read_text(encoding="utf-8") for p in (ROOT / "data" / "sources").glob("*.txt")}
    assert uses and all(set(sources) == {s for s, t in texts.items() if name in t} for name, sources in uses.items())
    assert park["exact"] and park["facts"] >= 1


@pytest.mark.parametrize(("name", "message"), [("", "NAME is empty"), ("Qwxzv Holdings", "no entity is named like")])
def test_unknown_or_empty_names_exit_non_zero(name: str, message: str) -> None:
    result = run_cli("--root", str(ROOT), "entities", "find", name)
    assert result.exit_code == 1 and message in result.output
