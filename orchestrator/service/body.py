"""Reading a request's raw body with a size limit and a deadline.

Webhook signatures cover the raw bytes, so routes read the body themselves, never through
a parsed model first. A body over the limit is refused as soon as it is declared or seen
(413), a client that sends too slowly is cut off (408): neither has written anything.
"""

from __future__ import annotations

import asyncio

from starlette.requests import ClientDisconnect, Request

from orchestrator.service.problems import Problem


async def read_body(request: Request, limit: int, timeout_s: float) -> bytes:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise Problem(413, f"body over {limit} bytes")
    chunks: list[bytes] = []
    size = 0
    try:
        async with asyncio.timeout(timeout_s):
            async for chunk in request.stream():
                size += len(chunk)
                if size > limit:
                    raise Problem(413, f"body over {limit} bytes")
                chunks.append(chunk)
    except TimeoutError:
        raise Problem(408, f"body not received within {timeout_s:g} s") from None
    except ClientDisconnect:
        raise Problem(400, "client went away before sending the whole body") from None
    return b"".join(chunks)
