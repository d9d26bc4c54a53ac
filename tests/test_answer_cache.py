"""Whole SPARQL answers kept per store snapshot (setting answer_cache_mb): a repeated request is answered
without running it, with an ETag that a client can revalidate; a write is never hidden by it."""

from __future__ import annotations

import re
from pathlib import Path

from tests.conftest import ROOT
from tests.in_process import InProcess, in_process

TOKEN = "test-token-0123456789abcdef"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
JSON = {"Accept": "application/sparql-results+json"}


def hits(server: InProcess) -> float:
    metrics = server.client.get(server.base + "/-/metrics").text
    found = re.search(r'^azkg_answer_cache_lookups_total\{result="hit"\} (\S+)$', metrics, re.M)
    return float(found.group(1)) if found else 0.0


def count(server: InProcess) -> int:
    answer = server.client.get(server.sparql, params={"query": COUNT}, headers=JSON)
    assert answer.status_code == 200, answer.text
    return int(answer.json()["results"]["bindings"][0]["n"]["value"])


def test_a_repeated_query_is_answered_from_the_cache_and_revalidated_by_its_etag(tmp_path: Path) -> None:
    with in_process(ROOT, tmp_path / "s") as server:
        first = server.client.get(server.sparql, params={"query": COUNT}, headers=JSON)
        before = hits(server)
        again = server.client.get(server.sparql, params={"query": COUNT}, headers=JSON)
        assert hits(server) == before + 1
        assert again.content == first.content and again.headers["etag"] == first.headers["etag"]
        assert again.headers["x-azkg-truncated"] == "false" and again.headers["cache-control"] == "no-cache"
        unchanged = server.client.get(server.sparql, params={"query": COUNT},
                                      headers={**JSON, "If-None-Match": first.headers["etag"]})
        assert unchanged.status_code == 304 and unchanged.content == b""
        as_csv = server.client.get(server.sparql, params={"query": COUNT}, headers={"Accept": "text/csv"})
        assert as_csv.headers["etag"] != first.headers["etag"] and as_csv.text.startswith("n")


def test_an_answer_cut_at_max_rows_is_cached_as_cut(tmp_path: Path) -> None:
    query = "SELECT ?s WHERE { ?s ?p ?o }"
    with in_process(ROOT, tmp_path / "s") as server:
        answers = [server.client.get(server.sparql, params={"query": query, "max_rows": "3"}, headers=JSON)
                   for _ in range(2)]
        assert [a.headers["x-azkg-truncated"] for a in answers] == ["true", "true"]
        assert [len(a.json()["results"]["bindings"]) for a in answers] == [3, 3]
        whole = server.client.get(server.sparql, params={"query": query, "max_rows": "4"}, headers=JSON)
        assert len(whole.json()["results"]["bindings"]) == 4  # another limit, another answer


def test_a_write_is_never_hidden_by_a_cached_answer(tmp_path: Path) -> None:
    with in_process(ROOT, tmp_path / "s", update_token=TOKEN) as server:
        before = count(server)
        assert count(server) == before  # now cached
        written = server.client.post(server.base + "/update", headers=AUTH,
                                     data={"update": "INSERT DATA { GRAPH <urn:g> { <urn:a> <urn:b> <urn:c> } }"})
        assert written.status_code == 204, written.text
        assert count(server) == before + 1


def test_the_cache_can_be_turned_off(tmp_path: Path) -> None:
    with in_process(ROOT, tmp_path / "s", answer_cache_mb="0") as server:
        answers = [server.client.get(server.sparql, params={"query": COUNT}, headers=JSON) for _ in range(2)]
        assert hits(server) == 0
        assert answers[0].headers["etag"] == answers[1].headers["etag"]  # still revalidatable
