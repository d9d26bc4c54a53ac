"""Reading request parameters and bodies strictly: UTF-8 checked, sizes capped, one value where one is due."""

from __future__ import annotations

from urllib.parse import parse_qsl

from starlette.requests import Request

from azkg.errors import PayloadTooLargeError, RequestError


def decode_params(raw: bytes, where: str) -> list[tuple[str, str]]:
    try:
        return parse_qsl(raw.decode("ascii"), keep_blank_values=True, encoding="utf-8", errors="strict")
    except UnicodeDecodeError:
        raise RequestError(f"{where} is not valid UTF-8 (after percent-decoding)") from None


def utf8(body: bytes, where: str) -> str:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as err:
        raise RequestError(f"{where} is not valid UTF-8 (byte {err.start})") from None


def only(params: list[tuple[str, str]], name: str) -> str:
    values = [value for key, value in params if key == name]
    if len(values) != 1:
        raise RequestError(f"give exactly one '{name}' parameter (got {len(values)})")
    return values[0]


async def read_body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise PayloadTooLargeError(f"the body has {declared} bytes; the limit is {limit} (setting max_body_bytes)")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise PayloadTooLargeError(f"the body is over {limit} bytes (setting max_body_bytes)")
        chunks.append(chunk)
    return b"".join(chunks)
