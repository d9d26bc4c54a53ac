"""Limits on reading a request's head, which uvicorn's httptools protocol does not have: the bytes of
headers (httptools' parser buffers a header whole, so a 100 MB header was read to the end) and the
time to send them (a client dribbling a header byte by byte held its connection forever). Past either
limit the client gets 431 or 408 and the connection is closed, before the app sees anything.

uvicorn's h11 protocol has a size limit (h11_max_incomplete_event_size) but no time limit and is
slower on light queries, so azkg keeps httptools and counts here: bytes received while a head is
open, the URL aside (a long GET query is the app's to answer, with 414), checked after each chunk
(so at most one socket read beyond the limit is buffered), and the headers the parser hands over,
counted before the app is called: a head that arrives whole in one read is parsed in that read, and
only the second count sees it.
"""

from __future__ import annotations

import asyncio
import functools
import os

from uvicorn.protocols.http.httptools_impl import STATUS_LINE

from azkg.settings import CHILD_SETTINGS, read_child_settings
from azkg.sparql.formats import TEXT_PLAIN
from azkg.web.long_urls import LongUrlProtocol


@functools.cache
def _from_environment() -> tuple[int, float]:
    _, service, _ = read_child_settings(os.environ[CHILD_SETTINGS])
    return service.max_header_bytes, service.header_timeout


class GuardedHttpTools(LongUrlProtocol):
    """httptools with limits on the head, and a URL too long for its parser marked for a 414."""

    max_header_bytes: int = 0  # 0: handed down (the processes of serve --processes N); settings refuse 0
    header_timeout: float = 0

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        if not self.max_header_bytes or not self.header_timeout:
            self.max_header_bytes, self.header_timeout = _from_environment()
        self._head_open, self._head_bytes, self._header_bytes, self._refused = True, 0, 0, False
        self._head_timer: asyncio.TimerHandle | None = None
        self._start_head_timer()  # a connection that sends nothing is closed too

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_head_timer()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self._refused:
            return
        if self._head_open:
            self._head_bytes += len(data)
        super().data_received(data)
        if self._head_open and self._head_bytes - self.url_bytes > self.max_header_bytes:
            self._refuse(431, f"the request's headers are larger than {self.max_header_bytes} bytes "
                              "(setting max_header_bytes)")

    def on_message_begin(self) -> None:
        super().on_message_begin()
        if self._head_timer is None:
            self._start_head_timer()

    def on_header(self, name: bytes, value: bytes) -> None:
        super().on_header(name, value)
        self._header_bytes += len(name) + len(value) + 4  # ": " and the line's end

    def on_headers_complete(self) -> None:
        self._head_open = False
        self._stop_head_timer()
        if self._header_bytes > self.max_header_bytes:  # the app is not called: no request cycle starts
            self._refuse(431, f"the request's headers are larger than {self.max_header_bytes} bytes "
                              "(setting max_header_bytes)")
            return
        super().on_headers_complete()

    def on_body(self, body: bytes) -> None:
        if not self._refused:  # the rest of a refused request's read is still parsed
            super().on_body(body)

    def on_message_complete(self) -> None:
        if self._refused:
            return
        super().on_message_complete()
        self._head_open, self._head_bytes, self._header_bytes = True, 0, 0  # the next request's head, if kept

    def _start_head_timer(self) -> None:
        self._head_timer = self.loop.call_later(self.header_timeout, self._head_too_slow)

    def _stop_head_timer(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _head_too_slow(self) -> None:
        self._head_timer = None
        if not self._head_open or self._refused:
            return
        if self._head_bytes == 0 and self.cycle is None:
            self._refused = True
            self.transport.close()  # connected but never asked anything
            return
        self._refuse(408, f"the request's headers took longer than {self.header_timeout:g} s "
                          "(setting header_timeout)")

    def _refuse(self, status: int, message: str) -> None:
        self._refused = True
        self._stop_head_timer()
        body = message.encode("ascii")
        head = (f"content-type: {TEXT_PLAIN.media_type}; charset=utf-8\r\ncontent-length: {len(body)}".encode("ascii")
                + b"\r\nconnection: close\r\n\r\n")
        self.transport.write(STATUS_LINE[status] + head + body)
        self.transport.close()


def configured(max_header_bytes: int, header_timeout: float) -> type[GuardedHttpTools]:
    """The protocol class with these limits, for uvicorn's `http=` (one process)."""
    limits = {"max_header_bytes": max_header_bytes, "header_timeout": header_timeout}
    return type("GuardedHttpTools", (GuardedHttpTools,), limits)
