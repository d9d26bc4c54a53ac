"""What the handlers of one app share, made once per app run (in the lifespan, once the store is
ready) and typed: the settings, the store, the query pool, the caches and the locks. Nothing here is
created on demand, so two requests can never race to make a lock or a cache."""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import HTTPConnection

from azkg.settings import ServiceSettings, Settings
from azkg.store.pool import QueryPool


@dataclass
class Caches:
    """Answers that change only with the store's snapshot, each keyed by the snapshot it was asked on."""

    void: dict = field(default_factory=dict)
    labels: dict = field(default_factory=dict)
    answers: OrderedDict = field(default_factory=OrderedDict)  # named-query answers, least recent first
    answer_bytes: int = 0


@dataclass(frozen=True)
class Services:
    settings: Settings  # the project's paths
    service: ServiceSettings  # the service's limits
    store_dir: Path
    source_sha256: str  # of the triples the store was built from, for the writes' provenance
    pool: QueryPool
    caches: Caches = field(default_factory=Caches)
    write_lock: asyncio.Lock = field(default_factory=asyncio.Lock)  # one write at a time per process
    search_lock: asyncio.Lock = field(default_factory=asyncio.Lock)  # one search index build at a time


def services_of(connection: HTTPConnection) -> Services:
    """The services of the app a routed request reached; it can only arrive once the lifespan made them."""
    return app_services(connection.app)


def app_services(app: Starlette) -> Services:
    return app.state.services
