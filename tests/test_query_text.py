from __future__ import annotations

import pytest

from azkg.query_text import scan


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
        ("SELECT * WHERE { ?s <http://x/{a}> ?o }", "SELECT", 2, False, False),  # not an IRI: braces count
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


def test_scan_is_linear_on_a_deep_query() -> None:
    shape = scan("SELECT * WHERE " + "{" * 100_000 + "}" * 100_000)
    assert shape.depth == 100_000
