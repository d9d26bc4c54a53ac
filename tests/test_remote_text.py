"""What azkg sends a remote store, without a store: the text of a query (prologue, bound values), its
protocol parameters (azkg's graphs, the store's own time limit), the graphs an update may write, the
endpoints found from the store's Server header, and the terms read back."""

from __future__ import annotations

import pyoxigraph
import pytest

from azkg.errors import QueryError, RequestError
from azkg.settings import ServiceSettings
from azkg.sparql.evaluation import UNION, Dataset, Deadline
from azkg.sparql.named_queries import named_query
from azkg.store.messages import Job
from azkg.store.remote_protocol import canonical, endpoint_of, query_params, query_text, with_values
from azkg.web.remote_writes import check_graphs

DATA, ONTOLOGY = "https://w3id.org/azkg/graph/data", "https://w3id.org/azkg/graph/ontology"
OWNED = (DATA, ONTOLOGY)
SETTINGS = ServiceSettings(store_url="http://store.internal:8890/sparql", store_user="azkg", store_password="pw")


def job(query: str, dataset: Dataset = UNION, **bindings: str) -> Job:
    return Job(query, "application/sparql-results+json", 10, Deadline.after(5), dataset,
               bindings=tuple(sorted(bindings.items())))


def test_bound_values_open_the_where_group_and_comments_are_skipped() -> None:
    text = with_values(named_query("facts"), (("entity", "https://w3id.org/azkg/id/x"),))
    assert "VALUES (?entity) { (<https://w3id.org/azkg/id/x>) }" in text
    at = text.index("VALUES (?entity)")
    assert text[:at].rstrip().endswith("{") and "WHERE" in text[:at].splitlines()[-1].upper()
    # facts.rq's own comment says "after WHERE {": the value goes after the real one, not into the comment
    assert not any(line.lstrip().startswith("#") and "VALUES (?" in line for line in text.splitlines())


def test_a_value_that_is_not_an_iri_is_refused_not_pasted() -> None:
    with pytest.raises(ValueError):
        with_values("ASK { ?s ?p ?o }", (("s", "https://x/> } ; DROP ALL ; <"),))


def test_bound_values_need_a_where_group() -> None:
    with pytest.raises(QueryError):
        with_values("DESCRIBE ?s", (("s", "https://x/y"),))


def test_every_named_query_with_values_still_parses() -> None:
    store = pyoxigraph.Store()
    for name in ("facts", "describe-entity", "exists", "resource", "entity-names", "labels"):
        text = with_values(named_query(name), (("resource", "https://x/y"),))
        store.query(query_text(job(text)).replace("VALUES (?resource)", "VALUES (?unused)"))


def test_azkgs_prefixes_are_declared_where_used_unless_the_query_declares_its_own() -> None:
    text = query_text(job("PREFIX azkg: <http://other/> SELECT * { ?s a azkg:Thing ; prov:wasDerivedFrom ?q }"))
    assert "PREFIX azkg: <http://other/>" in text and "PREFIX azkg: <https://w3id.org/azkg/def/>" not in text
    assert "PREFIX prov: <http://www.w3.org/ns/prov#>" in text
    assert "PREFIX skos:" not in text  # not used: not sent


def test_a_query_that_names_no_graphs_reads_azkgs_graphs_only() -> None:
    params = query_params(job("SELECT * { ?s ?p ?o }"), endpoint_of(SETTINGS, "Oxigraph/0.5.13"))
    assert [v for k, v in params if k == "default-graph-uri"] == list(OWNED)
    assert [v for k, v in params if k == "named-graph-uri"] == list(OWNED)
    assert not any(k == "timeout" for k, _ in params)  # Oxigraph's server has no per-request limit


def test_virtuoso_is_given_the_time_left_as_its_own_limit() -> None:
    params = dict(query_params(job("ASK {}"), endpoint_of(SETTINGS, "Virtuoso/07.20.3229 (Linux)")))
    assert 0 < int(params["timeout"]) <= 5000


def test_the_protocols_dataset_wins_and_a_querys_own_from_is_left_alone() -> None:
    endpoint = endpoint_of(SETTINGS, "Oxigraph/0.5.13")
    given = query_params(job("ASK { ?s ?p ?o }", Dataset((ONTOLOGY,), ())), endpoint)
    assert [v for k, v in given if k == "default-graph-uri"] == [ONTOLOGY]
    own = query_params(job(f"ASK FROM <{DATA}> {{ ?s ?p ?o }}", Dataset(union_default_graph=False)), endpoint)
    assert not any(k.endswith("graph-uri") for k, _ in own)


def test_virtuoso_gets_no_from_and_dataset_parameters_at_once() -> None:
    endpoint = endpoint_of(SETTINGS, "Virtuoso/07.20.3229 (Linux)")
    with pytest.raises(RequestError, match="one way or the other"):
        query_params(job(f"ASK FROM <{DATA}> {{ ?s ?p ?o }}", Dataset((ONTOLOGY,), (), False)), endpoint)


@pytest.mark.parametrize(("server", "kind", "update", "graph_store"), [
    ("Virtuoso/07.20.3229 (Linux) x86_64-pc-linux-gnu", "virtuoso", "/sparql-auth", "/sparql-graph-crud-auth"),
    ("Oxigraph/0.5.13", "oxigraph", "/update", "/store"),
    ("Apache Jena Fuseki", "sparql", "/sparql", None),
])
def test_the_endpoints_follow_what_the_store_says_it_is(server, kind, update, graph_store) -> None:
    endpoint = endpoint_of(SETTINGS, server)
    root = "http://store.internal:8890"
    assert endpoint.kind == kind
    assert endpoint.update_url == root + update
    assert endpoint.graph_store_url == (root + graph_store if graph_store else None)


def test_set_endpoints_win() -> None:
    settings = ServiceSettings(store_url="http://s/q", store_update_url="http://s/u", store_graph_store_url="http://s/g")
    endpoint = endpoint_of(settings, "Oxigraph/0.5.13")
    assert (endpoint.update_url, endpoint.graph_store_url) == ("http://s/u", "http://s/g")


def test_virtuosos_booleans_read_as_the_embedded_stores() -> None:
    boolean = pyoxigraph.NamedNode("http://www.w3.org/2001/XMLSchema#boolean")
    assert canonical(pyoxigraph.Literal("1", datatype=boolean)) == pyoxigraph.Literal("true", datatype=boolean)
    assert canonical(pyoxigraph.Literal("0", datatype=boolean)) == pyoxigraph.Literal("false", datatype=boolean)
    assert canonical(pyoxigraph.Literal("1")) == pyoxigraph.Literal("1")


@pytest.mark.parametrize(("update", "allowed"), [
    (f"INSERT DATA {{ GRAPH <{DATA}> {{ id:a a azkg:Company }} }}", True),
    ("INSERT DATA { id:a a azkg:Company }", False),
    (f"WITH <{DATA}> DELETE {{ ?s ?p ?o }} WHERE {{ ?s ?p ?o }}", True),
    ("DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }", False),
    (f"DELETE {{ GRAPH <{DATA}> {{ ?s ?p ?o }} }} INSERT {{ ?s ?p 1 }} WHERE {{ ?s ?p ?o }}", False),
    ("DELETE WHERE { GRAPH ?g { ?s ?p ?o } }", False),
    ("DROP ALL", False),
    (f"DROP GRAPH <{DATA}>", True),
    (f"MOVE <{DATA}> TO <http://x/y>", False),
    (f"COPY <{ONTOLOGY}> TO <{DATA}>", True),
    ("CLEAR DEFAULT", False),
    ("INSERT DATA { GRAPH <http://x/y> { <a:b> <a:c> 1 } }", False),
])
def test_an_update_may_write_only_azkgs_graphs_named(update: str, allowed: bool) -> None:
    if allowed:
        check_graphs(update, "https://w3id.org/azkg/", OWNED)
    else:
        with pytest.raises(RequestError, match="store_graphs"):
            check_graphs(update, "https://w3id.org/azkg/", OWNED)


def test_a_malformed_update_gets_the_embedded_stores_message() -> None:
    with pytest.raises(QueryError, match=r"malformed update: .*1:"):
        check_graphs("INSERT DATA {", "https://w3id.org/azkg/", OWNED)
