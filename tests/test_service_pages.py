"""The service's own pages under /-/: health for a load balancer, version, settings and metrics, and the
log lines of queries and worker kills."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import platform
import re
import shlex
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pyoxigraph
import pytest
from starlette.types import ASGIApp

from azkg import __version__
from azkg.settings import SERVICE_SETTINGS, Paths, ServiceSettings
from azkg.store.telemetry import logfmt
from azkg.web.app import asgi_app
from azkg.web.query_log import query_kind
from tests.conftest import ROOT
from tests.in_process import in_process


@contextlib.asynccontextmanager
async def app_in_process(app: ASGIApp) -> AsyncIterator[httpx.AsyncClient]:
    """The whole app (its fast path and outer layers too) in this process, its lifespan run as a server
    would: the store made ready and the workers started before the first request."""
    inbox: asyncio.Queue = asyncio.Queue()
    outbox: asyncio.Queue = asyncio.Queue()
    lifespan = asyncio.create_task(app({"type": "lifespan", "asgi": {"version": "3.0"}}, inbox.get, outbox.put))
    await inbox.put({"type": "lifespan.startup"})
    assert (await outbox.get())["type"] == "lifespan.startup.complete"
    transport = httpx.ASGITransport(app=app, client=("testclient", 50000))
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver", timeout=60) as http:
            yield http
    finally:
        await inbox.put({"type": "lifespan.shutdown"})
        await outbox.get()
        await lifespan


def test_health_says_what_serves_and_turns_503_without_a_live_snapshot(tmp_path: Path) -> None:
    store = tmp_path / "store"
    with in_process(ROOT, store, query_workers="2") as server:
        client = server.client
        answer = client.get(server.base + "/-/health")
        assert answer.status_code == 200 and answer.headers["cache-control"] == "no-store"
        body = answer.json()
        current = json.loads((store / "CURRENT").read_text(encoding="utf-8"))
        assert body["status"] == "ok" and body["workers"] == {"alive": 2, "configured": 2}
        assert body["store"] == {"snapshot": current["snapshot"], "triples": current["triples"]}
        (store / "CURRENT").rename(store / "CURRENT.away")  # the store is gone from under the service
        gone = client.get(server.base + "/-/health")
        assert gone.status_code == 503 and gone.json()["status"] == "unavailable" and gone.json()["store"] is None
        (store / "CURRENT.away").rename(store / "CURRENT")


def test_version(tmp_path: Path) -> None:
    with in_process(ROOT, tmp_path / "store") as server:
        assert server.client.get(server.base + "/-/version").json() == {
            "azkg": __version__, "pyoxigraph": pyoxigraph.__version__, "python": platform.python_version()}


def test_settings_show_the_service_settings_but_never_the_token(tmp_path: Path) -> None:
    token, password, store_token = "a-token-of-twenty-chars", "a-store-password", "a-store-bearer-token"
    service = ServiceSettings(update_token=token, query_timeout=7.5, store_password=password, store_token=store_token)

    async def ask() -> httpx.Response:
        async with app_in_process(asgi_app(Paths(ROOT), service, tmp_path / "store")) as http:
            return await http.get("/-/settings")

    answer = asyncio.run(ask())
    assert answer.status_code == 200 and answer.headers["cache-control"] == "no-store"
    assert token not in answer.text and "update_token" not in answer.json()
    assert answer.json()["query_timeout"] == 7.5 and answer.json()["writes_enabled"] is True
    assert password not in answer.text and store_token not in answer.text
    secrets = {"update_token", "store_password", "store_token"}
    assert answer.json().keys() == {s.name for s in SERVICE_SETTINGS} - secrets | {"writes_enabled"}


def logged(caplog: pytest.LogCaptureFixture, event: str) -> list[dict[str, str]]:
    """The fields of the telemetry's log lines of one event (`query`, `worker_killed`), in order."""
    lines = [r.getMessage() for r in caplog.records if r.name == "azkg.store.telemetry"]
    return [dict(pair.split("=", 1) for pair in shlex.split(line)[1:]) for line in lines if line.startswith(event + " ")]


def sample(metrics: str, name: str) -> float:
    found = re.search(rf"^{re.escape(name)} (\S+)$", metrics, re.MULTILINE)
    assert found, f"no {name} in:\n{metrics}"
    return float(found.group(1))


def test_each_query_is_counted_by_kind_and_status_and_logged_once(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="azkg")

    async def ask() -> tuple[httpx.Response, ...]:
        async with app_in_process(asgi_app(Paths(ROOT), ServiceSettings(query_workers=1), tmp_path / "s")) as http:
            asked = await http.get("/sparql", params={"query": "ASK { ?s ?p ?o }"}, headers={"X-Request-Id": "ask1"})
            three = await http.get("/sparql", params={"query": "SELECT ?s { ?s ?p ?o } LIMIT 3"})  # whole answer
            wrong = await http.get("/sparql", params={"query": "ASK { ?s"}, headers={"X-Request-Id": "wrong1"})
            every = await http.get(
                "/sparql", params={"query": "CONSTRUCT WHERE { ?s ?p ?o }"}, headers={"Accept": "text/turtle"})
            for _ in range(2):  # the same look-up again: from the answer cache
                await http.get("/id/sumgayit-industrial-park", headers={"Accept": "text/turtle"})
            await http.get("/static/azkg.css")  # not a query
            return asked, three, wrong, every, await http.get("/-/metrics")

    asked, three, wrong, every, scraped = asyncio.run(ask())
    metrics = scraped.text
    assert (asked.status_code, three.status_code, wrong.status_code, every.status_code) == (200, 200, 400, 200)
    assert sample(metrics, 'azkg_queries_finished_total{kind="sparql_query",status="200"}') == 3
    assert sample(metrics, 'azkg_queries_finished_total{kind="sparql_query",status="400"}') == 1
    assert sample(metrics, 'azkg_queries_finished_total{kind="named",status="200"}') == 2
    assert sample(metrics, 'azkg_query_duration_seconds_count{kind="sparql_query"}') == 4
    assert sample(metrics, 'azkg_answer_cache_lookups_total{result="hit"}') >= 1
    for name in ("queries_total", "queries_refused_total", "query_wait_seconds_count", "query_timeouts_total"):
        sample(metrics, "azkg_" + name)  # the names the overload tests and operators read, still there
    assert sample(metrics, 'azkg_queue_length{lane="light"}') == 0 and sample(metrics, "azkg_workers") == 1
    queries = logged(caplog, "query")
    assert [line["kind"] for line in queries] == ["sparql_query"] * 4 + ["named"] * 2
    assert queries[0] | {"seconds": "?"} == {
        "request_id": "ask1", "kind": "sparql_query", "status": "200", "seconds": "?", "rows": "-", "client": "testclient"}
    assert queries[1]["request_id"] == three.headers["x-request-id"] and queries[1]["rows"] == "3"
    assert queries[2]["request_id"] == "wrong1" and queries[2]["status"] == "400"
    assert queries[3]["request_id"] == every.headers["x-request-id"] and int(queries[3]["rows"]) > 4000
    assert all(float(line["seconds"]) > 0 for line in queries)


def test_a_worker_killed_at_the_time_limit_is_counted_and_logged_with_its_request(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="azkg")
    runaway = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"

    async def ask() -> tuple[httpx.Response, ...]:
        async with app_in_process(asgi_app(Paths(ROOT), ServiceSettings(query_workers=1), tmp_path / "s")) as http:
            params = {"query": runaway, "timeout": "1"}
            stopped = await http.get("/sparql", params=params, headers={"X-Request-Id": "slow1"})
            after = await http.get("/sparql", params={"query": "ASK { ?s ?p ?o }"})  # the replacement answers
            return stopped, after, await http.get("/-/metrics")

    stopped, after, scraped = asyncio.run(ask())
    metrics = scraped.text
    assert stopped.status_code == 503 and after.status_code == 200
    assert sample(metrics, 'azkg_worker_kills_total{reason="timeout"}') == 1
    assert sample(metrics, "azkg_worker_restarts_total") == 1 and sample(metrics, "azkg_query_timeouts_total") == 1
    assert sample(metrics, 'azkg_queries_finished_total{kind="sparql_query",status="503"}') == 1
    [killed] = logged(caplog, "worker_killed")
    assert killed["reason"] == "timeout" and killed["request_id"] == "slow1" and int(killed["pid"]) > 0


@pytest.mark.parametrize(
    ("method", "path", "kind"),
    [
        ("GET", "/sparql", "sparql_query"),
        ("POST", "/sparql", "sparql_query"),
        ("POST", "/update", "sparql_update"),
        ("GET", "/store", "graph_store"),
        ("PUT", "/store", "graph_store"),
        ("GET", "/dumps/azkg.ttl.gz", "export"),
        ("GET", "/search", "search"),
        ("GET", "/.well-known/void", "void"),
        ("GET", "/id/sumgayit-industrial-park", "named"),
        ("GET", "/api/conflicts", "named"),
        ("GET", "/", "named"),
        ("GET", "/def", "named"),
        ("GET", "/def.ttl", "named"),
        ("GET", "/def/Zone", "named"),
        ("GET", "/dumps", None),
        ("OPTIONS", "/sparql", None),
        ("GET", "/sparql/truncated", None),
        ("GET", "/static/azkg.css", None),
        ("GET", "/-/metrics", None),
        ("GET", "/query", None),
    ],
)
def test_query_kinds(method: str, path: str, kind: str | None) -> None:
    assert query_kind(method, path) == kind


def test_log_fields_are_quoted_only_when_they_must_be() -> None:
    assert logfmt(kind="named", client="::1", note="a b", empty="", rows=None, seconds=0.5) == (
        'kind=named client=::1 note="a b" empty="" rows=- seconds=0.5000')
