"""Answering a request line too long for the HTTP parser with a 414 in the service's own envelope.

uvicorn's httptools parser cannot split a URL over 65,535 bytes (its offsets are 16-bit) and answers
such a request with a bare "Invalid HTTP request received." 400. This protocol replaces the target of
such a request by its path alone and marks the request, before the parser splits it; FastSparql then
answers 414 naming the limit and saying to POST the query, with a request id like every error.
"""

from __future__ import annotations

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

MAX_URL_BYTES = 65_535
MARK = "azkg.url_bytes"  # scope key: the length of the URL that was too long


class LongUrlProtocol(HttpToolsProtocol):
    url_bytes = 0

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self.url_bytes = 0

    def on_url(self, url: bytes) -> None:
        self.url_bytes += len(url)
        if len(self.url) <= MAX_URL_BYTES:  # past the limit, only the count grows: memory stays bounded
            super().on_url(url)

    def on_headers_complete(self) -> None:
        if self.url_bytes > MAX_URL_BYTES:
            self.scope[MARK] = self.url_bytes  # type: ignore[literal-required]
            path = self.url.split(b"?", 1)[0]
            self.url = path if len(path) <= 2048 else b"/"
        super().on_headers_complete()
