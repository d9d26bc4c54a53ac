"""docs/curation.md's reference is generated from the ontology and the claim fields, and current."""

from __future__ import annotations

from pathlib import Path

from azkg.build.claims import FIGURE, RELATION
from azkg.build.ontology import load_ontology
from azkg.build.reference import BEGIN, END, render, replace_block
from tests.conftest import ROOT, run_cli

GUIDE = ROOT / "docs" / "curation.md"


def test_the_committed_reference_is_current() -> None:
    """Fails when a metric, unit, relation or field changes without `azkg reference --write`."""
    block = render(load_ontology(ROOT / "ontology"))
    text = GUIDE.read_text(encoding="utf-8")
    assert block in text, "docs/curation.md is stale: run `azkg reference --write`"


def test_every_metric_relation_and_field_is_listed() -> None:
    ontology = load_ontology(ROOT / "ontology")
    block = render(ontology)
    for name in [*ontology.concepts("metric"), *ontology.concepts("unit"), *FIGURE, *RELATION, "residentIn"]:
        assert f"| `{name}` |" in block, name


def test_a_new_metric_shows_up_and_write_replaces_only_the_block(project: Path) -> None:
    vocabularies = project / "ontology" / "vocabularies.ttl"
    vocabularies.write_text(vocabularies.read_text(encoding="utf-8") + """
<https://w3id.org/azkg/def/metric/tax-paid> a azkg:Metric , skos:Concept ;
    skos:inScheme <https://w3id.org/azkg/def/metrics> ;
    rdfs:label "tax paid"@en ; skos:prefLabel "tax paid"@en ;
    skos:definition "Taxes paid to the state budget."@en ;
    rdfs:isDefinedBy <https://w3id.org/azkg/def> .
""", encoding="utf-8")
    (project / "docs").mkdir()
    guide = project / "docs" / "curation.md"
    guide.write_text("# Guide\n\nWritten by hand.\n", encoding="utf-8")
    assert run_cli("--root", str(project), "reference", "--write").exit_code == 0
    assert run_cli("--root", str(project), "reference", "--write").exit_code == 0  # idempotent
    text = guide.read_text(encoding="utf-8")
    assert text.startswith("# Guide\n\nWritten by hand.\n") and text.count(BEGIN) == 1 and text.count(END) == 1
    assert "| `tax-paid` | tax paid | Taxes paid to the state budget. |" in text


def test_replace_block_keeps_what_surrounds_it() -> None:
    document = f"before\n{BEGIN}\nold\n{END}\nafter\n"
    assert replace_block(document, f"{BEGIN}\nnew\n{END}\n") == f"before\n{BEGIN}\nnew\n{END}\nafter\n"
