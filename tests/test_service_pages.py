"""The service's own pages under /-/: health for a load balancer, and version."""

from __future__ import annotations

import json
import platform
from pathlib import Path

import pyoxigraph

from azkg import __version__
from tests.conftest import ROOT
from tests.in_process import in_process


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
