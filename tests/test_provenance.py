"""The provenance API answers what the SPARQL documented in docs/provenance.md answers
at /sparql, on the real data, conflicts between the two articles included."""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal

import httpx
import pytest

from azkg.sparql.named_queries import named_query
from tests.conftest import ROOT
from tests.in_process import InProcess, in_process

BASE = "https://w3id.org/azkg/"
ENTITY = BASE + "id/sumgayit-industrial-park"
SOURCE = BASE + "source/azernews-2026-01-27"
DOC = (ROOT / "docs" / "provenance.md").read_text(encoding="utf-8")
BLOCKS = re.findall(r"```sparql\n(.*?)\n```", DOC, flags=re.S)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, backend: dict[str, str]) -> Iterator[InProcess]:
    """The service on each store in turn (tests/backends.py): the embedded one and the remote ones."""
    with in_process(ROOT, tmp_path_factory.mktemp("prov") / "store", query_timeout="60", **backend) as running:
        yield running


@pytest.fixture(scope="module")
def client(server: InProcess) -> httpx.Client:
    return server.client


def documented(name: str, variable: str | None = None) -> str:
    """The block of docs/provenance.md that is queries/<name>.rq with `?variable` bound by VALUES."""
    text = named_query(name).strip()
    for block in BLOCKS:
        lines = block.splitlines()
        values = [line for line in lines if line.strip().startswith("VALUES ")]
        if variable is None and block == text:
            return block
        bound = variable and len(values) == 1 and f"VALUES ?{variable} " in values[0]
        if bound and "\n".join(line for line in lines if line not in values) == text:
            return block
    raise AssertionError(f"docs/provenance.md shows no {name}.rq with ?{variable} bound")


def sparql(server: InProcess, client: httpx.Client, query: str) -> list[dict[str, str]]:
    response = client.post(server.sparql, data={"query": query}, headers={"Accept": "application/sparql-results+json"})
    assert response.status_code == 200, response.text
    return [{k: v["value"] for k, v in row.items()} for row in response.json()["results"]["bindings"]]


def bind(block: str, iri: str) -> str:
    return re.sub(r"VALUES (\?\w+) \{ <[^>]+> \}", lambda m: f"VALUES {m.group(1)} {{ <{iri}> }}", block)


def fact_keys_of_rows(rows: list[dict]) -> set[tuple]:
    return {(r["fact"], Decimal(r["value"]) if "value" in r else r.get("object"), r["source"], r["exact"],
             int(r["start"]), int(r["end"]), r.get("asOf"), r.get("currency")) for r in rows}


def fact_keys_of_api(facts: list[dict]) -> set[tuple]:
    def value(f: dict):
        if f["kind"] == "figure":
            return Decimal(str(f["value"]))
        return f["object"].get("iri") or f["object"].get("value")
    return {(f["iri"], value(f), f["source"]["iri"], f["quote"]["exact"], f["quote"]["start"], f["quote"]["end"],
             f["as_of"], f["currency"]) for f in facts}


def test_the_documented_queries_are_the_named_queries() -> None:
    assert documented("facts", "entity") and documented("facts", "fact") and documented("facts", "source")
    assert documented("conflicts") and documented("conflicts", "entity") and documented("resource", "resource")
    assert documented("labels")


@pytest.mark.parametrize("slug", ["sumgayit-industrial-park", "azermirror", "azerbaijan-industrial-zones",
                                  "az-tex-import", "ilham-aliyev"])
def test_an_entity_answers_what_its_documented_sparql_answers(server, client, slug):
    iri = BASE + "id/" + slug
    api = client.get(f"{server.base}/api/entities/{slug}").json()
    rows = sparql(server, client, bind(documented("facts", "entity"), iri))
    assert rows, "the entity has facts"
    assert fact_keys_of_api(api["facts"]) == fact_keys_of_rows(rows)
    statements = sparql(server, client, bind(documented("resource", "resource"), iri))
    labels = [r["value"] for r in statements if r["property"].endswith("#label") and "subject" not in r]
    assert api["entity"]["label"] in labels
    aliases = {r["value"] for r in statements if r["property"].endswith("core#altLabel")}
    assert set(api["entity"]["aliases"]) == aliases


def test_every_fact_answers_its_chain(server, client):
    rows = sparql(server, client, "SELECT ?fact WHERE { ?fact a azkg:Fact }")
    assert len(rows) > 100
    for row in rows[::9]:
        path = row["fact"][len(BASE + "fact/"):]
        api = client.get(f"{server.base}/api/facts/{path}").json()
        expected = sparql(server, client, bind(documented("facts", "fact"), row["fact"]))
        assert fact_keys_of_api([api["fact"]]) == fact_keys_of_rows(expected)
        curation = [s["value"]["value"] for s in api["ingestion"]["statements"]
                    if s["property"]["iri"].endswith("curationFile")]
        assert curation == [f"data/curation/{path.split('/')[0]}.yaml"]
        assert api["source"]["iri"] == expected[0]["source"] and "text" not in api["source"]


def test_a_source_lists_its_facts_and_highlights_each_quote_in_its_text(server, client):
    api = client.get(f"{server.base}/api/sources/azernews-2026-01-27").json()
    rows = sparql(server, client, bind(documented("facts", "source"), SOURCE))
    assert fact_keys_of_api(api["facts"]) == fact_keys_of_rows(rows)
    text = api["source"]["text"]
    assert text and len(text) > 1000
    assert {(h["start"], h["end"]) for h in api["highlights"]} == {(int(r["start"]), int(r["end"])) for r in rows}
    for highlight in api["highlights"]:
        assert text[highlight["start"]:highlight["end"]] == highlight["exact"]
        assert highlight["facts"]


def test_an_unknown_date_or_publisher_stays_unknown(server, client):
    api = client.get(f"{server.base}/api/sources/industrial-clusters-2025").json()
    fact = api["facts"][0]
    assert fact["source"]["publisher"] is None and fact["source"]["issued"] is None
    assert fact["source"]["issued_not_before"] == "2025-04-30"


def measure_of(group: dict) -> str:
    return group["measure"].get("iri") or group["measure"]["value"]


def conflict_values(groups: list[dict]) -> dict[tuple[str, str, str], set[Decimal]]:
    """Conflicts keyed as the API groups them: entity, metric and measure (AZN and USD apart)."""
    found: dict[tuple[str, str, str], set[Decimal]] = {}
    for g in groups:
        key = (g["about"]["iri"], g["metric"]["iri"], measure_of(g))
        assert key not in found, f"two groups for {key}"
        found[key] = {Decimal(str(v["value"])) for v in g["values"]}
    return found


def test_conflicts_answer_what_the_documented_sparql_answers(server, client):
    api = client.get(f"{server.base}/api/conflicts").json()["conflicts"]
    rows = sparql(server, client, documented("conflicts"))
    from_rows: dict[tuple[str, str, str], set[Decimal]] = {}
    for row in rows:
        from_rows.setdefault((row["entity"], row["metric"], row["measure"]), set()).add(Decimal(row["value"]))
    assert conflict_values(api) == from_rows
    for group in api:
        assert len({v["source"]["iri"] for v in group["values"]}) >= 2


def test_the_real_conflicts_between_the_two_articles_are_found(server, client):
    """Hand-read from the two articles: Azernews vs the 2025 article (more sources may add values)."""
    found = conflict_values(client.get(f"{server.base}/api/conflicts").json()["conflicts"])
    zones, sumgayit = BASE + "id/azerbaijan-industrial-zones", ENTITY
    metric, number = BASE + "def/metric/", BASE + "def/unit/number"
    assert found[(zones, metric + "industrial-park-count", number)] >= {Decimal(8), Decimal(9)}
    assert found[(zones, metric + "jobs", number)] >= {Decimal(11000), Decimal(10700)}
    assert found[(sumgayit, metric + "investment", "AZN")] >= {Decimal("5.5e9"), Decimal("6e9")}
    assert found[(zones, metric + "output", "AZN")] >= {Decimal("19.4e9"), Decimal("15.4e9")}


def test_conflicts_for_one_entity(server, client):
    one = client.get(f"{server.base}/api/conflicts", params={"entity": "sumgayit-industrial-park"}).json()
    by_iri = client.get(f"{server.base}/api/conflicts", params={"entity": ENTITY}).json()
    rows = sparql(server, client, bind(documented("conflicts", "entity"), ENTITY))
    assert one == by_iri
    assert {g["about"]["iri"] for g in one["conflicts"]} == {ENTITY}
    assert sum(len(g["values"]) for g in one["conflicts"]) == len({r["fact"] for r in rows})


def test_the_entity_page_marks_conflicting_values(server, client):
    page = client.get(f"{server.base}/id/sumgayit-industrial-park", headers={"Accept": "text/html"}).text
    assert page.count('class="conflict"') >= 4
    calm = client.get(f"{server.base}/id/azermirror", headers={"Accept": "text/html"}).text
    assert 'class="conflict"' not in calm


def test_a_fact_carries_its_twin_in_the_other_currency_and_its_terms(server, client):
    """The fields of the new curation format (statedBy, periodBasis, terms, partnerCountry, sameFigureAs)
    reach the JSON and the pages; a fact with a twin stays one record although the query gives more rows."""
    azn = client.get(f"{server.base}/api/facts/industrial-clusters-2025/zones-investment-azn").json()["fact"]
    twin = BASE + "fact/industrial-clusters-2025/zones-investment-usd"
    assert [ref["iri"] for ref in azn["qualifiers"]["same_figure"]] == [twin]
    assert "4 700 000 000 USD" in azn["qualifiers"]["same_figure"][0]["label"]
    loan = client.get(f"{server.base}/api/facts/azernews-2026-01-27/azermirror-plant-loan").json()["fact"]
    assert loan["qualifiers"]["terms"] == "preferential"
    zones = client.get(f"{server.base}/api/entities/azerbaijan-industrial-zones").json()["facts"]
    assert len({f["iri"] for f in zones}) == len(zones)
    assert next(f for f in zones if f["iri"] == azn["iri"])["qualifiers"]["same_figure"] == azn["qualifiers"]["same_figure"]
    html = {"Accept": "text/html"}
    fact_page = client.get(f"{server.base}/fact/azernews-2026-01-27/azermirror-plant-loan", headers=html).text
    assert "<dt>Terms</dt><dd>preferential</dd>" in fact_page
    entity_page = client.get(f"{server.base}/id/azerbaijan-industrial-zones", headers=html).text
    assert "same figure: <a href=" in entity_page and "/fact/industrial-clusters-2025/zones-investment-usd" in entity_page


def test_the_source_page_highlights_every_quote(server, client):
    api = client.get(f"{server.base}/api/sources/azernews-2026-01-27").json()
    page = client.get(f"{server.base}/source/azernews-2026-01-27", headers={"Accept": "text/html"}).text
    for highlight in api["highlights"]:
        assert f'id="q-{highlight["start"]}-{highlight["end"]}"' in page
    for fact in api["facts"]:
        assert fact["url"] in page


@pytest.mark.parametrize(("path", "status"), [
    ("/api/entities/no-such-entity", 404),
    ("/api/entities/Bad_Slug", 400),
    ("/api/facts/azernews-2026-01-27/nope", 404),
    ("/api/facts/BAD/x", 400),
    ("/api/sources/nope", 404),
    ("/api/conflicts?entity=", 400),
    ("/api/conflicts?entity=Not%20a%20slug", 400),
])
def test_bad_look_ups_get_a_clear_4xx(server, client, path, status):
    response = client.get(server.base + path)
    assert response.status_code == status
    assert response.json()["error"]["message"]


def test_the_api_is_in_the_openapi_schema(server, client):
    paths = client.get(server.base + "/openapi.json").json()["paths"]
    for path in ("/api/entities/{slug}", "/api/facts/{source}/{claim}", "/api/sources/{source}", "/api/conflicts"):
        assert path in paths and paths[path]["get"]["summary"]


def test_entities_by_name_answers_what_the_command_answers(server, client):
    from azkg.build.lookup import find_entities
    from azkg.settings import Paths

    answer = client.get(f"{server.base}/api/entities", params={"name": "sumgayit chemical industrial park"})
    assert answer.status_code == 200
    found = answer.json()["entities"]
    expected = [m.as_json() for m in find_entities(Paths(ROOT), "sumgayit chemical industrial park")]
    assert [{k: v for k, v in e.items() if k != "url"} for e in found] == expected
    assert found[0]["id"] == "sumgayit-industrial-park" and found[0]["exact"]
    assert found[0]["url"] == f"{server.base}/id/sumgayit-industrial-park"


def test_entities_by_name_from_the_store_agree_with_the_curated_files_for_every_name(server, client):
    """The service reads the graph, the command the curated files: for a graph built from those files
    (the committed one), every name an entity has finds the same matches, names, sources and counts."""
    import yaml

    from azkg.build.lookup import find_entities_many
    from azkg.settings import Paths

    entities = yaml.safe_load((ROOT / "data" / "curation" / "entities.yaml").read_text(encoding="utf-8"))
    names = sorted({name for e in entities for name in [e["label"], *(e.get("names") or [])]} | {"Sumgait park"})
    expected = find_entities_many(Paths(ROOT), names, limit=100)
    for name in names:
        found = client.get(f"{server.base}/api/entities", params={"name": name, "limit": 100}).json()["entities"]
        assert [{k: v for k, v in e.items() if k != "url"} for e in found] == [m.as_json() for m in expected[name]], name


@pytest.mark.parametrize("params", [{}, {"name": ""}, {"name": "x" * 201}, {"name": "park", "limit": "0"}])
def test_entities_by_name_refuses_bad_parameters(server, client, params):
    assert client.get(f"{server.base}/api/entities", params=params).status_code in (400, 422)
