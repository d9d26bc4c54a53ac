"""Turning a worker's messages (azkg.store.messages) into an HTTP answer, shared by the routers that run queries."""

from __future__ import annotations

from collections.abc import AsyncIterator

from azkg.store.messages import Answer, Chunk, Done, Failed, Head, Whole
from azkg.store.telemetry import rows_stated


async def first_message(messages: AsyncIterator[Answer]) -> Whole | Head:
    """The answer's first message; an error instead of an answer is raised (the pool raises its own)."""
    message = await anext(messages)
    if isinstance(message, Failed):
        raise message.error()
    assert isinstance(message, Whole | Head), message  # a worker's first message is one of these
    if isinstance(message, Whole) and message.rows is not None:
        rows_stated(message.rows)  # a streamed answer states its rows in its Done
    return message


async def body_chunks(messages: AsyncIterator[Answer]) -> AsyncIterator[bytes]:
    """The answer's chunks; a failure after the head ends the connection without a clean end, so a
    client sees an incomplete answer as an error, never as a complete-looking 200. So does a cut found
    only after the head went out without its truncation link."""
    async for message in messages:
        if isinstance(message, Chunk):
            yield message.data
        elif isinstance(message, Failed):
            raise ConnectionAbortedError(message.message)
        elif isinstance(message, Done):
            rows_stated(message.rows)
            if message.cut:
                raise ConnectionAbortedError(f"the answer was cut at {message.rows} rows (setting max_rows)")
            return


async def whole_answer(messages: AsyncIterator[Answer]) -> bytes:
    """The complete answer in memory, for the routers that read it themselves (small by construction)."""
    first = await first_message(messages)
    if isinstance(first, Whole):
        return first.body
    chunks = []
    async for message in messages:
        if isinstance(message, Chunk):
            chunks.append(message.data)
        elif isinstance(message, Failed):
            raise message.error()
    return b"".join(chunks)


def client_address(scope) -> str:
    """Whom a query is queued for (clients take turns): the peer's address (a proxy in front is one client)."""
    peer = scope.get("client")
    return peer[0] if peer else ""
