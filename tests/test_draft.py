"""`azkg draft`: each extraction feature on sentences written for the test, the seeds' drafts checked
against what their texts imply, the command's refusals, and a fuzz test of the pipeline."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from azkg.build.drafting import SourceInfo, draft_text, load_entities, load_existing, render
from azkg.build.drafting.vocabulary import load_vocabulary
from azkg.build.numbers import numbers_in
from azkg.settings import Paths
from tests.conftest import ROOT, run_cli

SEEDS = ("azernews-2026-01-27", "industrial-clusters-2025")
VOCABULARY = load_vocabulary(ROOT / "ontology")
ENTITIES = load_entities(ROOT / "data" / "curation" / "entities.yaml")


def drafted(text: str, issued: str | None = "2026-03-01", existing=None) -> dict:
    source = SourceInfo("test-article", text, issued, "en")
    draft = draft_text(source, ENTITIES, VOCABULARY, existing or [], "2026-11-30")
    return yaml.safe_load(render(draft))


def figures(data: dict) -> list[dict]:
    return [c for c in data["claims"] if "metric" in c]


def one_figure(text: str, **kwargs) -> dict:
    found = figures(drafted(text, **kwargs))
    assert len(found) == 1, found
    return found[0]


def test_two_currencies_are_one_claim_with_values():
    claim = one_figure("The Sumgayit Industrial Park attracted 8.1 billion manats ($4.7 billion) in investment.")
    assert claim["values"] == {"AZN": 8100000000, "USD": 4700000000}
    assert "value" not in claim and "currency" not in claim
    assert claim["metric"] == "investment"
    assert claim["quote"] == "The Sumgayit Industrial Park attracted 8.1 billion manats ($4.7 billion) in investment"


@pytest.mark.parametrize(
    ("text", "value", "measure"),
    [
        ("BYD invested 6.7 bn manats in the plant.", 6700000000, ("currency", "AZN")),
        ("BYD invested 29 mln USD in the plant.", 29000000, ("currency", "USD")),
        ("BYD invested €12.5 million in the plant.", 12500000, ("currency", "EUR")),
        ("BYD invested ₼300,000 in the plant.", 300000, ("currency", "AZN")),
        ("BYD invested 40 million dollars in the plant.", 40000000, ("currency", "USD")),
        ("The Sumgayit Industrial Park employs 3 thousand people.", 3000, ("unit", "number")),
        ("The Sumgayit Industrial Park covers 1,250.5 hectares.", Decimal("1250.5"), ("unit", "hectare")),
        ("BYD built its plant on a one-hectare plot.", 1, ("unit", "hectare")),
        ("The plant of BYD can make 900,000 square metres of glass annually.", 900000, ("unit", "square-metre")),
        ("The Sumgayit Industrial Park exported 35% of its output.", 35, ("unit", "percent")),
    ],
)
def test_amounts_scale_words_number_words_currencies_and_units(text, value, measure):
    claim = one_figure(text)
    assert Decimal(str(claim["value"])) == value
    assert claim[measure[0]] == measure[1]
    assert Decimal(str(claim["value"])) in numbers_in(claim["quote"])
    assert claim["quote"] in text


def test_number_words_count_parks():
    claim = one_figure("The country has established nine industrial parks.")
    assert (claim["value"], claim["unit"], claim["metric"]) == (9, "number", "industrial-park-count")
    assert claim["about"] == "azerbaijan-industrial-zones"


@pytest.mark.parametrize(
    ("hedge", "approx"),
    [
        ("more than", "more-than"),
        ("over", "more-than"),
        ("nearly", "nearly"),
        ("almost", "nearly"),
        ("around", "around"),
        ("about", "around"),
        ("up to", "up-to"),
    ],
)
def test_hedges_from_the_ontology_wordings(hedge, approx):
    claim = one_figure(f"The Sumgayit Industrial Park has created {hedge} 2,500 permanent jobs.")
    assert claim["approx"] == approx
    assert hedge in claim["quote"]


def test_at_least_has_no_concept_and_is_noted():
    claim = one_figure("The Sumgayit Industrial Park has created at least 2,500 permanent jobs.")
    assert "approx" not in claim
    assert "at least" in claim["draft"]


@pytest.mark.parametrize(
    ("text", "status"),
    [
        ("The Sumgayit Industrial Park will create 500 new jobs.", "planned"),
        ("The Sumgayit Industrial Park plans to create 500 new jobs.", "planned"),
        ("These projects in the Sumgayit Industrial Park are expected to create 500 jobs.", "planned"),
        ("BYD is investing 20 million manats in the Sumgayit Industrial Park.", "ongoing"),
        ("The Sumgayit Industrial Park has reached 500 jobs to date.", None),
    ],
)
def test_status(text, status):
    assert one_figure(text).get("status") == status


def test_phase_word_is_in_the_quote():
    claim = one_figure("In the second phase, the Sumgayit Industrial Park will create 150 new jobs.")
    assert claim["phase"] == "second"
    assert "second phase" in claim["quote"]


@pytest.mark.parametrize(
    ("text", "period"),
    [
        ("In Q1 of 2025, output of the Sumgayit Industrial Park increased by 14.2%.", "2025-Q1"),
        ("From 2018 to 2024, the Sumgayit Industrial Park produced goods worth 442.5 million manats.", "2018/2024"),
        ("In 2024, the Sumgayit Industrial Park produced goods worth 40 million manats.", "2024"),
    ],
)
def test_periods_written_in_the_quote(text, period):
    claim = one_figure(text)
    assert str(claim["period"]) == period
    assert all(year in claim["quote"] for year in period.replace("-Q1", "").split("/"))


def test_relative_period_is_resolved_against_the_source_date_with_a_basis():
    claim = one_figure(
        "Last year, the Sumgayit Industrial Park produced goods worth 2 million manats.", issued="2023-05-02"
    )
    assert str(claim["period"]) == "2022"
    assert claim["date_basis"] == "'Last year' in a source issued 2023-05-02"


def test_month_spans_and_since_inception_leave_the_period_out_with_a_note():
    months = one_figure(
        "In January-September 2025, the Sumgayit Industrial Park produced goods worth 9 million manats."
    )
    assert "period" not in months and "months" in months["draft"]
    since = one_figure("Since inception, the Sumgayit Industrial Park has attracted 6 billion manats in investment.")
    assert "period" not in since and "since inception" in since["draft"]
    its = one_figure("Since its inception, the Sumgayit Industrial Park has attracted 6 billion manats in investment.")
    assert "since inception" in its["draft"]


def test_entity_linked_by_alias_case_and_diacritics():
    assert one_figure("Sümgayıt Industrial Park covers 700 hectares.")["about"] == "sumgayit-industrial-park"
    assert one_figure("SCIP covers 700 hectares.")["about"] == "sumgayit-industrial-park"
    assert one_figure("The Ganja park assembled 3,000 vehicles.")["about"] == "ganja-park"


def test_unknown_name_is_proposed_and_the_figure_has_no_about():
    data = drafted("Shusha Technopark covers a total area of 120 hectares.")
    claim = figures(data)[0]
    assert claim["about"] is None and "fill in" in claim["draft"]
    assert "proposed as entity shusha-technopark" in claim["draft"]
    proposed = {p["id"]: p for p in data["proposed_entities"]}
    assert proposed["shusha-technopark"]["type"] == "IndustrialPark"
    assert proposed["shusha-technopark"]["names"] == ["Shusha Technopark"]


def test_dates_and_openers_are_not_proposed_as_names():
    data = drafted("Over January-September 2025, Gilan Holding LLC produced goods worth 5 million manats.")
    assert [p["id"] for p in data.get("proposed_entities", [])] == ["gilan-holding"]
    assert data["proposed_entities"][0]["names"] == ["Gilan Holding"]
    assert data["proposed_entities"][0]["type"] == "Company"


def test_near_miss_is_offered_as_did_you_mean(project: Path):
    _register(project, "near-miss-2026-03-01", "Sumgait Chemical Industrial Park covers 700 hectares.\n")
    result = run_cli("--root", str(project), "draft", "near-miss-2026-03-01")
    assert result.exit_code == 0, result.output
    data = yaml.safe_load((project / "data/curation/near-miss-2026-03-01.yaml").read_text(encoding="utf-8"))
    (proposal,) = data["proposed_entities"]
    assert proposal["id"] == "sumgait-chemical-industrial-park"
    assert "did you mean sumgayit-industrial-park" in proposal["draft"]
    (claim,) = data["claims"]
    assert claim["about"] is None
    assert "did you mean sumgayit-industrial-park" in claim["draft"]


def test_relation_patterns():
    data = drafted("In Sabirabad, BYD assembles cars with Azermash. Rustam Abbasov, founder of “Azermash” OJSC, spoke.")
    found = {(c["about"], c["relation"], c.get("object", c.get("value"))) for c in data["claims"] if "relation" in c}
    assert ("byd", "assemblesWithPartner", "azermash") in found
    assert ("byd", "produces", "cars") in found
    assert ("byd", "locatedIn", "sabirabad") in found
    assert ("azermash", "founder", "rustam-abbasov") in found
    assert ("azermash", "legalForm", "OJSC") in found
    for claim in data["claims"]:
        assert claim["draft"] and claim["draft"] is not True  # each relation says why


def test_relation_patterns_covering_places_and_products_made():
    data = drafted(
        "Work began on the Garadagh Industrial Park covering the territories of Sabirabad and Shamkir district. "
        "Azermash will later assemble electric bus chassis there."
    )
    found = {(c["about"], c["relation"], c.get("object")) for c in data["claims"] if "relation" in c}
    assert ("garadagh-industrial-park", "locatedIn", "sabirabad") in found
    assert ("garadagh-industrial-park", "locatedIn", "shamkir-district") in found
    assert ("azermash", "produces", "electric-buses") in found


def test_resident_in_a_zone():
    data = drafted("Azermirror is resident in the Sumgayit Industrial Park.")
    found = {(c["about"], c["relation"], c.get("object")) for c in data["claims"] if "relation" in c}
    assert ("azermirror", "residentIn", "sumgayit-industrial-park") in found


def test_conflicting_figure_is_flagged():
    existing = load_existing(Paths(ROOT), exclude="test-article")
    claim = one_figure("The Sumgayit Industrial Park covers a total area of 700 hectares.", existing=existing)
    assert "conflicts with azernews-2026-01-27/sumgayit-area: 640" in claim["draft"]


def test_draft_is_the_first_field_after_id_and_output_is_deterministic():
    text = (ROOT / "data/sources/industrial-clusters-2025.txt").read_text(encoding="utf-8")
    source = SourceInfo("industrial-clusters-2025", text, None, "en")
    first = render(draft_text(source, ENTITIES, VOCABULARY, [], "2026-11-30"))
    second = render(draft_text(source, ENTITIES, VOCABULARY, [], "2026-11-30"))
    assert first == second
    for claim in yaml.safe_load(first)["claims"]:
        assert list(claim)[:2] == ["id", "draft"]


@pytest.mark.parametrize("seed", SEEDS)
def test_seed_draft_quotes_are_verbatim_and_values_written(tmp_path: Path, seed: str):
    out = tmp_path / "draft.yaml"
    result = run_cli("--root", str(ROOT), "draft", seed, "--output", str(out))
    assert result.exit_code == 0, result.output
    text = (ROOT / "data/sources" / f"{seed}.txt").read_text(encoding="utf-8")
    data = yaml.safe_load(out.read_text(encoding="utf-8"))
    assert data["source"] == seed
    ids = [c["id"] for c in data["claims"]]
    assert len(ids) == len(set(ids))
    for claim in data["claims"]:
        quote = claim["quote"]
        count = text.count(quote)
        assert count >= 1, quote
        assert (count > 1) == ("occurrence" in claim), claim
        if "metric" in claim:
            written = numbers_in(quote)
            for value in (claim.get("values") or {"": claim.get("value")}).values():
                assert Decimal(str(value)) in written, (value, quote)
        if "phase" in claim:
            assert claim["phase"] in quote
        if "period" in claim and "date_basis" not in claim:
            assert all(part[:4] in quote for part in str(claim["period"]).split("/"))


def test_refuses_to_overwrite_without_force(project: Path):
    target = project / "data/curation/azernews-2026-01-27.yaml"
    before = target.read_bytes()
    refused = run_cli("--root", str(project), "draft", "azernews-2026-01-27")
    assert refused.exit_code == 1
    assert "data/curation/azernews-2026-01-27.yaml exists" in refused.output
    assert target.read_bytes() == before
    forced = run_cli("--root", str(project), "draft", "azernews-2026-01-27", "--force")
    assert forced.exit_code == 0, forced.output
    assert target.read_text(encoding="utf-8").startswith("# DRAFT claims")


def _register(project: Path, source_id: str, text: str, language: str = "en") -> None:
    (project / "data/sources" / f"{source_id}.txt").write_text(text, encoding="utf-8")
    (project / "data/sources" / f"{source_id}.yaml").write_text(
        f"id: {source_id}\nlabel: A test article\ntitle: null\npublisher: null\nissued: 2026-03-01\nlanguage: {language}\n",
        encoding="utf-8",
    )


def test_a_new_article_drafts_into_data_curation(project: Path):
    _register(project, "test-news-2026-03-01", "The Garadagh Industrial Park now hosts 25 resident companies.\n")
    result = run_cli("--root", str(project), "draft", "test-news-2026-03-01")
    assert result.exit_code == 0, result.output
    data = yaml.safe_load((project / "data/curation/test-news-2026-03-01.yaml").read_text(encoding="utf-8"))
    (claim,) = data["claims"]
    assert (claim["about"], claim["metric"], claim["value"]) == ("garadagh-industrial-park", "resident-count", 25)


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        (lambda p: None, "no source 'no-such-source'"),
        (
            lambda p: _register(p, "no-such-source", "Nothing here is counted, named or valued.\n"),
            "found no figures or relations in",
        ),
        (lambda p: _register(p, "no-such-source", "Der Park hat 40 Firmen.\n", "de"), "reads English only"),
    ],
)
def test_bad_input_exits_1(project: Path, setup, message):
    setup(project)
    result = run_cli("--root", str(project), "draft", "no-such-source")
    assert result.exit_code == 1
    assert message in result.output
    assert not (project / "data/curation/no-such-source.yaml").exists()


@hypothesis_settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.text(alphabet=st.characters(), max_size=300)
    | st.lists(
        st.sampled_from(
            [
                "8.1 billion manats",
                "($4.7 billion)",
                "over",
                "nine",
                "SCIP",
                "Sumgayit",
                "In 2024,",
                "the plant",
                "one-hectare",
                "“",
                "”",
                "LLC",
                "—",
                ",",
                ".",
                "\n",
                "Shusha Technopark",
                "will",
                "%",
                "last year",
                "founder of",
                "Q1 of 2025",
                "up to",
                "5-tonne",
                "Ilham Aliyev",
                "President",
            ]
        ),
        max_size=40,
    ).map(" ".join)
)
def test_fuzz_drafting_never_crashes_and_stays_verbatim(text: str):
    dated = len(text) % 3  # dated, undated with an inferred bound, undated
    source = SourceInfo("fuzz", text, "2025-06-01" if dated == 0 else None, "en", "2025-04-30" if dated == 1 else None)
    out = render(draft_text(source, ENTITIES, VOCABULARY, [], "2026-11-30"))
    data = yaml.safe_load(out)
    for claim in data["claims"]:
        assert claim["quote"] in text
        if "metric" in claim:
            for value in (claim.get("values") or {"": claim.get("value")}).values():
                assert Decimal(str(value)) in numbers_in(claim["quote"])


@pytest.mark.slow
def test_seed_drafts_pass_the_builds_checks(project: Path):
    """The seeds' drafts, accepted as they are (draft lines deleted, `values` written as the -azn/-usd
    pairs the build reads today), pass every check of `azkg build`: quotes, values, hedge words,
    phases, years, metrics, units, relations and entity ids. The only complaints left are entities
    that the drafts never name (facts the drafter missed)."""
    for seed in SEEDS:
        assert run_cli("--root", str(project), "draft", seed, "--force").exit_code == 0
        path = project / "data/curation" / f"{seed}.yaml"
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.BaseLoader)
        claims = []
        for claim in data["claims"]:
            claim.pop("draft")
            if claim.get("about") == "null":
                continue
            for code, value in (claim.pop("values", None) or {}).items():
                pair = {k: v for k, v in claim.items() if k != "quote"}
                claims.append({**pair, "id": f"{claim['id']}-{code.lower()}", "value": value, "currency": code,
                               "quote": claim["quote"]})
            if "value" in claim or "object" in claim:
                claims.append(claim)
        data["claims"] = claims
        data.pop("proposed_entities", None)
        path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    result = run_cli("--root", str(project), "build")
    problems = [line for line in result.output.splitlines() if line.startswith("  ")]
    assert result.exit_code == 0 or problems, result.output
    assert all("is named by no claim or source" in line for line in problems), result.output
