"""The SPARQL lexer behind the depth limit and the early SERVICE refusal: every spelling the engine
reads as brackets is counted, whatever comes before it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from azkg.sparql.query_text import scan, tokens, unescape_codepoints
from tests import test_clients as clients
from tests import test_sparql_protocol as protocol

QUERIES = Path(__file__).resolve().parents[1] / "src" / "azkg" / "sparql" / "queries"
DEEP = "{" * 300 + "}" * 300


@pytest.mark.parametrize(
    ("query", "form", "depth", "service", "update"),
    [
        ("SELECT * WHERE { ?s ?p ?o }", "SELECT", 1, False, False),
        ("PREFIX a: <http://x/> ask { ?s a:p ?o }", "ASK", 1, False, False),
        ("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", "CONSTRUCT", 1, False, False),
        ("DESCRIBE <http://x/a>", "DESCRIBE", 0, False, False),
        ("SELECT * WHERE { { { ?s ?p ?o } } }", "SELECT", 3, False, False),
        ("SELECT * WHERE { FILTER((((1)))) }", "SELECT", 5, False, False),
        ('SELECT * WHERE { ?s ?p "{{{{ SERVICE" }', "SELECT", 1, False, False),  # strings do not count
        ("SELECT * WHERE { ?s ?p '''}}}{{{''' }", "SELECT", 1, False, False),
        ('SELECT * WHERE { ?s ?p "a\\"{{" }', "SELECT", 1, False, False),  # ECHAR
        ("SELECT * WHERE { ?s <http://x/{a}> ?o }", "SELECT", 2, False, False),  # not an IRI: braces count
        ("SELECT * WHERE { ?s <http://x/(a)> ?o }", "SELECT", 1, False, False),  # an IRI: parentheses do not
        ("# SELECT { { {\nASK { ?s ?p ?o }", "ASK", 1, False, False),  # comments do not count
        ("SELECT * WHERE { SERVICE <http://e/sparql> { ?s ?p ?o } }", "SELECT", 2, True, False),
        ("select * where { service silent <http://e/> { ?s ?p ?o } }", "SELECT", 2, True, False),
        ("INSERT DATA { <a:b> <a:c> <a:d> }", None, 1, False, True),
        ("PREFIX x: <http://x/> DELETE WHERE { ?s ?p ?o }", None, 1, False, True),
        ("WITH <http://g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }", None, 1, False, True),
        ("LOAD <http://example.org/data.ttl>", None, 0, True, True),
        ("", None, 0, False, False),
    ],
)
def test_scan(query: str, form: str | None, depth: int, service: bool, update: bool) -> None:
    shape = scan(query)
    assert (shape.form, shape.depth, shape.uses_service, shape.is_update) == (form, depth, service, update)


@pytest.mark.parametrize(
    "query",
    [
        "PREFIX ex: <http://e/> SELECT ?x WHERE { BIND(ex:a\\# AS ?q) SERVICE <http://127.0.0.1:9/x> { ?x ?y ?z } }",
        "SELECT * WHERE { \\u0053ERVICE <http://127.0.0.1:9/x> { ?x ?y ?z } }",
        "SELECT * WHERE { \\U00000053ERVICE <http://127.0.0.1:9/x> { ?x ?y ?z } }",
        "SELECT * WHERE { service <http://127.0.0.1:9/x> { ?x ?y ?z } }",
        "SELECT * WHERE { SERVICE SILENT <http://127.0.0.1:9/x> { ?x ?y ?z } }",
        "SELECT * WHERE { VALUES ?e { <http://127.0.0.1:9/x> } SERVICE ?e { ?x ?y ?z } }",
        "SELECT * WHERE { OPTIONAL { { SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?x ?y ?z } } } } }",
        "PREFIX ex: <http://e/> SELECT * WHERE { ?s ex:p%41 ?o . SERVICE <http://127.0.0.1:9/> { ?x ?y ?z } }",
        "SELECT * WHERE { ?s ?p 'it''s' . SERVICE <http://127.0.0.1:9/> { ?x ?y ?z } }".replace("''", "\\'"),
    ],
)
def test_every_spelling_of_service_is_seen(query: str) -> None:
    assert scan(query).uses_service


@pytest.mark.parametrize(
    "query",
    [
        "PREFIX ex: <http://e/> SELECT * WHERE { BIND(ex:a\\# AS ?q) " + DEEP + " }",
        "PREFIX ex: <http://e/> SELECT * WHERE { ?s ex:a\\#b " + DEEP + " }",
        "PREFIX ex: <http://e/> SELECT * WHERE { ?s ex:a\\'b '" + DEEP + " }",  # \\' is part of the name
        "SELECT * WHERE { FILTER(?a<'>'" + "(" * 300 + "1" + ")" * 300 + "') }",  # < is less-than here
        "SELECT * WHERE { FILTER(?a<#>'''\n" + "(" * 300 + "1" + ")" * 300 + ") }",
        "ASK {\n# \\u000A '''\n" + DEEP + "'''\n}",  # the standard's reading ends the comment, the engine's not
        "ASK { ?s ?p \"\\u0022 " + DEEP + " \" }",  # and the other way round
        "SELECT * WHERE { ?s ?p " + "(" * 300 + ")" * 300 + " }",  # collections
        "SELECT * WHERE { ?s ?p " + "[ ?p " * 300 + "]" * 300 + " }",
        "SELECT * WHERE { ?s ?p " + "<< ?s ?p " * 300 + ">>" * 300 + " }",
    ],
)
def test_no_spelling_hides_depth(query: str) -> None:
    assert scan(query).depth > 256


def test_tokens_follow_the_grammar() -> None:
    found = [(kind, value) for kind, value, _ in tokens("PREFIX ex: <http://e/> SELECT ?x $y ex:a\\#b:c. _:b1 "
                                                          "'x'@en-GB 1.5e3 # comment\n")]
    assert found == [("word", "PREFIX"), ("pname", "ex:"), ("iri", "<http://e/>"), ("word", "SELECT"),
                     ("var", "?x"), ("var", "$y"), ("pname", "ex:a\\#b:c"), ("punct", "."), ("bnode", "_:b1"),
                     ("string", "'x'"), ("langtag", "@en-GB"), ("number", "1.5e3")]


@pytest.mark.parametrize(
    ("text", "iris"),
    [("FILTER(?a<?b&&?c>?d) ?s <p> ?o", 1), ("FILTER(true<?b&&?c>?d)", 0), ("FILTER(str(?a)<?b&&?c>?d)", 0),
     ("{ FILTER(?a IN (<x>, <y>)) ?s ?p (1 <z>) }", 3), ("BIND(<f>(?x)<?y AS ?z)", 1), ('FILTER("a"^^<dt><?b&&?c>?d)', 1)],
)
def test_less_than_in_an_expression_is_not_an_iri(text: str, iris: int) -> None:
    assert [kind for kind, _, _ in tokens(text)].count("iri") == iris


@pytest.mark.parametrize(
    ("text", "expected"),
    [("\\u0053ERVICE", "SERVICE"), ("\\U00000041", "A"), ("\\\\u0041", "\\\\u0041"), ("\\uD800", "\\uD800"),
     ("\\u00\\u0041", "\\u00\\u0041"), ("plain", "plain")],
)
def test_unescape_codepoints(text: str, expected: str) -> None:
    assert unescape_codepoints(text) == expected


def test_from_is_found_at_the_top_level_only() -> None:
    assert scan("SELECT * FROM <https://w3id.org/azkg/graph/data> WHERE { ?s ?p ?o }").has_dataset
    assert scan("SELECT * FROM NAMED <g> WHERE { GRAPH ?g { ?s ?p ?o } }").has_dataset
    assert not scan("SELECT * WHERE { ?s ?p 'FROM' }").has_dataset


def test_scan_is_linear_on_a_deep_query() -> None:
    shape = scan("SELECT * WHERE " + "{" * 100_000 + "}" * 100_000)
    assert shape.depth == 100_000


def test_scan_stops_past_the_limit() -> None:
    assert scan("SELECT * WHERE " + "{" * 100_000, max_depth=256).depth == 257


def query_files() -> list[Path]:
    return sorted(QUERIES.rglob("*.rq"))


FORM_LINE = re.compile(r"^\s*(SELECT|ASK|CONSTRUCT|DESCRIBE)\b", re.MULTILINE | re.IGNORECASE)


@pytest.mark.parametrize("path", query_files(), ids=lambda p: p.name)
def test_the_service_queries_scan_with_their_form(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    shape = scan(text)
    assert shape.form == FORM_LINE.search(text).group(1).upper()
    assert shape.depth < 20 and not shape.uses_service and not shape.is_update and not shape.has_dataset


@pytest.mark.parametrize(
    ("query", "form"),
    [(protocol.RESIDENTS, "SELECT"), (protocol.EXPLOSIVE, "SELECT"), (clients.FIGURES, "SELECT"),
     (clients.CONSTRUCT, "CONSTRUCT"), ("CONSTRUCT { <s> <p> 1 } WHERE {}", "CONSTRUCT")],
)
def test_the_tests_queries_scan_with_their_form(query: str, form: str) -> None:
    shape = scan(query)
    assert shape.form == form and not shape.uses_service and shape.depth < 5
