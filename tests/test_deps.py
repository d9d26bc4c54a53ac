"""The dependency seam: create_app runs on the pool it is given, and a test can replace any of the
routers' dependencies (web/deps.py) without a store, workers or a server."""

from __future__ import annotations

import asyncio
from dataclasses import FrozenInstanceError
from pathlib import Path

import httpx
import pytest

from azkg.settings import Paths, ServiceSettings
from azkg.store.snapshots import current_snapshot
from azkg.store.telemetry import Telemetry
from azkg.web.app import create_app
from azkg.web.deps import get_pool, get_store_dir
from azkg.web.services import app_services
from tests.conftest import ROOT
from tests.in_process import running_app


class StubPool:
    """What the health page and the lifespan ask of a pool, and nothing more."""

    def __init__(self, workers: int, size: int):
        self.workers, self.size = workers, size
        self.started = self.closed = False
        self.telemetry = Telemetry()  # the app counts through its pool's telemetry

    async def start(self) -> None:
        self.started = True

    async def close(self) -> None:
        self.closed = True

    async def health(self) -> dict:
        return {"ok": False, "store": None, "workers": {"alive": self.workers, "configured": self.size}}


def get(app, path: str) -> httpx.Response:  # type: ignore[no-untyped-def]
    """One request to the app, without its lifespan: whatever a route needs comes from the overrides."""
    async def ask() -> httpx.Response:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://test") as client:
            return await client.get(path)
    return asyncio.run(ask())


def test_overridden_dependencies_reach_the_router(tmp_path: Path) -> None:
    app = create_app(Paths(ROOT), ServiceSettings(), tmp_path)
    app.dependency_overrides[get_pool] = lambda: StubPool(workers=0, size=3)
    app.dependency_overrides[get_store_dir] = lambda: tmp_path  # no snapshot in it
    answer = get(app, "/-/health")
    assert answer.status_code == 503
    assert answer.json() == {"status": "unavailable", "store": None, "workers": {"alive": 0, "configured": 3}}


def test_the_app_runs_on_the_pool_it_is_given(tmp_path: Path) -> None:
    given = StubPool(workers=2, size=2)
    app = create_app(Paths(ROOT), ServiceSettings(), tmp_path / "store", pool=given)  # type: ignore[arg-type]
    with running_app(app):
        services = app_services(app)
        assert services.pool is given and given.started and not given.closed
        assert services.store_dir == tmp_path / "store" and current_snapshot(services.store_dir) is not None
        with pytest.raises(FrozenInstanceError):
            services.pool = StubPool(1, 1)  # type: ignore[misc]
    assert given.closed
