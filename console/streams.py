"""Server-sent event streams of live pages: listen for the ids a page shows, let the page re-read what changed
with its viewer's token, keep the connection alive, stop when the viewer leaves or the session ends."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable

from fastapi import Request
from fastapi.responses import StreamingResponse

from console.live import Broadcaster
from console.session import Session

HEARTBEAT_SECONDS = 15.0


def live_response(
    request: Request,
    session: Session,
    keys: set[str],
    updates: Callable[[frozenset[str]], AsyncIterator[str]],
) -> StreamingResponse:
    """`updates(ids)`: the events for the ids (of `keys`) a signal is about."""
    broadcaster: Broadcaster = request.app.state.broadcaster

    async def stream() -> AsyncIterator[str]:
        async with broadcaster.listen(keys) as signals:
            yield "retry: 3000\n\n"
            while not session.expired:
                if await request.is_disconnected():
                    return
                try:
                    signal = await asyncio.wait_for(signals.get(), HEARTBEAT_SECONDS)
                except TimeoutError:
                    yield ": still here\n\n"
                    continue
                async for event in updates(signal.about & keys):
                    yield event

    return StreamingResponse(
        stream(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )
