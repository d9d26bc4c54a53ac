"""The service run in the test's process, addressed like a real server (`client.get(server.base + path)`),
for the web tests that need no HTTP parser, sockets or processes of their own (those use tests/server.py).

The app runs on an event loop in a thread, as under uvicorn: its lifespan makes the store ready and
starts the query workers, and every request goes through the same layers as the server's (the SPARQL
fast path, security headers, trusted hosts). A synchronous httpx client reaches it through httpx's
ASGI transport."""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import Coroutine, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from starlette.types import ASGIApp, Message

from azkg.settings import Paths, ServiceSettings
from azkg.web.app import asgi_app

BASE = "http://127.0.0.1:8000"  # with a port, as a real server has: some tests build Host headers from it
SECONDS = 60  # as the real servers' clients (tests/conftest.py): the machines are shared


@dataclass(frozen=True)
class InProcess:
    base: str
    client: httpx.Client

    @property
    def sparql(self) -> str:
        return self.base + "/sparql"


@contextmanager
def in_process(root: Path, store: Path, **env: str) -> Iterator[InProcess]:
    """What `azkg serve --store STORE` serves with the AZKG_* settings in `env`."""
    environment = {**os.environ, **{f"AZKG_{k.upper()}": v for k, v in env.items()}}
    app = asgi_app(Paths(root), ServiceSettings.from_environment(environment), store)
    with running_app(app) as loop, httpx.Client(transport=_Transport(app, loop), base_url=BASE, timeout=SECONDS) as http:
        yield InProcess(BASE, http)


class _Loop:
    """An event loop in a thread; the test's thread hands it coroutines and waits for their results."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="in-process app", daemon=True)
        self.thread.start()

    def run(self, coroutine: Coroutine[Any, Any, Any]) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(SECONDS)

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(SECONDS)
        self.loop.close()


@contextmanager
def running_app(app: ASGIApp) -> Iterator[_Loop]:
    """The app between its lifespan's startup and shutdown (ASGI lifespan protocol)."""
    loop = _Loop()
    inbox: asyncio.Queue[Message] = asyncio.Queue()
    outbox: asyncio.Queue[Message] = asyncio.Queue()
    scope = {"type": "lifespan", "asgi": {"version": "3.0", "spec_version": "2.0"}, "state": {}}

    async def start() -> asyncio.Task:
        return asyncio.create_task(app(scope, inbox.get, outbox.put))

    async def step(message: str) -> None:
        await inbox.put({"type": f"lifespan.{message}"})
        answer = await outbox.get()
        if answer["type"] != f"lifespan.{message}.complete":
            raise RuntimeError(f"the app's lifespan {message} failed: {answer.get('message', '')}")

    try:
        task = loop.run(start())
        loop.run(step("startup"))
        try:
            yield loop
        finally:
            loop.run(step("shutdown"))
            loop.run(asyncio.wait_for(task, SECONDS))
    finally:
        loop.close()


class _Transport(httpx.BaseTransport):
    """Each request run on the app's loop; the response handed back whole, its body as sent (raw)."""

    def __init__(self, app: ASGIApp, loop: _Loop):
        # a failure reaches the client as the app's 500, as from a real server, not as an exception
        self.asgi = httpx.ASGITransport(app, raise_app_exceptions=False, client=("127.0.0.1", 50000))
        self.loop = loop

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        request.read()
        status, headers, body = self.loop.run(self._exchange(request))
        return httpx.Response(status, headers=headers, stream=httpx.ByteStream(body), request=request)

    async def _exchange(self, request: httpx.Request) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
        response = await self.asgi.handle_async_request(request)
        assert isinstance(response.stream, httpx.AsyncByteStream)
        body = b"".join([chunk async for chunk in response.stream])
        return response.status_code, response.headers.raw, body
