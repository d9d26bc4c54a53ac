"""Adding a well-formed article breaks no test: a small article written here is registered with `azkg
add`, drafted with `azkg draft`, reviewed by a program as a curator would, built, and then the data and
service tests run against that copy of the project (through AZKG_TEST_ROOT)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from itertools import pairwise
from pathlib import Path

import pytest
import yaml
from rdflib import RDF, Graph

from azkg.vocab import AZKG
from azkg.vocab import SOURCE as SOURCE_NS
from tests.conftest import REPO, run_cli

pytestmark = pytest.mark.slow

ARTICLE = """Baku, 14 March 2026. Sumgayit Industrial Park now hosts 42 resident companies, the Ministry of Economy said.
Since its inception, the park has attracted investment of 7.1 billion manats ($4.2 billion) and created more than 6,500 permanent jobs.
Garadagh Industrial Park will create nearly 500 new jobs in the next phase.
Azermirror is resident in the Sumgayit Industrial Park.
"""
SOURCE = "growth-test-2026-03-14"
# the tests that read the data or serve it; this module itself is left out (it would run itself again)
MODULES = [
    "tests/test_build.py", "tests/test_competency.py", "tests/test_validation.py", "tests/test_provenance.py",
    "tests/test_stats.py", "tests/test_reference.py", "tests/test_lookup.py", "tests/test_coverage.py",
    "tests/test_export.py", "tests/test_search.py", "tests/test_linked_data.py", "tests/test_quotes.py",
]


@pytest.fixture(scope="module")
def grown(tmp_path_factory: pytest.TempPathFactory) -> Path:
    project = tmp_path_factory.mktemp("grown")
    for folder in ("ontology", "data", "docs"):
        shutil.copytree(REPO / folder, project / folder)
    shutil.copy(REPO / "README.md", project / "README.md")
    article = project.parent / f"{SOURCE}.txt"
    article.write_text(ARTICLE, encoding="utf-8")
    added = run_cli("--root", str(project), "add", str(article), "--id", SOURCE, "--published", "2026-03-14",
                    "--url", "https://example.org/growth-test")
    assert added.exit_code == 0, added.output
    drafted = run_cli("--root", str(project), "draft", SOURCE)
    assert drafted.exit_code == 0, drafted.output
    review(project)
    built = run_cli("--root", str(project), "build")
    assert built.exit_code == 0, built.output
    assert "fact(s) added" in built.output
    return project


def review(project: Path) -> None:
    """What a curator does with a draft: keep the claims that pass the build's checks and name a known
    entity, drop the rest and the proposed entities, and accept what is kept by deleting `draft`."""
    path = project / "data" / "curation" / f"{SOURCE}.yaml"
    preview = project.parent / "preview.ttl"
    result = run_cli("--root", str(project), "build", "--with-drafts", "--output", str(preview))
    assert result.exit_code == 0, result.output
    failing = {int(line.split(f"{SOURCE}.yaml:", 1)[1].split()[0].split(":")[0])
               for line in result.output.splitlines() if f"{SOURCE}.yaml:" in line}
    lines = path.read_text(encoding="utf-8").splitlines()
    starts = [i + 1 for i, line in enumerate(lines) if line.startswith("  - id: ")] + [len(lines) + 1]
    bad_ids = {lines[start - 1].split("id: ", 1)[1] for start, end in pairwise(starts)
               if any(start <= n < end for n in failing)}
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data.pop("proposed_entities", None)
    data["claims"] = [{k: v for k, v in claim.items() if k != "draft"} for claim in data["claims"]
                      if claim["id"] not in bad_ids and claim.get("about")]
    assert data["claims"], "the drafter found nothing a curator could keep"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def test_the_data_and_service_tests_pass_with_an_article_added(grown: Path) -> None:
    # the remote stores run the same code on the same answers (tests/test_remote_store.py compares them)
    environment = {**os.environ, "AZKG_TEST_ROOT": str(grown), "AZKG_TEST_BACKENDS": "embedded"}
    run = subprocess.run(
        # the tests marked serial measure the machine (time, CPU, memory) on synthetic data, not the
        # article, and they would measure the parallel run around this one
        [sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", "-m", "not serial", *MODULES],
        cwd=REPO, env=environment, capture_output=True, text=True, timeout=1500,
    )
    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-2000:]


def test_the_new_article_reaches_the_graph_and_its_conflicts(grown: Path) -> None:
    graph = Graph().parse(grown / "data" / "triples.ttl")
    source = SOURCE_NS[SOURCE]
    assert (source, RDF.type, AZKG.SourceDocument) in graph
    assert any(graph.subjects(AZKG.statedIn, source)), "the reviewed drafts made facts"
    readme = (grown / "README.md").read_text(encoding="utf-8")
    assert f"`{SOURCE}`" in readme, "the build refreshed README's figures"
