"""README's figures are generated from data/triples.ttl: current in the commit, refreshed by the build."""

from __future__ import annotations

import shutil
from pathlib import Path

from rdflib import Graph

from azkg.build.ontology import load_ontology
from azkg.build.stats import BEGIN, END, render
from tests.conftest import ROOT, run_cli


def test_the_readme_figures_are_those_of_the_committed_graph() -> None:
    block = render(Graph().parse(ROOT / "data" / "triples.ttl"), load_ontology(ROOT / "ontology"))
    assert block in (ROOT / "README.md").read_text(encoding="utf-8"), "README.md is stale: run `azkg build`"


def test_the_figures_follow_the_inputs(project: Path) -> None:
    text = render(Graph().parse(project / "data" / "triples.ttl"), load_ontology(project / "ontology"))
    sources = sorted(p.stem for p in (project / "data" / "sources").glob("*.txt"))
    assert f"| sources | {len(sources)}: " in text and all(f"`{s}`" in text for s in sources)


def test_check_fails_on_stale_figures_and_the_build_refreshes_them(project: Path) -> None:
    shutil.copy(ROOT / "README.md", project / "README.md")
    readme = project / "README.md"
    original = readme.read_text(encoding="utf-8")
    head, rest = original.split(BEGIN, 1)
    readme.write_text(head + BEGIN + "\n| sources | 1 |\n" + END + rest.split(END, 1)[1], encoding="utf-8")
    stale = run_cli("--root", str(project), "build", "--check")
    assert stale.exit_code == 1 and "README.md's figures are stale: run `azkg build`" in stale.output
    assert run_cli("--root", str(project), "build").exit_code == 0
    assert readme.read_text(encoding="utf-8") == original
    assert run_cli("--root", str(project), "build", "--check").exit_code == 0
