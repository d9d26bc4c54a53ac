"""Each kind of bad input stops the build with a message naming file, line and field, and exit 1,
and leaves the previous data/triples.ttl byte for byte as it was."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import run_cli

A1 = "data/curation/azernews-2026-01-27.yaml"
A2 = "data/curation/industrial-clusters-2025.yaml"
ENTITIES = "data/curation/entities.yaml"


def replace(relative: str, old: str, new: str, count: int = 1) -> Callable[[Path], None]:
    def edit(project: Path) -> None:
        path = project / relative
        text = path.read_text(encoding="utf-8")
        assert text.count(old) >= count, f"fixture text not found in {relative}: {old!r}"
        path.write_text(text.replace(old, new, count), encoding="utf-8")

    return edit


def marked_line(project: Path, relative: str) -> int:
    """The line an edit marked with a trailing '# bad' comment: where the error must point."""
    lines = (project / relative).read_text(encoding="utf-8").splitlines()
    return next(number for number, line in enumerate(lines, 1) if line.endswith("# bad"))


# (case, edit, file, whether the error names the marked line, field, words the message must contain)
CASES = [
    ("quote not in source",
     replace(A1, 'quote: "The Sumgayit Industrial Park covers a total area of 640 hectares"',
             'quote: "The Sumgayit Industrial Park covers a total area of 650 hectares"  # bad'),
     A1, True, "quote", ["does not occur verbatim", "covers a total area of 6"]),
    ("straight quotes for curly ones",
     replace(A1, 'quote: "“Azermirror” LLC"', "quote: '\"Azermirror\" LLC'  # bad"),
     A1, True, "quote", ["does not occur verbatim", "curly quotes"]),
    ("unknown entity",
     replace(A1, "about: sumgayit-industrial-park\n    metric: area", "about: sumgait-industrial-park  # bad\n    metric: area"),
     A1, True, "about", ["unknown entity id 'sumgait-industrial-park'"]),
    ("unknown metric",
     replace(A1, "metric: area", "metric: surface  # bad"),
     A1, True, "metric", ["unknown metric 'surface'", "investment"]),
    ("malformed number",
     replace(A1, "value: 640", "value: 6,40  # bad"),
     A1, True, "value", ["'6,40' is not a plain number"]),
    ("number not written in the quote",
     replace(A1, "value: 640", "value: 6400  # bad"),
     A1, True, "value", ["6400 is not a number the quote writes", "640"]),
    ("scale slip",
     replace(A2, "values: {AZN: 8100000000, USD: 4700000000}", "values: {AZN: 810000000, USD: 4700000000}  # bad"),
     A2, True, "values", ["810000000 is not a number the quote writes"]),
    ("malformed date",
     replace(A1, "value: 2026-01-27", "value: 2026-01-32  # bad"),
     A1, True, "value", ["'2026-01-32' is not a date"]),
    ("malformed period",
     replace(A2, "period: 2018/2024", "period: 2018-2024  # bad"),
     A2, True, "period", ["is not a period"]),
    ("unknown currency",
     replace(A1, "currency: AZN", "currency: MAN  # bad"),
     A1, True, "currency", ["'MAN' is not an ISO 4217 currency code"]),
    ("unknown unit",
     replace(A1, "unit: hectare", "unit: acre  # bad"),
     A1, True, "unit", ["unknown unit 'acre'", "hectare"]),
    ("currency and unit together",
     replace(A1, "unit: hectare", "unit: hectare\n    currency: AZN  # bad"),
     A1, True, "currency", ["exactly one of currency"]),
    ("hedge not worded in the quote",
     replace(A1, "value: 640", "value: 640\n    approx: nearly  # bad"),
     A1, True, "approx", ["none of the words", "nearly"]),
    ("duplicate claim id",
     replace(A1, "id: sumgayit-residents", "id: sumgayit-area  # bad"),
     A1, True, "id", ["duplicate claim id 'sumgayit-area'"]),
    ("duplicate entity id",
     replace(ENTITIES, "- id: pirallahi-industrial-park", "- id: garadagh-industrial-park  # bad"),
     ENTITIES, True, "id", ["duplicate id 'garadagh-industrial-park'"]),
    ("duplicate YAML key",
     replace(A1, "    metric: area\n", "    metric: area\n    metric: jobs  # bad\n"),
     A1, True, "metric", ["duplicate key"]),
    ("invalid YAML",
     replace(A1, "    metric: area\n", "    metric: [area\n"),
     A1, False, "", ["is not valid YAML"]),
    ("unknown field",
     replace(A1, "    metric: area\n", "    metrik: area  # bad\n    metric: area\n"),
     A1, True, "metrik", ["unknown field"]),
    ("unknown relation",
     replace(A1, "relation: founder", "relation: foundedBy  # bad"),
     A1, True, "relation", ["unknown relation 'foundedBy'"]),
    ("unknown class",
     replace(ENTITIES, "type: ServiceCentre", "type: Workshop  # bad"),
     ENTITIES, True, "type", ["unknown class 'Workshop'"]),
    ("alias no source uses",
     replace(ENTITIES, "names: [Azermirror]", "names: [Azermirror, Azer Mirror]  # bad"),
     ENTITIES, True, "names", ["'Azer Mirror' occurs in no source text"]),
    ("bad country code",
     replace(ENTITIES, "code: IT", "code: XX  # bad"),
     ENTITIES, True, "code", ["'XX' is not an ISO 3166-1"]),
    ("SHACL: a park resident in a company",
     replace(A2, "- id: az-tex-import-resident-in-scip\n    about: az-tex-import\n    relation: residentIn\n    object: sumgayit-industrial-park",
             "- id: az-tex-import-resident-in-scip  # bad\n    about: sumgayit-industrial-park\n    relation: residentIn\n    object: az-tex-import"),
     A2, True, "relation", ["breaks data.shapes.ttl", "azkg:Organization", "azkg:Zone"]),
    ("SHACL: founder is not a person",
     replace(A1, "- id: azermirror-founder\n    about: azermirror\n    relation: founder\n    object: rustam-abbasov",
             "- id: azermirror-founder  # bad\n    about: azermirror\n    relation: founder\n    object: azerbaijan"),
     A1, True, "relation", ["breaks data.shapes.ttl", "azkg:Person", "id/azerbaijan"]),
]


@pytest.mark.parametrize(("edit", "file", "marked", "field", "words"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_input_stops_the_build(project: Path, edit, file, marked, field, words) -> None:
    before = (project / "data" / "triples.ttl").read_bytes()
    edit(project)
    result = run_cli("--root", str(project), "build")
    assert result.exit_code == 1, result.output
    where = f"{file}:{marked_line(project, file)}" if marked else file
    expected_field = f" [{field}]" if field else ""
    assert f"{where}{expected_field}:" in result.output, result.output
    for word in words:
        assert word in result.output, result.output
    assert (project / "data" / "triples.ttl").read_bytes() == before, "a failed build must not touch data/triples.ttl"


def test_every_problem_is_reported_at_once(project: Path) -> None:
    replace(A1, "currency: AZN", "currency: MAN  # bad")(project)
    replace(A1, "unit: hectare", "unit: acre  # bad")(project)
    result = run_cli("--root", str(project), "build")
    assert result.exit_code == 1
    assert "'MAN' is not an ISO 4217" in result.output and "unknown unit 'acre'" in result.output
    assert "2 problems in the curated data" in result.output


def test_ambiguous_quote_needs_an_occurrence(project: Path) -> None:
    replace(A1, '    occurrence: 1\n    quote: "“Azermirror” LLC"', '    quote: "“Azermirror” LLC"')(project)
    result = run_cli("--root", str(project), "build")
    assert result.exit_code == 1
    assert "occurs 3 times" in result.output and "occurrence: N" in result.output


def test_missing_curation_file(project: Path) -> None:
    (project / A2).unlink()
    result = run_cli("--root", str(project), "build")
    assert result.exit_code == 1
    assert "data/sources/industrial-clusters-2025.txt: has no curated claims" in result.output


def test_source_text_that_is_not_utf8(project: Path) -> None:
    path = project / "data" / "sources" / "industrial-clusters-2025.txt"
    path.write_bytes(path.read_bytes() + b"\xff")
    result = run_cli("--root", str(project), "build")
    assert result.exit_code == 1
    assert "data/sources/industrial-clusters-2025.txt: is not valid UTF-8" in result.output


def test_inferred_date_needs_a_basis(project: Path) -> None:
    replace("data/sources/industrial-clusters-2025.yaml", "date_basis:", "# date_basis:")(project)
    result = run_cli("--root", str(project), "build")
    assert result.exit_code == 1
    assert "[date_basis]: say how issued_not_before was inferred" in result.output


def test_unstated_year_needs_a_basis(project: Path) -> None:
    replace(A2, "    date_basis: \"The article gives no year", "    note: \"The article gives no year")(project)
    result = run_cli("--root", str(project), "build")
    assert result.exit_code == 1
    assert "the quote does not give the year 2025" in result.output


def test_unused_entity(project: Path) -> None:
    path = project / ENTITIES
    path.write_text(path.read_text(encoding="utf-8") + "\n- id: baku\n  type: AdministrativeArea\n  label: Baku\n")
    result = run_cli("--root", str(project), "build")
    assert result.exit_code == 1
    assert "'baku' is named by no claim or source" in result.output
