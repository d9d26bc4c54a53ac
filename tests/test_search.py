"""Text search: azkg.store.search over the real data and crafted stores, and GET /search through the app."""

from __future__ import annotations

import html
import math
import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx
import pyoxigraph
import pytest

from azkg.errors import RequestError
from azkg.settings import Paths
from azkg.sparql.evaluation import evaluate
from azkg.store.search import SearchPage, build_index, key, search
from azkg.store.snapshots import build_store, current_snapshot, open_reader
from tests.conftest import ROOT
from tests.in_process import InProcess, in_process

RDF_TYPE = pyoxigraph.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
LABEL = pyoxigraph.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
ALT_LABEL = pyoxigraph.NamedNode("http://www.w3.org/2004/02/skos/core#altLabel")
AZKG = "https://w3id.org/azkg/def/"
FACT, QUOTE = pyoxigraph.NamedNode(AZKG + "Fact"), pyoxigraph.NamedNode(AZKG + "Quote")
INGESTION = pyoxigraph.NamedNode(AZKG + "Ingestion")
EXACT = pyoxigraph.NamedNode("http://www.w3.org/ns/oa#exact")
TOKEN = "x" * 16
AZERBAIJANI = str.maketrans("escgiouESCGIOU", "əşçğıöüƏŞÇĞİÖÜ")  # ASCII letters to Azerbaijani ones
WORDS = re.compile(r"[^\W_]+")


# ------------------------------------------------------------------ the real data, indexed


@pytest.fixture(scope="module")
def real(tmp_path_factory: pytest.TempPathFactory) -> tuple[pyoxigraph.Store, Path]:
    """The real store (data and ontology graphs, as served) and its index."""
    folder = tmp_path_factory.mktemp("search")
    paths = Paths(ROOT)
    build_store(folder / "store", paths.triples_file, paths.ontology_files)
    store, _ = open_reader(folder / "store")
    build_index(store, folder / "index.sqlite")
    return store, folder / "index.sqlite"


def is_a(store: pyoxigraph.Store, node: pyoxigraph.NamedNode, cls: pyoxigraph.NamedNode) -> bool:
    return next(store.quads_for_pattern(node, RDF_TYPE, cls), None) is not None


def entity_names(store: pyoxigraph.Store, predicate: pyoxigraph.NamedNode) -> set[tuple[str, str]]:
    """(iri, name) for every label or alias of something that is not a fact, a quote, an ingestion or an
    ontology term."""
    return {
        (quad.subject.value, quad.object.value)
        for quad in store.quads_for_pattern(None, predicate, None)
        if isinstance(quad.subject, pyoxigraph.NamedNode) and not quad.subject.value.startswith(AZKG[:-1])
        and not any(is_a(store, quad.subject, kind) for kind in (FACT, QUOTE, INGESTION))
    }


def fact_quotes(store: pyoxigraph.Store) -> dict[str, str]:
    query = "SELECT ?fact ?exact WHERE { ?fact a azkg:Fact ; prov:wasDerivedFrom/oa:hasSelector/oa:exact ?exact }"
    return {row["fact"].value: row["exact"].value for row in evaluate(store, query)}


@pytest.fixture(scope="module")
def labels(real) -> set[tuple[str, str]]:
    found = entity_names(real[0], LABEL)
    assert len(found) > 60, "the loops below would prove little"
    return found


@pytest.fixture(scope="module")
def aliases(real) -> set[tuple[str, str]]:
    found = entity_names(real[0], ALT_LABEL)
    assert len(found) > 30, "the loops below would prove little"
    return found


@pytest.fixture(scope="module")
def bearers(labels, aliases) -> Counter:
    """How many entities bear each name (as label or alias): how many exact hits a name may have."""
    return Counter(key(name) for _, name in {(iri, key(name)) for iri, name in labels | aliases})


def position(page: SearchPage, iri: str) -> int | None:
    return next((i for i, hit in enumerate(page.hits) if hit.iri == iri), None)


def assert_found_first(path: Path, typed: str, name: str, iri: str, bearers: Counter) -> None:
    """The entity is among the first hits: no other hit than entities bearing the same name may precede it."""
    page = search(path, typed, None, 100, 0)
    at = position(page, iri)
    assert at is not None, f"{typed!r} does not find {iri}"
    assert at < bearers[key(name)], f"{typed!r} finds {iri} only at {at + 1}"


def test_every_label_and_alias_finds_its_entity(real, labels, aliases, bearers) -> None:
    for iri, name in sorted(labels | aliases):
        assert_found_first(real[1], name, name, iri, bearers)


def test_case_and_azerbaijani_letters_do_not_matter(real, labels, aliases, bearers) -> None:
    changed = 0
    for iri, name in sorted(labels | aliases):
        assert_found_first(real[1], name.upper(), name, iri, bearers)
        assert_found_first(real[1], name.lower(), name, iri, bearers)
        azerbaijani = name.translate(AZERBAIJANI)
        changed += azerbaijani != name
        assert_found_first(real[1], azerbaijani, name, iri, bearers)
    assert changed > 50


def test_the_last_word_matches_as_a_prefix(real, labels) -> None:
    for iri, name in sorted(labels):
        words = WORDS.findall(name)
        typed = " ".join([*words[:-1], words[-1][: max(1, math.ceil(len(words[-1]) / 2))]])
        assert iri in {hit.iri for hit in search(real[1], typed, "entity", 100, 0).hits}, typed


def test_only_the_last_word_is_a_prefix(real) -> None:
    assert search(real[1], "sumg", "entity", 10, 0).hits[0].iri == "https://w3id.org/azkg/id/sumgayit-industrial-park"
    assert search(real[1], "sumg industrial", "entity", 10, 0).total == 0


def test_an_exact_label_ranks_first(real, labels) -> None:
    unique = Counter(key(name) for _, name in labels)
    for iri, name in sorted(labels):
        if unique[key(name)] == 1:
            assert search(real[1], name, None, 1, 0).hits[0].iri == iri, name


def test_quote_words_find_facts(real) -> None:
    quotes = fact_quotes(real[0])
    assert len(quotes) > 100
    for fact, exact in sorted(quotes.items()):
        words = sorted(set(WORDS.findall(exact)), key=lambda w: (-len(w), w))[:3]
        page = search(real[1], " ".join(words), "fact", 100, 0)
        assert fact in {hit.iri for hit in page.hits}, words
        assert all(hit.kind == "fact" for hit in page.hits)
        quoted = next(hit for hit in page.hits if hit.iri == fact)
        assert exact in quoted.quote


def test_pages_add_up_to_the_whole(real) -> None:
    total = search(real[1], "industrial", None, 100, 0).total
    assert total > 20
    whole = [hit.iri for offset in range(0, total, 100) for hit in search(real[1], "industrial", None, 100, offset).hits]
    assert len(whole) == total
    pages = [search(real[1], "industrial", None, 7, offset) for offset in range(0, total + 7, 7)]
    assert {page.total for page in pages} == {total}
    assert [hit.iri for page in pages for hit in page.hits] == whole
    assert pages[-1].hits == []


def test_the_index_holds_every_entity_and_fact(real, labels, aliases, tmp_path: Path) -> None:
    entities = {iri for iri, _ in labels | aliases}
    assert build_index(real[0], tmp_path / "i.sqlite") == len(entities) + len(fact_quotes(real[0]))
    assert [p.name for p in tmp_path.iterdir()] == ["i.sqlite"], "a temporary file was left behind"


# ------------------------------------------------------------------ crafted stores

CRAFTED = """@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix azkg: <https://w3id.org/azkg/def/> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix oa: <http://www.w3.org/ns/oa#> .
<https://w3id.org/azkg/id/a-label> rdfs:label "Zorbax works" .
<https://w3id.org/azkg/id/b-alias> rdfs:label "Something else" ; skos:altLabel "Zorbax works" .
<https://w3id.org/azkg/fact/c-quote> a azkg:Fact ; rdfs:label "Other thing" ;
    prov:wasDerivedFrom [ oa:hasSelector [ oa:exact "Zorbax works" ] ] .
<https://w3id.org/azkg/id/tie> rdfs:label "Quuxal" ; skos:altLabel "Nothing alike" .  # as long as the fact
<https://w3id.org/azkg/fact/tie> a azkg:Fact ; rdfs:label "Quuxal" ;
    prov:wasDerivedFrom [ oa:hasSelector [ oa:exact "Nothing alike" ] ] .
<https://w3id.org/azkg/def/Term> rdfs:label "Zorbax term" .
"""
FOLDED = {"ə": "e", "Ə": "e", "ş": "s", "Ş": "s", "ç": "c", "Ç": "c", "ğ": "g", "Ğ": "g", "ı": "i", "I": "i", "İ": "i",
          "ö": "o", "Ö": "o", "ü": "u", "Ü": "u"}
LETTERS = list(FOLDED)


@pytest.fixture(scope="module")
def crafted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    store = pyoxigraph.Store()
    store.load(CRAFTED, format=pyoxigraph.RdfFormat.TURTLE)
    for index, letter in enumerate(LETTERS):
        name = pyoxigraph.Literal(f"{index} Kar{letter}dag", language="az")
        store.add(pyoxigraph.Quad(pyoxigraph.NamedNode(f"https://w3id.org/azkg/id/letter-{index}"), LABEL, name))
    path = tmp_path_factory.mktemp("crafted") / "index.sqlite"
    build_index(store, path)
    return path


def test_labels_outrank_aliases_outrank_quotes(crafted: Path) -> None:
    hits = search(crafted, "zorb", None, 10, 0).hits
    assert [hit.iri.rsplit("/", 1)[1] for hit in hits] == ["a-label", "b-alias", "c-quote"]
    assert hits[0].score > hits[1].score > hits[2].score


def test_entities_come_before_facts_on_a_tie(crafted: Path) -> None:
    hits = search(crafted, "quux", None, 10, 0).hits
    assert [(hit.kind, hit.iri.rsplit("/", 1)[1]) for hit in hits] == [("entity", "tie"), ("fact", "tie")]
    assert hits[0].score == hits[1].score


def test_ontology_terms_are_not_indexed(crafted: Path) -> None:
    assert AZKG + "Term" not in {hit.iri for hit in search(crafted, "zorbax", None, 10, 0).hits}


@pytest.mark.parametrize(("index", "letter"), list(enumerate(LETTERS)))
def test_each_azerbaijani_letter_folds_to_ascii(crafted: Path, index: int, letter: str) -> None:
    """SQLite's remove_diacritics folds ş ç ğ ö ü İ but not ə or ı; azkg.store.search folds those itself."""
    iri = f"https://w3id.org/azkg/id/letter-{index}"
    for typed in (f"{index} kar{FOLDED[letter]}dag", f"{index} KAR{letter}DAG", f"{index} Kar{letter}dag"):
        assert [hit.iri for hit in search(crafted, typed, None, 10, 0).hits] == [iri], typed


@pytest.mark.parametrize(
    ("q", "kind", "limit", "offset", "parameter"),
    [("", None, 20, 0, "q"), ("  \t", None, 20, 0, "q"), ("x" * 201, None, 20, 0, "q"), ("x", "person", 20, 0, "kind"),
     ("x", None, 0, 0, "limit"), ("x", None, 101, 0, "limit"), ("x", None, 20, -1, "offset")],
)
def test_bad_requests_name_the_parameter(crafted: Path, q: str, kind, limit: int, offset: int, parameter: str) -> None:
    with pytest.raises(RequestError, match=f"parameter {parameter}"):
        search(crafted, q, kind, limit, offset)


@pytest.mark.parametrize("q", ['"AND*(', "NEAR(a b)", "a OR b", "-x", "*", '"', "x:y", "^a", "'; DROP TABLE hits; --",
                               "((( )))", "a AND", "NOT", "x" * 200])
def test_fts5_syntax_in_queries_is_just_text(crafted: Path, q: str) -> None:
    assert search(crafted, q, None, 20, 0).total >= 0


# ------------------------------------------------------------------ GET /search through the app

slow = pytest.mark.slow
JSON = {"Accept": "application/json"}
HTML = {"Accept": "text/html"}


@pytest.fixture(scope="module")
def served_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("served") / "store"


@pytest.fixture(scope="module")
def server(served_store: Path) -> Iterator[InProcess]:
    with in_process(ROOT, served_store, update_token=TOKEN) as running:
        yield running


@pytest.fixture(scope="module")
def client(server: InProcess) -> httpx.Client:
    return server.client


def find(server: InProcess, client: httpx.Client, **params) -> dict:
    response = client.get(server.base + "/search", params=params, headers=JSON)
    assert response.status_code == 200, response.text
    return response.json()


@slow
def test_served_search_finds_entities_by_each_alias(server, client, aliases, bearers) -> None:
    for iri, alias in sorted(aliases):
        hits = [hit["iri"] for hit in find(server, client, q=alias, limit=100)["hits"]]
        assert iri in hits[: bearers[key(alias)]], alias


@slow
def test_served_hits_link_into_the_deployment(server, client) -> None:
    answer = find(server, client, q="sumg")
    park = answer["hits"][0]
    assert park["iri"] == "https://w3id.org/azkg/id/sumgayit-industrial-park"
    assert park["url"] == server.base + "/id/sumgayit-industrial-park"
    fact = find(server, client, q="hectares", kind="fact")["hits"][0]
    assert "hectares" in fact["quote"] and fact["entity"]["url"].startswith(server.base + "/id/")
    assert fact["source"]["url"].startswith(server.base + "/source/")


@slow
def test_served_pages_follow_next_to_the_end(server, client) -> None:
    def follow(limit: int) -> list[dict]:
        pages = [find(server, client, q="park", limit=limit)]
        while pages[-1]["next"]:
            response = client.get(pages[-1]["next"], headers=JSON)
            pages.append(response.json())
            assert response.status_code == 200 and len(pages) < 1000
        return pages

    big, pages = follow(100), follow(6)
    total = big[0]["total"]
    assert total > 10 and len(pages) == math.ceil(total / 6)
    assert [hit["iri"] for page in pages for hit in page["hits"]] == [hit["iri"] for page in big for hit in page["hits"]]
    assert {page["total"] for page in pages} == {total}
    assert [page["offset"] for page in pages] == list(range(0, total, 6))
    assert pages[0]["previous"] is None and all(page["previous"] for page in pages[1:])


@slow
@pytest.mark.parametrize(
    ("accept", "media_type"),
    [(None, "application/json"), ("*/*", "application/json"), ("application/json", "application/json"),
     ("text/html", "text/html"), ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "text/html"),
     ("application/json;q=0.5, text/html", "text/html"), ("text/html;q=0.1, application/json", "application/json"),
     ("image/png", None)],
)
def test_served_search_is_negotiated(server, client, accept: str | None, media_type: str | None) -> None:
    response = client.get(server.base + "/search", params={"q": "ganja"}, headers={"Accept": accept} if accept else {})
    if media_type is None:
        assert response.status_code == 406
        return
    assert response.status_code == 200 and response.headers["content-type"].startswith(media_type)
    assert "Accept" in response.headers["vary"]


@slow
def test_served_html_links_every_hit_and_the_next_page(server, client) -> None:
    answer = find(server, client, q="industrial", limit=5)
    page = client.get(server.base + "/search", params={"q": "industrial", "limit": 5}, headers=HTML)
    hrefs = {html.unescape(href) for href in re.findall(r'href="([^"]*)"', page.text)}
    assert {hit["url"] for hit in answer["hits"]} <= hrefs
    assert answer["next"] in hrefs and 'rel="next"' in page.text
    assert f"{answer['total']} results" in page.text


@slow
def test_served_html_without_q_is_the_form(server, client) -> None:
    page = client.get(server.base + "/search", headers=HTML)
    assert page.status_code == 200
    main = page.text.split('<main id="main">', 1)[1]  # the page's own form, not the one in the header
    field = re.search(r'<input id="([^"]+)" type="search" name="q"', main)
    assert field and f'<label for="{field.group(1)}"' in main
    assert "<ol" not in main
    answer = client.get(server.base + "/search", headers=JSON)
    assert answer.status_code == 400 and "parameter q" in answer.json()["error"]["message"]


@slow
@pytest.mark.parametrize(
    ("params", "parameter"),
    [({"q": ""}, "q"), ({"q": "   "}, "q"), ({"q": "x" * 201}, "q"), ({"q": "x", "limit": "0"}, "limit"),
     ({"q": "x", "limit": "101"}, "limit"), ({"q": "x", "limit": "ten"}, "limit"), ({"q": "x", "offset": "-1"}, "offset"),
     ({"q": "x", "offset": "9" * 30}, "offset"), ({"q": "x", "kind": "person"}, "kind")],
)
def test_served_bad_input_is_a_400_in_the_negotiated_form(server, client, params: dict, parameter: str) -> None:
    answer = client.get(server.base + "/search", params=params, headers=JSON)
    assert answer.status_code == 400 and answer.headers["content-type"].startswith("application/json")
    assert f"parameter {parameter}" in answer.json()["error"]["message"]
    page = client.get(server.base + "/search", params=params, headers=HTML)
    assert page.status_code == 400 and page.headers["content-type"].startswith("text/html")
    assert f"parameter {parameter}" in page.text


@slow
@pytest.mark.parametrize("q", ['"AND*(', "NEAR(", "a OR", "*", '"', "col:val", "'; DROP TABLE hits; --", "x" * 200])
def test_served_fts5_syntax_is_just_text(server, client, q: str) -> None:
    for headers in (JSON, HTML):
        assert client.get(server.base + "/search", params={"q": q}, headers=headers).status_code == 200


@slow
def test_served_search_follows_writes(server, client) -> None:
    store, auth = server.base + "/store", {"Authorization": f"Bearer {TOKEN}", "Content-Type": "text/turtle"}
    graph = {"graph": "https://example.org/g"}
    turtle = ('<https://example.org/zefer> <http://www.w3.org/2000/01/rdf-schema#label> "Zəfər Sənaye Parkı"@az ;'
              ' <http://www.w3.org/2004/02/skos/core#altLabel> "Zafar Industrial Park"@en .')
    assert find(server, client, q="zefer senaye")["total"] == 0
    assert client.post(store, params=graph, content=turtle.encode(), headers=auth).status_code in (201, 204)
    for typed in ("zefer senaye", "ZƏFƏR SƏNAYE PARKI", "zafar indus"):
        hits = find(server, client, q=typed)["hits"]
        assert [hit["iri"] for hit in hits] == ["https://example.org/zefer"], typed
        assert hits[0]["label"] == "Zəfər Sənaye Parkı" and hits[0]["url"] == "https://example.org/zefer"
    assert client.delete(store, params=graph, headers=auth).status_code == 204
    assert find(server, client, q="zefer senaye")["total"] == 0


@slow
def test_served_indexes_of_old_snapshots_are_deleted(server, client, served_store: Path) -> None:
    auth = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "text/turtle"}
    for n in range(3):
        turtle = f'<https://example.org/n{n}> <http://www.w3.org/2000/01/rdf-schema#label> "Snapshotted{n}" .'
        assert client.post(server.base + "/store", params={"graph": "https://example.org/s"}, content=turtle.encode(),
                           headers=auth).status_code in (201, 204)
        assert find(server, client, q=f"snapshotted{n}")["total"] == 1
    live = current_snapshot(served_store)
    indexes = sorted(p.name for p in (served_store / "search").iterdir())
    assert live is not None and len(indexes) == 2 and indexes[-1] == f"{live.path.name}.sqlite"
