"""using-graph-uri / using-named-graph-uri as USING clauses: placed only where SPARQL's tokens say a
DELETE/INSERT's WHERE is, checked by a second parse, refused when unsure."""

from __future__ import annotations

import pytest

from azkg.errors import RequestError
from azkg.web.update_dataset import with_dataset

USING = " USING <urn:g1> USING NAMED <urn:n1> "


@pytest.mark.parametrize(("update", "expected"), [
    ("INSERT { ?s ?p ?o } WHERE { ?s ?p ?o }", "INSERT { ?s ?p ?o }" + USING + " WHERE { ?s ?p ?o }"),
    ("insert { ?s ?p ?o } where { ?s ?p ?o }", "insert { ?s ?p ?o }" + USING + " where { ?s ?p ?o }"),
    ("INSERT { ?s <urn:p> 'WHERE {' } WHERE { ?s ?p ?o }", "INSERT { ?s <urn:p> 'WHERE {' }" + USING
     + " WHERE { ?s ?p ?o }"),
    ("INSERT { ?s ?p '''a ' } WHERE ''' } WHERE { ?s ?p ?o }", "INSERT { ?s ?p '''a ' } WHERE ''' }" + USING
     + " WHERE { ?s ?p ?o }"),
    ("PREFIX ex: <http://e/> INSERT { ex:a\\# ex:b ?o } WHERE { ?s ?p ?o } # WHERE {",
     "PREFIX ex: <http://e/> INSERT { ex:a\\# ex:b ?o }" + USING + " WHERE { ?s ?p ?o } # WHERE {"),
    ("PREFIX ex: <http://e/> INSERT { ex:a\\' ex:b ?o } WHERE { ?s ?p ?o FILTER(?s<?o) }",
     "PREFIX ex: <http://e/> INSERT { ex:a\\' ex:b ?o }" + USING + " WHERE { ?s ?p ?o FILTER(?s<?o) }"),
    ("INSERT { ?s ?p ?o } WHERE { SELECT * WHERE { ?s ?p ?o } }",
     "INSERT { ?s ?p ?o }" + USING + " WHERE { SELECT * WHERE { ?s ?p ?o } }"),
    ("DELETE WHERE { ?s ?p ?o } ; INSERT DATA { <urn:a> <urn:b> 'where' }",
     "DELETE WHERE { ?s ?p ?o } ; INSERT DATA { <urn:a> <urn:b> 'where' }"),
])
def test_clauses_go_before_each_delete_insert_where(update: str, expected: str) -> None:
    assert with_dataset(update, ("urn:g1",), ("urn:n1",)).split() == expected.split()  # spaces aside


@pytest.mark.parametrize("update", [
    "WITH <urn:g> INSERT { ?s ?p ?o } WHERE { ?s ?p ?o }",
    "INSERT { ?s ?p ?o } USING <urn:x> WHERE { ?s ?p ?o }",
    "INSERT { ?s ?p ?o } USING NAMED <urn:x> WHERE { ?s ?p ?o }",
    "INSERT { ?s ?p ?o } \\u0057HERE { ?s ?p ?o }",
    "INSERT { ?s ?p ?o } WHERE { ?s ?p ",
])
def test_what_cannot_take_the_parameters_is_refused(update: str) -> None:
    with pytest.raises(RequestError):
        with_dataset(update, ("urn:g1",), ())


def test_without_parameters_the_update_is_untouched() -> None:
    update = "WITH <urn:g> INSERT { ?s ?p ?o } WHERE { ?s ?p ?o }"
    assert with_dataset(update, (), ()) is update
