"""Turning a worker's messages into an HTTP answer, shared by the routers that run queries."""

from __future__ import annotations

from collections.abc import AsyncIterator

from azkg.errors import (
    AnswerTruncatedError,
    QueryError,
    QueryTimeoutError,
    ServiceDisabledError,
    TooManyRequestsError,
)
from azkg.store.pool import DeadlineError, PoolBusyError
from azkg.store.telemetry import rows_stated

WORKER_ERRORS = {"service_disabled": ServiceDisabledError, "answer_truncated": AnswerTruncatedError}


async def first_message(messages: AsyncIterator[tuple], timeout: float) -> tuple:
    try:
        message = await anext(messages)
    except DeadlineError:
        raise QueryTimeoutError(timeout_message(timeout)) from None
    except PoolBusyError as err:
        raise TooManyRequestsError(str(err), {"Retry-After": str(err.retry_after)}) from None
    if message[0] == "error":
        _, status, code, text = message
        if code == "query_timeout":
            raise QueryTimeoutError(timeout_message(timeout))
        if code in WORKER_ERRORS:
            raise WORKER_ERRORS[code](text)
        if status == 400:
            raise QueryError(text)
        raise RuntimeError(text)
    return message


async def body_chunks(messages: AsyncIterator[tuple]) -> AsyncIterator[bytes]:
    """The answer's chunks; a failure after the head ends the connection without a clean end, so a
    client sees an incomplete answer as an error, never as a complete-looking 200. So does a cut found
    only after the head went out without its truncation link."""
    async for message in messages:
        if message[0] == "data":
            yield message[1]
        elif message[0] == "abort":
            raise ConnectionAbortedError(message[1])
        elif message[0] == "end":
            rows_stated(message[1])
            if message[2]:
                raise ConnectionAbortedError(f"the answer was cut at {message[1]} rows (setting max_rows)")
            return


async def whole_answer(messages: AsyncIterator[tuple], timeout: float) -> bytes:
    """The complete answer in memory, for the routers that read it themselves (small by construction)."""
    first = await first_message(messages, timeout)
    if first[0] == "whole":
        return first[3]
    chunks = []
    async for message in messages:
        if message[0] == "data":
            chunks.append(message[1])
        elif message[0] == "abort":
            raise RuntimeError(message[1])
    return b"".join(chunks)


def client_address(scope) -> str:
    """Whom a query is queued for (clients take turns): the peer's address (a proxy in front is one client)."""
    peer = scope.get("client")
    return peer[0] if peer else ""


def timeout_message(timeout: float) -> str:
    return (
        f"the query ran longer than its time limit of {timeout:g} s and was stopped; the limit is the "
        "setting query_timeout (environment variable AZKG_QUERY_TIMEOUT), which a request may lower "
        "with the timeout parameter"
    )
