"""The web UI in a real browser: Debian's chromium driven by Playwright, against a real `azkg serve`.

Screenshots of each page go to test-output/screenshots/ (not committed)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import httpx
import pytest

from tests.conftest import REPO, ROOT
from tests.server import Server, running_server

playwright_api = pytest.importorskip("playwright.sync_api")

SHOTS = REPO / "test-output" / "screenshots"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, backend: dict[str, str]) -> Iterator[Server]:
    """The service on each store in turn (tests/backends.py): the embedded one and the remote ones."""
    with running_server(ROOT, tmp_path_factory.mktemp("ui") / "store", query_timeout="60", **backend) as running:
        yield running


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail("Debian's chromium is not installed (.ci/run installs it with apt-get)")
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    with playwright_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--headless"])
        yield launched
        launched.close()


@pytest.fixture
def page(browser, server):
    """A page whose requests may reach only the server on 127.0.0.1; anything else is blocked and recorded."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.blocked = []
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    page.on("console", lambda message: refused(page, message))

    def only_local(route):
        if route.request.url.startswith(server.base + "/"):
            route.continue_()
        else:
            page.blocked.append(route.request.url)
            route.abort()

    context.route("**/*", only_local)
    page.set_default_timeout(15_000)
    yield page
    context.close()


def refused(page, message) -> None:
    """What the Content-Security-Policy blocked counts as a page error: the pages must satisfy it."""
    if message.type == "error" and "Content Security Policy" in message.text:
        page.errors.append(message.text)


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_an_example_query_runs_in_the_editor_with_the_internet_blocked(page, server):
    page.goto(server.base + "/query")
    page.wait_for_selector(".yasqe .CodeMirror")
    page.click('a[data-example="01-residents"]')
    page.wait_for_selector(".yasr table tbody tr")
    rows = page.locator(".yasr table tbody tr").all_inner_texts()
    expected = httpx.post(server.sparql, data={"query": "SELECT ?c WHERE { ?c azkg:residentIn id:sumgayit-industrial-park }"},
                          headers={"Accept": "application/sparql-results+json"}).json()["results"]["bindings"]
    assert len(rows) == len(expected) == 3
    for row in expected:
        assert any(row["c"]["value"].rsplit("/", 1)[-1] in text for text in rows)
    shot(page, "editor")
    assert page.blocked == [] and page.errors == []


def test_a_shared_link_carries_its_query(page, server):
    query = "SELECT ?zone WHERE { ?zone a <https://w3id.org/azkg/def/IndustrialDistrict> } ORDER BY ?zone"
    page.goto(server.base + "/query?" + urlencode({"query": query}))
    page.wait_for_selector(".yasqe .CodeMirror")
    assert "IndustrialDistrict" in page.locator(".yasqe .CodeMirror").inner_text()
    page.click(".yasqe_queryButton")
    page.wait_for_selector(".yasr table tbody tr")
    assert page.locator(".yasr table tbody tr").count() == 4
    assert page.blocked == []


def test_search_suggestions_lead_to_the_entity_page_and_its_facts(page, server):
    page.goto(server.base + "/")
    shot(page, "home")
    page.locator("#home-search").press_sequentially("sumg", delay=40)
    page.wait_for_selector('#home-search-list [role="option"]')
    first = page.locator('#home-search-list [role="option"]').first
    assert "Sumgayit Industrial Park" in first.inner_text()
    page.keyboard.press("ArrowDown")
    assert page.locator("#home-search").get_attribute("aria-activedescendant") == first.get_attribute("id")
    page.keyboard.press("Enter")
    page.wait_for_url("**/id/sumgayit-industrial-park")
    assert page.locator("h1").inner_text() == "Sumgayit Industrial Park"
    facts = page.locator("table tbody tr[id]")
    assert facts.count() == 21
    assert page.locator("svg.figure-chart").count() >= 2
    assert page.locator("svg.figure-chart .mark.conflicting").count() >= 4
    shot(page, "entity")
    assert page.errors == []


def test_a_quote_opens_on_its_highlighted_sentence_in_the_source(page, server):
    page.goto(server.base + "/id/sumgayit-industrial-park")
    row = page.locator("tr#sumgayit-area")
    row.locator("summary").click()
    exact = row.locator("blockquote mark").inner_text()
    assert "640 hectares" in exact
    row.locator("a", has_text="in the source").click()
    page.wait_for_url("**/source/azernews-2026-01-27#q-*")
    anchor = page.url.rsplit("#", 1)[1]
    page.wait_for_function("(id) => document.getElementById(id).nextElementSibling.getBoundingClientRect().top < innerHeight",
                           arg=anchor)
    highlighted = page.evaluate(
        """(id) => { let el = document.getElementById(id), text = '';
                     for (let n = el.nextElementSibling; n && n.tagName === 'MARK'; n = n.nextSibling?.nodeType === 1 ? n.nextElementSibling : null)
                       text += n.textContent;
                     const box = el.nextElementSibling.getBoundingClientRect();
                     return {text, visible: box.bottom > 0 && box.top < window.innerHeight}; }""",
        anchor,
    )
    assert highlighted["text"].startswith(exact[:30]) and highlighted["visible"]
    shot(page, "source")


def test_entity_source_and_conflicts_pages_work_without_javascript(browser, server):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    for path, words in (("/id/azermirror", "exemptions"), ("/source/industrial-clusters-2025", "SCIP"),
                        ("/conflicts", "Where sources disagree"), ("/id/sumgayit-industrial-park", "figure-chart")):
        page.goto(server.base + path)
        assert words in page.content()
        assert page.locator("table, .source-text").count() >= 1
    page.goto(server.base + "/search?q=aghdam")
    assert "Aghdam Industrial Park" in page.content()
    shot(page, "conflicts-no-js")
    context.close()


@pytest.mark.parametrize("path", ["/", "/id/sumgayit-industrial-park", "/source/azernews-2026-01-27", "/conflicts",
                                  "/query", "/def"])
def test_pages_fit_a_phone_screen(browser, server, path):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    page = context.new_page()
    page.goto(server.base + path)
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 1, f"{path} is {overflow}px wider than a phone"
    shot(page, "phone" + path.replace("/", "-"))
    context.close()


def test_every_form_field_has_a_label(page, server):
    for path in ("/", "/search", "/query"):
        page.goto(server.base + path)
        unlabelled = page.evaluate(
            """() => [...document.querySelectorAll('main input:not([type=hidden]), header input, main select')]
                 .filter(el => !el.closest('#yasgui'))
                 .filter(el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label')).map(el => el.outerHTML)"""
        )
        assert unlabelled == [], (path, unlabelled)


def test_numeric_results_draw_as_a_chart(page, server):
    page.goto(server.base + "/query")
    page.wait_for_selector(".yasqe .CodeMirror")
    page.click('a[data-example="07-facts-per-source"]')
    page.wait_for_selector(".yasr table tbody tr")
    page.click(".yasr .select_chart")
    chart = page.wait_for_selector("svg.azkg-chart")
    assert chart.eval_on_selector_all("rect", "bars => bars.length") == 2
    labels = chart.eval_on_selector_all("text", "texts => texts.map(t => t.textContent)")
    counts = httpx.post(server.sparql, headers={"Accept": "application/sparql-results+json"}, data={
        "query": "SELECT ?s (COUNT(?f) AS ?n) WHERE { ?f a azkg:FigureFact ; azkg:statedIn ?s } GROUP BY ?s"}).json()
    for row in counts["results"]["bindings"]:
        assert row["n"]["value"] in labels and row["s"]["value"].rsplit("/", 1)[-1] in labels
    shot(page, "editor-chart")


def test_an_iri_in_the_results_opens_in_this_deployment(page, server):
    """YASR links result IRIs to themselves; ours (under the persistent base) open here instead."""
    page.goto(server.base + "/query")
    page.wait_for_selector(".yasqe .CodeMirror")
    page.click('a[data-example="01-residents"]')
    link = page.wait_for_selector('.yasr table tbody a[href="https://w3id.org/azkg/id/azermirror"]')
    assert link.get_attribute("target") == "_blank"
    with page.context.expect_page() as opened:
        link.click()
    opened.value.wait_for_url(server.base + "/id/azermirror")
    assert opened.value.locator("h1").inner_text() == "Azermirror LLC"
    assert page.blocked == []


def test_the_search_box_of_every_page_suggests_too(page, server):
    page.goto(server.base + "/source/azernews-2026-01-27")
    page.locator("#site-search").press_sequentially("azermi", delay=40)
    option = page.wait_for_selector('#site-search-list [role="option"]')
    assert "Azermirror" in option.inner_text()
    option.click()
    page.wait_for_url("**/id/azermirror*")
    assert page.locator("h1").inner_text().startswith("Azermirror")


def test_the_api_docs_render_from_the_bundled_swagger_ui_with_the_internet_blocked(page, server):
    page.goto(server.base + "/docs")
    page.wait_for_selector(".opblock-summary-path")
    paths = page.locator(".opblock-summary-path").all_inner_texts()
    assert "/sparql" in paths and any(path.startswith("/api/entities/") for path in paths)
    shot(page, "docs")
    assert page.blocked == [] and page.errors == []


def test_redoc_renders_from_the_bundled_copy_with_the_internet_blocked(page, server):
    page.goto(server.base + "/redoc")
    page.wait_for_selector("[data-section-id^='operation/']")
    assert page.locator("[data-section-id^='operation/']").count() >= 5
    shot(page, "redoc")
    # ReDoc's footer logo comes from its CDN: the policy refuses it (ReDoc then hides it), nothing else
    assert page.blocked == [] and [e for e in page.errors if "cdn.redoc.ly/redoc/logo-mini.svg" not in e] == []


CLIPPED_TEXTS = """() => [...document.querySelectorAll('svg.figure-chart')].flatMap(svg => {
    const frame = svg.getBoundingClientRect();
    return [...svg.querySelectorAll('text')].filter(text => {
      const box = text.getBoundingClientRect();
      return box.left < frame.left - .5 || box.right > frame.right + .5 || box.top < frame.top - .5
        || box.bottom > frame.bottom + .5;
    }).map(text => text.textContent); })"""
OVERFLOWING_LEGEND = """() => [...document.querySelectorAll('figure.chart li, figure.chart .chart-key span')]
    .filter(item => item.scrollWidth > item.clientWidth).map(item => item.textContent)"""
MARKS = """(selector) => [...document.querySelectorAll(selector)].map(mark => {
    const shape = mark.querySelector('.shape');
    return {href: mark.closest('a').getAttribute('href'), shape: shape.tagName, fill: getComputedStyle(shape).fill}; })"""


@pytest.mark.parametrize("slug", ["sumgayit-industrial-park", "azerbaijan-industrial-zones"])
@pytest.mark.parametrize("width", [1280, 390])
def test_figure_charts_fit_their_box_and_mark_conflicts_and_plans(browser, server, slug, width):
    """No text of a chart is clipped at a desktop's or a phone's width; every conflicting value the API
    knows of is marked as such; planned figures are drawn unlike actual ones."""
    context = browser.new_context(viewport={"width": width, "height": 900}, is_mobile=width < 600)
    page = context.new_page()
    page.goto(f"{server.base}/id/{slug}")
    assert page.locator("svg.figure-chart").count() >= 2
    assert page.evaluate(CLIPPED_TEXTS) == []
    assert page.evaluate(OVERFLOWING_LEGEND) == []
    assert page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth") <= 1
    conflicts = httpx.get(f"{server.base}/api/conflicts", params={"entity": slug}).json()["conflicts"]
    conflicting = {value["fact"]["url"] for group in conflicts for value in group["values"]}
    marked = {mark["href"] for mark in page.evaluate(MARKS, "svg.figure-chart .mark.conflicting")}
    assert conflicting and marked == conflicting
    assert page.locator("figure.chart li .conflict").count() >= len(conflicting)
    planned = page.evaluate(MARKS, "svg.figure-chart .mark.planned")
    actual = page.evaluate(MARKS, "svg.figure-chart .mark.actual")
    assert planned and actual
    assert {(m["shape"], m["fill"]) for m in planned}.isdisjoint({(m["shape"], m["fill"]) for m in actual})
    facts = httpx.get(f"{server.base}/api/entities/{slug}").json()["facts"]
    charted = {mark["href"] for mark in page.evaluate(MARKS, "svg.figure-chart .mark")}
    planned_facts = {f["url"] for f in facts if f["qualifiers"].get("status", {}).get("label") == "planned"}
    assert {m["href"] for m in planned} == planned_facts & charted
    shot(page, f"charts-{slug}-{width}")
    context.close()
