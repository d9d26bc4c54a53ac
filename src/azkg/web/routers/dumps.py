"""Downloads at /dumps: the data graph in six RDF syntaxes and the figures as CSV (azkg.store.export), each
also gzipped (`azkg.ttl.gz`), and gzipped on the fly for clients that accept it.

A dump is written by pyoxigraph in a thread of its own, which opens the live snapshot read-only and
hands the response chunks through a bounded queue: it waits while the client is CHUNKS_AHEAD chunks
behind, and stops when the client goes away, so memory stays constant whatever the store's size.
Each dump carries an ETag (snapshot, file, encoding) and Last-Modified (the snapshot's time), so an
unchanged dump answers 304 without being written."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import threading
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from fastapi import APIRouter, Request
from starlette.responses import JSONResponse, Response, StreamingResponse

from azkg import __version__
from azkg.errors import NotFoundError, StoreError
from azkg.sparql.formats import GZIP, HTML, LISTING_OFFER
from azkg.sparql.negotiation import negotiate
from azkg.store.export import EXPORTS, Export, GzipWriter, export_of_file, write_export
from azkg.store.snapshots import DATA_GRAPH, Snapshot, current_snapshot, open_reader
from azkg.web.deps import ServicesDep
from azkg.web.html import render
from azkg.web.links import Links
from azkg.web.services import Services

if TYPE_CHECKING:  # made only over a remote store (azkg.web.app)
    from azkg.store.remote import RemoteStore

log = logging.getLogger("azkg.web")
router = APIRouter(prefix="/dumps", tags=["dataset"])
CHUNK_BYTES = 1 << 16  # what the thread gathers before handing a chunk over
MIRROR_FOLDER = "mirror"  # under the store folder: the copy of a remote store's graphs that dumps read
CHUNKS_AHEAD = 16  # chunks the thread may be ahead of the client: about 1 MiB per dump in flight


@router.api_route("", methods=["GET", "HEAD"], summary="The dumps of the dataset, as JSON or a page")
async def dump_index(request: Request, services: ServicesDep) -> Response:
    media_type = choose_index_type(request)
    snapshot = _live_snapshot(await _dump_store(services))
    links = Links.of(request)
    dumps = [
        {
            "name": export.name,
            "filename": export.filename,
            "url": links.url(f"dumps/{export.filename}"),
            "gzip_url": links.url(f"dumps/{export.filename}.gz"),
            "media_type": export.media_type,
            "title": export.title,
        }
        for export in EXPORTS
    ]
    modified = datetime.fromtimestamp(snapshot_time(snapshot), UTC).isoformat(timespec="seconds")
    context: dict[str, Any] = {
        "graph": DATA_GRAPH.value, "modified": modified, "store_triples": snapshot.triples, "dumps": dumps
    }
    if media_type == HTML.media_type:
        return render(request, "dumps.html", headers={"Vary": "Accept"}, **context)
    return JSONResponse(context, headers={"Vary": "Accept"})


def choose_index_type(request: Request) -> str:
    return negotiate(LISTING_OFFER, request.headers.get("accept"), "the list of dumps is available as: {types}")


@router.api_route("/{filename}", methods=["GET", "HEAD"], summary="Download a dump (add .gz for gzip)")
async def dump(request: Request, filename: str, services: ServicesDep) -> Response:
    found = export_of_file(filename)
    if found is None:
        names = ", ".join(f"{e.filename} ({e.filename}.gz)" for e in EXPORTS)
        raise NotFoundError(f"there is no dump '{filename}'; the dumps are: {names}")
    export, packed = found
    encoded = not packed and accepts_gzip(request.headers.get("accept-encoding"))
    store_dir = await _dump_store(services)
    headers = dump_headers(_live_snapshot(store_dir), export, packed, encoded)
    if not_modified(request, headers):
        return Response(status_code=304, headers=headers)
    media_type = GZIP.media_type if packed else export.media_type
    if request.method == "HEAD":
        return StreamingResponse(_nothing(), media_type=media_type, headers=headers)
    snapshot, chunks = await _start_dump(store_dir, export, packed or encoded)
    headers = dump_headers(snapshot, export, packed, encoded)  # the snapshot written, if a write came between
    return StreamingResponse(chunks, media_type=media_type, headers=headers)


def dump_headers(snapshot: Snapshot, export: Export, packed: bool, encoded: bool) -> dict[str, str]:
    filename = export.filename + (".gz" if packed else "")
    coding = "gzip" if packed or encoded else "identity"
    tag = hashlib.sha256(f"{snapshot.path.name} {filename} {coding} {__version__}".encode()).hexdigest()[:32]
    headers = {
        "ETag": f'"{tag}"',
        "Last-Modified": format_datetime(datetime.fromtimestamp(int(snapshot_time(snapshot)), UTC), usegmt=True),
        "Cache-Control": "no-cache",  # keep it, but ask each time: a write changes the dump
        "Content-Disposition": f'attachment; filename="{filename}"',
    }
    if not packed:
        headers["Vary"] = "Accept-Encoding"
    if encoded:
        headers["Content-Encoding"] = "gzip"
    return headers


def snapshot_time(snapshot: Snapshot) -> float:
    """When the snapshot was published: its name is the time in nanoseconds (azkg.store.snapshots.Writer.publish)."""
    try:
        return int(snapshot.path.name) / 1e9
    except ValueError:
        return snapshot.path.stat().st_mtime


def not_modified(request: Request, headers: dict[str, str]) -> bool:
    """RFC 9110 13.1.2 and 13.1.3: If-None-Match (weak comparison) wins over If-Modified-Since."""
    if_none_match = request.headers.get("if-none-match")
    if if_none_match is not None:
        tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
        return "*" in tags or headers["ETag"] in tags
    if_modified_since = request.headers.get("if-modified-since")
    if if_modified_since is None:
        return False
    try:
        since = parsedate_to_datetime(if_modified_since)
    except (TypeError, ValueError):
        return False  # an invalid date is ignored (RFC 9110 13.1.3)
    return since.tzinfo is not None and parsedate_to_datetime(headers["Last-Modified"]) <= since


def accepts_gzip(header: str | None) -> bool:
    """Whether Accept-Encoding allows gzip (RFC 9110 12.5.3): named or `*`, with a q above 0."""
    qualities: dict[str, float] = {}
    for part in (header or "").split(","):
        coding, *parameters = (field.strip().lower() for field in part.split(";"))
        quality = 1.0
        for parameter in parameters:
            name, _, value = parameter.partition("=")
            if name.strip() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if coding:
            qualities[coding] = quality
    for coding in ("gzip", "x-gzip", "*"):
        if coding in qualities:
            return qualities[coding] > 0
    return False


async def _dump_store(services: Services) -> Path:
    """The store the dumps are written from: the embedded one, or a local copy of a remote store's
    graphs for its data version (fetched once per version, one fetch at a time)."""
    if not services.service.remote:
        return services.store_dir
    remote = cast("RemoteStore", services.pool)
    version = await remote.content_version()
    async with services.mirror_lock:
        return await asyncio.to_thread(remote.mirror, services.store_dir / MIRROR_FOLDER, version)


def _live_snapshot(store_dir: Path) -> Snapshot:
    snapshot = current_snapshot(store_dir)
    if snapshot is None:
        raise StoreError("the store has no snapshot to dump")
    return snapshot


async def _nothing() -> AsyncIterator[bytes]:
    return
    yield b""


async def _start_dump(store_dir: Path, export: Export, compress: bool) -> tuple[Snapshot, AsyncIterator[bytes]]:
    """Start the dumping thread; the snapshot it opened, and the chunks it writes."""
    channel = _Channel(asyncio.get_running_loop())
    thread = threading.Thread(
        target=channel.run, args=(store_dir, export, compress), name=f"dump {export.filename}", daemon=True
    )
    thread.start()
    first: Any = await channel.queue.get()  # the snapshot, or what stopped the thread
    if isinstance(first, BaseException):
        channel.stop()
        raise first
    return first, channel.chunks()


class _Stopped(Exception):
    """Raised in the dumping thread when the client has gone: ends the dump."""


_END = object()


class _Channel:
    """From a dumping thread to the event loop: first the snapshot opened, then the chunks, then _END
    (or the exception that ended the dump). All pyoxigraph objects live in the thread."""

    def __init__(self, loop: asyncio.AbstractEventLoop):
        self.loop = loop
        self.queue: asyncio.Queue[object] = asyncio.Queue(CHUNKS_AHEAD)
        self.stopped = threading.Event()
        self.buffer = bytearray()

    def run(self, store_dir: Path, export: Export, compress: bool) -> None:
        try:
            store, snapshot = open_reader(store_dir)
            self._put(snapshot)
            output = GzipWriter(self) if compress else self
            write_export(store, export, output)
            if isinstance(output, GzipWriter):
                output.close()
            self._put(bytes(self.buffer))
            self._put(_END)
        except _Stopped:
            pass
        except Exception as err:  # the thread's top level: hand the failure to the response
            with contextlib.suppress(_Stopped):
                self._put(err)

    def write(self, data: bytes) -> int:
        self.buffer += data
        if len(self.buffer) >= CHUNK_BYTES:
            self._put(bytes(self.buffer))
            self.buffer.clear()
        return len(data)

    def flush(self) -> None:
        pass

    def _put(self, item: object) -> None:
        """Hand an item over, waiting while the queue is full; _Stopped once the client has gone."""
        if self.stopped.is_set() or self.loop.is_closed():
            raise _Stopped
        future = asyncio.run_coroutine_threadsafe(self.queue.put(item), self.loop)
        while True:
            try:
                future.result(timeout=1)
                return
            except TimeoutError:
                if self.stopped.is_set() or self.loop.is_closed():
                    future.cancel()
                    raise _Stopped from None

    async def chunks(self) -> AsyncIterator[bytes]:
        try:
            while True:
                item = await self.queue.get()
                if item is _END:
                    return
                if isinstance(item, BaseException):
                    log.error("a dump failed after its first bytes: %s", item)
                    raise ConnectionAbortedError("the dump failed") from item  # no clean end: the client sees it
                if item:
                    yield item  # type: ignore[misc]
        finally:
            self.stop()

    def stop(self) -> None:
        """Tell the thread to stop, and free the queue so that a waiting put returns."""
        self.stopped.set()
        while not self.queue.empty():
            self.queue.get_nowait()
