"""What the handlers of one app share, made once per app run (in the lifespan, once the store is
ready) and typed: the settings, the store, the query pool, the caches and the locks. Nothing here is
created on demand, so two requests can never race to make a lock or a cache."""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeAlias

from starlette.applications import Starlette
from starlette.requests import HTTPConnection

from azkg.settings import Paths, ServiceSettings
from azkg.store.pool import QueryPool
from azkg.store.telemetry import Telemetry

if TYPE_CHECKING:  # imported where a remote store is made: its HTTP client costs a tenth of a second of start-up
    from azkg.store.remote import RemoteStore

# who runs the service's queries: the embedded store's workers, or a remote store
Queries: TypeAlias = "QueryPool | RemoteStore"
CACHED_BYTES = 64 << 20  # named-query answers kept per process (LRU), in bytes of answers
CACHED_ANSWER_BYTES = 1 << 20  # a bigger answer is not kept


@dataclass(eq=False)
class AnswerCache:
    """Answers kept per process, least recently used first out, within `limit` bytes. Snapshots never
    change, so an answer is kept for the snapshot it was asked on: a write makes a new snapshot, and
    the answers of the old one are never asked for again (they age out)."""

    limit: int = CACHED_BYTES  # 0 keeps nothing
    answers: OrderedDict = field(default_factory=OrderedDict)  # {key: (value, bytes)}
    size: int = 0  # bytes of answers
    labels: dict = field(default_factory=dict)  # {snapshot: {iri: label}}, one snapshot at a time

    def get(self, key: tuple) -> Any:
        found = self.answers.get(key)
        if found is None:
            return None
        self.answers.move_to_end(key)
        return found[0]

    def keep(self, key: tuple, value: Any, size: int) -> None:
        if size > min(CACHED_ANSWER_BYTES, self.limit):
            return
        _, previous = self.answers.pop(key, (None, 0))  # two requests may have asked at once
        self.answers[key] = (value, size)
        self.size += size - previous
        while self.size > self.limit:
            self.size -= self.answers.popitem(last=False)[1][1]



@dataclass(frozen=True)
class Services:
    paths: Paths  # the project's folders
    service: ServiceSettings  # the service's limits
    store_dir: Path
    source_sha256: str | None  # of the triples the store was built from, for the writes' provenance
    pool: Queries
    telemetry: Telemetry
    answers: AnswerCache = field(default_factory=AnswerCache)  # named-query answers and labels
    sparql_answers: AnswerCache = field(default_factory=AnswerCache)  # whole /sparql answers (answer_cache_mb)
    void: dict = field(default_factory=dict)  # the VoID figures, per data version
    write_lock: asyncio.Lock = field(default_factory=asyncio.Lock)  # one write at a time per process
    search_lock: asyncio.Lock = field(default_factory=asyncio.Lock)  # one search index build at a time
    mirror_lock: asyncio.Lock = field(default_factory=asyncio.Lock)  # one fetch of a remote store's copy at a time


def services_of(connection: HTTPConnection) -> Services:
    """The services of the app a routed request reached; it can only arrive once the lifespan made them."""
    return app_services(connection.app)


def app_services(app: Starlette) -> Services:
    return app.state.services
