"""What the curation format can say: a figure in two currencies, a relative period with its basis,
trade with a country, subsidies and ages, who states a claim, and drafts that never reach the graph
unreviewed. Each case is a small article written here, registered in a copy of the project."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import PROV

from azkg.vocab import AZKG, FACT, ID
from tests.conftest import run_cli

ARTICLE = (
    "Baku, 2 May 2023. Last year Sumgayit Industrial Park exported goods worth 1.2 billion manats "
    "($706 million), the Ministry of Economy said. The park imported 300 tonnes of glass from China. "
    "Sumgayit Industrial Park received a state subsidy of 5 million manats. "
    "The park marks 12 years since its inception.\n"
)
HEADER = "source: test-article\ncurated_on: 2026-11-30\nclaims:\n"
EXPORTS = """  - id: sumgayit-exports
    about: sumgayit-industrial-park
    metric: exports
    values: {AZN: 1200000000, USD: 706000000}
    period: 2022
    date_basis: "'Last year' in a source issued 2023-05-02"
    stated_by: ministry-of-economy
    quote: "Last year Sumgayit Industrial Park exported goods worth 1.2 billion manats ($706 million)"
"""
OTHERS = """  - id: sumgayit-imports
    about: sumgayit-industrial-park
    metric: imports
    value: 300
    unit: tonne
    country: china
    quote: "imported 300 tonnes of glass from China"
  - id: sumgayit-subsidy
    about: sumgayit-industrial-park
    metric: subsidy
    value: 5000000
    currency: AZN
    quote: "received a state subsidy of 5 million manats"
  - id: sumgayit-age
    about: sumgayit-industrial-park
    metric: age
    value: 12
    unit: year
    quote: "12 years since its inception"
"""
DRAFT_GOOD = """  - id: drafted-subsidy
    draft: "metric from 'subsidy'"
    about: sumgayit-industrial-park
    metric: subsidy
    value: 5000000
    currency: AZN
    quote: "a state subsidy of 5 million manats"
"""
DRAFT_BAD = """  - id: drafted-wrong
    draft: true
    about: sumgayit-industrial-park
    metric: subsidy
    value: 50000000
    currency: AZN
    quote: "a state subsidy of 5 million manats"
"""


@pytest.fixture
def registered(project: Path, tmp_path: Path) -> Path:
    text = tmp_path / "article.txt"
    text.write_text(ARTICLE, encoding="utf-8")
    result = run_cli("--root", str(project), "add", str(text), "--id", "test-article", "--published", "2023-05-02")
    assert result.exit_code == 0, result.output
    return project


def curate(project: Path, *claims: str) -> None:
    (project / "data" / "curation" / "test-article.yaml").write_text(HEADER + "".join(claims), encoding="utf-8")


def built(project: Path, *args: str) -> Graph:
    result = run_cli("--root", str(project), "build", *args)
    assert result.exit_code == 0, result.output
    return Graph().parse(project / "data" / "triples.ttl")


def fact(claim_id: str) -> URIRef:
    return FACT[f"test-article/{claim_id}"]


def test_a_figure_in_two_currencies_is_one_claim_and_two_linked_facts(registered: Path) -> None:
    curate(registered, EXPORTS)
    graph = built(registered)
    azn, usd = fact("sumgayit-exports-azn"), fact("sumgayit-exports-usd")
    assert Decimal(str(graph.value(azn, AZKG.value))) == Decimal("1200000000")
    assert Decimal(str(graph.value(usd, AZKG.value))) == Decimal("706000000")
    assert (str(graph.value(azn, AZKG.currency)), str(graph.value(usd, AZKG.currency))) == ("AZN", "USD")
    assert (azn, AZKG.sameFigureAs, usd) in graph and (usd, AZKG.sameFigureAs, azn) in graph
    assert graph.value(azn, PROV.wasDerivedFrom) == graph.value(usd, PROV.wasDerivedFrom)


def test_a_relative_period_is_dated_with_its_basis_and_the_speaker_kept(registered: Path) -> None:
    curate(registered, EXPORTS)
    graph = built(registered)
    azn = fact("sumgayit-exports-azn")
    assert str(graph.value(azn, AZKG.period)) == "2022" and "2023-05-02" in str(graph.value(azn, AZKG.periodBasis))
    assert graph.value(azn, AZKG.statedBy) == ID["ministry-of-economy"]


def test_without_a_basis_a_period_must_write_its_year(registered: Path) -> None:
    curate(registered, EXPORTS.replace("    date_basis: \"'Last year' in a source issued 2023-05-02\"\n", ""))
    result = run_cli("--root", str(registered), "build")
    assert result.exit_code == 1 and "[period]: the year 2022 is not in the quote" in result.output


def test_trade_subsidy_and_age(registered: Path) -> None:
    curate(registered, OTHERS)
    graph = built(registered)
    assert graph.value(fact("sumgayit-imports"), AZKG.partnerCountry) == ID["china"]
    assert graph.value(fact("sumgayit-subsidy"), AZKG.metric) == AZKG["metric/subsidy"]
    age = fact("sumgayit-age")
    assert Decimal(str(graph.value(age, AZKG.value))) == 12 and graph.value(age, AZKG.unit) == AZKG["unit/year"]


@pytest.mark.parametrize(("claims", "message"), [
    (EXPORTS.replace("values: {AZN: 1200000000, USD: 706000000}", "values: {AZN: 1200000000, USD: 760000000}"),
     "[values]: 760000000 is not a number the quote writes"),
    (EXPORTS.replace("values: {AZN: 1200000000, USD: 706000000}", "values: {AZN: 1200000000}"),
     "[values]: must map two or more currencies"),
    (EXPORTS.replace("values: {AZN: 1200000000, USD: 706000000}", "values: {AZN: 1200000000, XXY: 706000000}"),
     "'XXY' is not an ISO 4217 currency code"),
    (EXPORTS.replace("    metric: exports\n", "    metric: exports\n    currency: AZN\n"),
     "[values]: give either values"),
    (OTHERS.replace("country: china", "country: sumgayit-industrial-park"), "[country]: 'sumgayit-industrial-park' is not a Country"),
])
def test_wrong_new_fields_name_file_line_and_field(registered: Path, claims: str, message: str) -> None:
    curate(registered, claims)
    result = run_cli("--root", str(registered), "build")
    assert result.exit_code == 1 and "data/curation/test-article.yaml:" in result.output and message in result.output


def test_a_draft_never_reaches_the_graph_unreviewed(registered: Path) -> None:
    before = (registered / "data" / "triples.ttl").read_bytes()
    curate(registered, OTHERS, DRAFT_GOOD)
    result = run_cli("--root", str(registered), "build")
    assert result.exit_code == 1 and "[draft]: this claim is a draft" in result.output
    assert (registered / "data" / "triples.ttl").read_bytes() == before
    curate(registered, OTHERS, DRAFT_GOOD.replace("    draft: \"metric from 'subsidy'\"\n", ""))
    assert (fact("drafted-subsidy"), AZKG.metric, AZKG["metric/subsidy"]) in built(registered)


def test_proposed_entities_must_be_moved_before_a_build(registered: Path) -> None:
    curate(registered, OTHERS)
    path = registered / "data" / "curation" / "test-article.yaml"
    path.write_text(path.read_text() + "proposed_entities:\n  - id: glass\n    type: Product\n", encoding="utf-8")
    result = run_cli("--root", str(registered), "build")
    assert result.exit_code == 1 and "[proposed_entities]: move the entities" in result.output


def test_a_preview_holds_the_drafts_that_pass_and_lists_the_others(registered: Path, tmp_path: Path) -> None:
    before = (registered / "data" / "triples.ttl").read_bytes()
    curate(registered, OTHERS, DRAFT_GOOD, DRAFT_BAD)
    preview = tmp_path / "preview.ttl"
    result = run_cli("--root", str(registered), "build", "--with-drafts", "--output", str(preview))
    assert result.exit_code == 0, result.output
    graph = Graph().parse(preview)
    assert (fact("drafted-subsidy"), AZKG.metric, AZKG["metric/subsidy"]) in graph
    assert (fact("drafted-wrong"), None, None) not in graph
    assert "drafted claims out of the preview" in result.output and "50000000 is not a number" in result.output
    assert (registered / "data" / "triples.ttl").read_bytes() == before
    refused = run_cli("--root", str(registered), "build", "--with-drafts", "--output",
                      str(registered / "data" / "triples.ttl"))
    assert refused.exit_code == 1 and "never replaces the reviewed graph" in refused.output


def test_a_build_says_what_changed(registered: Path) -> None:
    curate(registered, EXPORTS, OTHERS)
    result = run_cli("--root", str(registered), "build")
    assert result.exit_code == 0, result.output
    assert "5 fact(s) added" in result.output
    assert "new conflict" not in result.output or "sumgayit-industrial-park" in result.output
    again = run_cli("--root", str(registered), "build")
    assert "against the committed graph" not in again.output
