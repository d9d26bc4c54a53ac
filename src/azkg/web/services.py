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

from azkg.settings import Paths, ServiceSettings
from azkg.store.pool import QueryPool
from azkg.store.telemetry import Telemetry

CACHED_BYTES = 64 << 20  # named-query answers kept per process (LRU), in bytes of answers
CACHED_ANSWER_BYTES = 1 << 20  # a bigger answer is not kept


@dataclass(eq=False)
class AnswerCache:
    """Named-query answers and the labels, kept per process. Snapshots never change, so an answer is
    kept for the snapshot it was asked on (a newer snapshot has other keys)."""

    answers: OrderedDict = field(default_factory=OrderedDict)
    size: int = 0  # bytes of answers
    labels: dict = field(default_factory=dict)  # {snapshot: {iri: label}}, one snapshot at a time

    def keep(self, key: tuple, body: bytes) -> None:
        if len(body) > CACHED_ANSWER_BYTES:
            return
        previous = self.answers.pop(key, b"")  # two requests may have asked at once
        self.answers[key] = body
        self.size += len(body) - len(previous)
        while self.size > CACHED_BYTES:
            self.size -= len(self.answers.popitem(last=False)[1])



@dataclass(frozen=True)
class Services:
    paths: Paths  # the project's folders
    service: ServiceSettings  # the service's limits
    store_dir: Path
    source_sha256: str | None  # of the triples the store was built from, for the writes' provenance
    pool: QueryPool
    telemetry: Telemetry
    answers: AnswerCache = field(default_factory=AnswerCache)  # named-query answers and labels
    void: dict = field(default_factory=dict)  # the VoID figures, per snapshot
    write_lock: asyncio.Lock = field(default_factory=asyncio.Lock)  # one write at a time per process
    search_lock: asyncio.Lock = field(default_factory=asyncio.Lock)  # one search index build at a time


def services_of(connection: HTTPConnection) -> Services:
    """The services of the app a routed request reached; it can only arrive once the lifespan made them."""
    return app_services(connection.app)


def app_services(app: Starlette) -> Services:
    return app.state.services
