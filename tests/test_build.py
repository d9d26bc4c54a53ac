"""The build is reproducible: the committed graph is what a fresh build writes, byte for byte."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from azkg.build.pipeline import build, render
from azkg.errors import StaleDataError
from azkg.settings import Paths
from tests.conftest import run_cli

pytestmark = pytest.mark.slow


def test_committed_triples_equal_a_fresh_build(root: Path) -> None:
    text, *_ = render(Paths(root))
    committed = (root / "data" / "triples.ttl").read_text(encoding="utf-8")
    assert text == committed, "data/triples.ttl is stale: run `azkg build` and commit it"


def test_rebuild_is_byte_identical(paths: Paths) -> None:
    paths.triples_file.unlink()
    first = build(paths)
    written = paths.triples_file.read_bytes()
    second = build(paths)
    assert first.changed and not second.changed
    assert paths.triples_file.read_bytes() == written


def test_check_passes_on_fresh_and_fails_on_stale(project: Path, paths: Paths) -> None:
    assert run_cli("--root", str(project), "build", "--check").exit_code == 0
    with paths.triples_file.open("a", encoding="utf-8") as out:
        out.write("\n# an edit by hand\n")
    stale = paths.triples_file.read_bytes()
    result = run_cli("--root", str(project), "build", "--check")
    assert result.exit_code == 1
    assert "data/triples.ttl is stale" in result.output
    assert paths.triples_file.read_bytes() == stale, "--check must not write"
    with pytest.raises(StaleDataError):
        build(paths, check=True)


def test_check_fails_when_a_curated_value_changes(project: Path, paths: Paths) -> None:
    curated = paths.curation_dir / "azernews-2026-01-27.yaml"
    text = curated.read_text(encoding="utf-8")
    curated.write_text(text.replace("curated_on: 2026-11-22", "curated_on: 2026-11-23"), encoding="utf-8")
    result = run_cli("--root", str(project), "build", "--check")
    assert result.exit_code == 1, result.output


def test_build_reports_counts(project: Path) -> None:
    """The counts the build reports are those of its inputs: a claim with `values` is one fact per value."""
    curation = project / "data" / "curation"
    claims = [c for p in curation.glob("*.yaml") if p.name != "entities.yaml"
              for c in yaml.safe_load(p.read_text(encoding="utf-8"))["claims"]]
    facts = sum(len(c["values"]) if "values" in c else 1 for c in claims)
    entities = len(yaml.safe_load((curation / "entities.yaml").read_text(encoding="utf-8")))
    sources = len(list((project / "data" / "sources").glob("*.txt")))
    result = run_cli("--root", str(project), "build")
    assert result.exit_code == 0
    assert f"{facts} facts, {entities} entities, {sources} sources" in result.output


def test_written_file_is_readable_by_others(paths: Paths) -> None:
    paths.triples_file.unlink()
    build(paths)
    assert paths.triples_file.stat().st_mode & 0o044 == 0o044


def test_each_name_is_recorded_with_the_sources_that_write_it(root: Path) -> None:
    """Which source uses which name of an entity: a NameUse for every (entity, name, source) whose text
    writes the name, and none for a source that does not."""
    from rdflib import Graph, Literal

    from azkg.vocab import AZKG, ID, SOURCE

    graph = Graph().parse(root / "data" / "triples.ttl")
    texts = {p.stem: p.read_text(encoding="utf-8") for p in (root / "data" / "sources").glob("*.txt")}
    recorded = {
        (str(graph.value(u, AZKG.nameOf)), str(graph.value(u, AZKG.usedName)), str(graph.value(u, AZKG.usedIn)))
        for u in graph.subjects(None, AZKG.NameUse)
    }
    expected = {
        (str(ID[entity["id"]]), name, str(SOURCE[source]))
        for entity in yaml.safe_load((root / "data" / "curation" / "entities.yaml").read_text(encoding="utf-8"))
        for name in entity.get("names") or []
        for source, text in texts.items() if name in text
    }
    assert recorded == expected and expected
    assert (None, AZKG.usedName, Literal("SCIP")) in graph
