"""The entity pages' figure charts, built from fact records made here (the shape `views.facts` gives):
what goes on the time axis, how marks tell status and conflicts apart, and that long texts stay out of
the SVG, in the legend."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from azkg.web.charts import figure_charts, short_number, time_ticks, year_of

BASE = "https://w3id.org/azkg/"
SVG = "{http://www.w3.org/2000/svg}"
LONG_TITLE = "Article on Azerbaijan's industrial clusters and automotive projects (publisher and date unknown)"


def figure(claim: str, value: float, *, source: str = "news-2026", metric: str = "investment", currency: str | None = "AZN",
           unit: str | None = None, product: str | None = None, as_of: str | None = "2026-01-27",
           not_before: str | None = None, period: tuple[str, str, str] | None = None, status: str = "actual",
           hedge: str | None = None) -> dict:
    qualifiers: dict = {"status": {"iri": f"{BASE}def/status/{status}", "label": status, "url": None}}
    if product:
        qualifiers["product"] = {"iri": f"{BASE}id/{product}", "label": product, "url": None}
    if hedge:
        qualifiers["approximation"] = {"iri": f"{BASE}def/approximation/x", "label": hedge, "url": None}
    if period:
        qualifiers["period"], qualifiers["period_start"], qualifiers["period_end"] = period
    return {
        "iri": f"{BASE}fact/{source}/{claim}",
        "url": f"/fact/{source}/{claim}",
        "kind": "figure",
        "label": f"{metric}: {value}",
        "metric": {"iri": f"{BASE}def/metric/{metric}", "label": metric, "url": None},
        "value": value,
        "unit": {"iri": f"{BASE}def/unit/{unit}", "label": unit, "url": None} if unit else None,
        "currency": currency,
        "as_of": as_of,
        "as_of_not_before": not_before,
        "qualifiers": qualifiers,
        "source": {"iri": f"{BASE}source/{source}", "title": LONG_TITLE if source == "clusters" else f"The {source}"},
    }


def parse(chart: dict) -> ET.Element:
    return ET.fromstring(str(chart["svg"]))


def marks(chart: dict) -> list[ET.Element]:
    return [g for g in parse(chart).iter(f"{SVG}g") if "mark" in g.get("class", "").split()]


def mark_of(chart: dict, claim: str) -> ET.Element:
    links = [a for a in parse(chart).iter(f"{SVG}a") if a.get("href", "").endswith("/" + claim)]
    assert len(links) == 1, claim
    return links[0].find(f"{SVG}g")


def centre_x(mark: ET.Element) -> float:
    shape = next(child for child in mark if child.get("class") == "shape")
    if shape.tag == f"{SVG}circle":
        return float(shape.get("cx"))
    if shape.tag == f"{SVG}rect":
        return float(shape.get("x")) + 5
    return float(re.match(r"M([\d.]+)", shape.get("d")).group(1))


def test_a_single_figure_makes_no_chart_and_relations_are_left_out():
    relation = {**figure("r", 1), "kind": "relation", "value": None}
    assert figure_charts([figure("a", 5e9), relation], set()) == []


def test_dated_undated_and_period_figures_go_on_one_time_axis_in_time_order():
    facts = [
        figure("later", 7e9, as_of="2026-01-27"),
        figure("inferred", 8.1e9, source="clusters", as_of=None, not_before="2025-04-30"),
        figure("period", 3e9, source="clusters", as_of=None, period=("2018/2024", "2018-01-01", "2024-12-31")),
    ]
    [chart] = figure_charts(facts, set())
    xs = {claim: centre_x(mark_of(chart, claim)) for claim in ("later", "inferred", "period")}
    assert xs["period"] < xs["inferred"] < xs["later"]
    inferred = mark_of(chart, "inferred")
    assert any(child.get("class") == "not-before" for child in inferred)  # drawn as a bound, not a date
    period = next(child for child in mark_of(chart, "period") if child.get("class") == "period")
    starts = [float(x) for x in re.findall(r"M([\d.]+) ", period.get("d"))]
    assert max(starts) - min(starts) > 100  # a segment over seven years, from start to end
    assert [item["when"] for item in chart["legend"]] == ["2018/2024", "not before 2025-04-30", "as of 2026-01-27"]
    assert "date inferred" in chart["legend"][1]["words"]
    ticks = [t.text for t in parse(chart).iter(f"{SVG}text")]
    assert "2018" in ticks and "2026" in ticks


def test_a_figure_with_no_date_at_all_gets_its_own_column():
    [chart] = figure_charts([figure("dated", 1e6), figure("undated", 2e6, as_of=None)], set())
    assert centre_x(mark_of(chart, "undated")) > centre_x(mark_of(chart, "dated"))
    assert "undated" in [t.text for t in parse(chart).iter(f"{SVG}text")]
    assert chart["legend"][-1]["when"] == "undated"
    [none] = figure_charts([figure("x", 1e6, as_of=None), figure("y", 2e6, as_of=None, source="clusters")], set())
    assert [t.text for t in parse(none).iter(f"{SVG}text") if t.get("text-anchor") == "middle"] == ["undated"]


def test_planned_ongoing_and_actual_differ_in_shape_and_fill_and_say_so_in_words():
    facts = [figure("done", 6135, currency=None, unit="number"), figure("plan", 8800, currency=None, unit="number",
             status="planned"), figure("building", 100, currency=None, unit="number", status="ongoing")]
    [chart] = figure_charts(facts, set())
    shapes = {claim: next(c for c in mark_of(chart, claim) if c.get("class") == "shape") for claim in
              ("done", "plan", "building")}
    assert shapes["done"].tag == shapes["building"].tag == f"{SVG}circle" and shapes["plan"].tag == f"{SVG}path"
    assert "planned" in mark_of(chart, "plan").get("class").split()
    assert "ongoing" in mark_of(chart, "building").get("class").split()
    words = {item["value"]: item["words"][0] for item in chart["legend"]}
    assert words == {"6 135 number": "actual", "8 800 number": "planned", "100 number": "ongoing"}
    key = " · ".join(entry["words"] for entry in chart["key"])
    assert "filled circle: actual" in key and "hollow diamond: planned" in key and "hollow circle: ongoing" in key


def test_conflicting_values_are_marked_in_the_warning_colour_and_in_words():
    facts = [figure("azernews", 7e9, hedge="more than"), figure("clusters", 6e9, source="clusters", as_of=None,
             not_before="2025-04-30"), figure("other", 1.74e9, status="planned", hedge="nearly")]
    conflicted = {facts[0]["iri"], facts[1]["iri"]}
    [chart] = figure_charts(facts, conflicted)
    for claim in ("azernews", "clusters"):
        mark = mark_of(chart, claim)
        assert "conflicting" in mark.get("class").split()
        assert any(child.get("class") == "warning-ring" for child in mark)
        assert "≠ conflicting" in mark.find(f"{SVG}title").text
    assert "conflicting" not in mark_of(chart, "other").get("class").split()
    flagged = [item["value"] for item in chart["legend"] if item["conflicting"]]
    assert sorted(flagged) == ["6 000 000 000 AZN", "more than 7 000 000 000 AZN"]  # the hedge kept
    assert any("≠ conflicting" in entry["words"] for entry in chart["key"])


def test_groups_split_by_metric_currency_and_product():
    facts = [
        figure("azn-1", 8.1e9), figure("azn-2", 7e9, source="clusters"),
        figure("usd-1", 4.7e9, currency="USD"), figure("usd-2", 4e9, currency="USD", source="clusters"),
        figure("cars-1", 5, metric="output", currency=None, unit="vehicle", product="cars"),
        figure("cars-2", 6, metric="output", currency=None, unit="vehicle", product="cars", source="clusters"),
        figure("buses", 7, metric="output", currency=None, unit="vehicle", product="buses"),
    ]
    charts = figure_charts(facts, set())
    assert [chart["title"] for chart in charts] == ["investment (AZN)", "investment (USD)", "output of cars (vehicle)"]
    assert [len(chart["legend"]) for chart in charts] == [2, 2, 2]
    assert len({chart["legend_id"] for chart in charts}) == 3


def test_a_rate_per_year_is_charted_apart_from_totals():
    year = {"iri": f"{BASE}def/unit/year", "label": "year", "url": None}
    rates = [figure("r1", 5e6), figure("r2", 6e6, source="clusters")]
    for rate in rates:
        rate["qualifiers"]["per_period"] = year
    charts = figure_charts([*rates, figure("t1", 1e9), figure("t2", 2e9, source="clusters")], set())
    assert [chart["title"] for chart in charts] == ["investment (AZN per year)", "investment (AZN)"]
    assert charts[0]["legend"][0]["value"] == "5 000 000 AZN per year"


def test_long_texts_stay_out_of_the_svg_which_is_accessible_and_links_each_mark():
    facts = [figure("a", 7e9, hedge="more than"), figure("b", 6e9, source="clusters", as_of=None,
             not_before="2025-04-30")]
    [chart] = figure_charts(facts, {facts[0]["iri"]})
    root = parse(chart)
    assert root.get("role") == "img" and "investment (AZN)" in root.get("aria-label")
    assert root.get("aria-describedby") == chart["legend_id"]
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert all(len(text) <= 9 for text in texts), texts  # ticks only
    assert LONG_TITLE not in str(chart["svg"]).split("<title>")[0]
    assert [item["source"] for item in chart["legend"]] == [LONG_TITLE, "The news-2026"]
    assert all(a.get("href").startswith("/fact/") and a.find(f"{SVG}g/{SVG}title") is not None
               for a in root.iter(f"{SVG}a"))
    assert {a.get("href") for a in root.iter(f"{SVG}a")} == {item["url"] for item in chart["legend"]}
    assert "style=" not in str(chart["svg"]) and "style=" not in "".join(str(i["swatch"]) for i in chart["legend"])


def test_sources_keep_their_colour_across_the_charts_of_a_page():
    facts = [figure("a", 1, source="alpha"), figure("b", 2, source="beta"),
             figure("c", 1, source="alpha", currency="USD"), figure("d", 2, source="beta", currency="USD")]
    first, second = figure_charts(facts, set())
    colour = lambda chart, claim: [c for c in mark_of(chart, claim).get("class").split() if c.startswith("source-")]  # noqa: E731
    assert colour(first, "a") == colour(second, "c") != colour(first, "b") == colour(second, "d")


@pytest.mark.parametrize(("value", "text"), [(0, "0"), (750, "750"), (1500, "1.5 k"), (6e6, "6 M"),
                                             (19.4e9, "19.4 bn"), (2.5, "2.5"), (0.25, "0.25"),
                                             (7.5e9, "7.5 bn"), (12.5e6, "12.5 M")])
def test_value_ticks_are_abbreviated(value, text):
    assert short_number(value) == text


def test_time_ticks_are_few_and_short():
    assert [label for _, label in time_ticks(2017.5, 2026.5)] == ["2018", "2020", "2022", "2024", "2026"]
    assert [label for _, label in time_ticks(2025.8, 2026.3)] == ["Nov 2025", "Jan 2026", "Mar 2026"]
    assert year_of("2025-04-30") == pytest.approx(2025 + 119 / 365)
    assert year_of("2024") == 2024 and year_of("not a date") is None


def test_values_are_on_a_scale_from_zero():
    [chart] = figure_charts([figure("a", 5.5e9), figure("b", 6e9, source="clusters")], set())
    ticks = [t.text for t in parse(chart).iter(f"{SVG}text") if t.get("text-anchor") == "end"]
    assert ticks[0] == "0" and ticks[-1].endswith("bn") and len(ticks) <= 6
