"""Health of the processes without an API (relays, consumers, the worker, the national feed), for Kubernetes'
probes, and their Prometheus metrics, on one small HTTP port:

- `GET /healthz` (liveness): the process's main loop came round recently. A loop wedged for longer than
  `stall_seconds` answers 503 and gets the pod restarted.
- `GET /readyz` (readiness): its dependencies answered on the last pass (database, broker, Temporal).
- `GET /metrics`: the process's Prometheus metrics.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

log = logging.getLogger(__name__)


class Health:
    """What the loop reports: `beat()` each time round, `ready(bool)` after talking to its dependencies."""

    def __init__(self, *, stall_seconds: float = 60) -> None:
        self.stall_seconds = stall_seconds
        self._last_beat = time.monotonic()
        self._ready = False
        self.reason = "starting"

    def beat(self) -> None:
        self._last_beat = time.monotonic()

    def ready(self, ok: bool, reason: str = "") -> None:
        self._ready, self.reason = ok, reason or ("connected" if ok else "not connected")
        self.beat()

    @property
    def alive(self) -> bool:
        return time.monotonic() - self._last_beat < self.stall_seconds

    @property
    def is_ready(self) -> bool:
        return self._ready and self.alive


async def _answer(health: Health, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        request = await asyncio.wait_for(reader.readline(), timeout=5)
        while (await asyncio.wait_for(reader.readline(), timeout=5)) not in (b"\r\n", b"\n", b""):
            pass  # headers: nothing in them matters here
        parts = request.decode("latin-1").split()
        path = parts[1].split("?", 1)[0] if len(parts) > 1 else ""
        if path == "/healthz":
            status, body, kind = (
                (200 if health.alive else 503),
                b"alive" if health.alive else b"stalled",
                "text/plain",
            )
        elif path == "/readyz":
            ok = health.is_ready
            status, body, kind = (200 if ok else 503), health.reason.encode(), "text/plain"
        elif path == "/metrics":
            status, body, kind = 200, generate_latest(), CONTENT_TYPE_LATEST
        else:
            status, body, kind = 404, b"not found", "text/plain"
        reason = {200: "OK", 404: "Not Found", 503: "Service Unavailable"}[status]
        writer.write(
            f"HTTP/1.1 {status} {reason}\r\nContent-Type: {kind}\r\nContent-Length: {len(body)}\r\n"
            "Connection: close\r\n\r\n".encode()
            + body
        )
        await writer.drain()
    except (TimeoutError, ConnectionError):
        pass
    finally:
        with contextlib.suppress(Exception):
            writer.close()


@contextlib.asynccontextmanager
async def serving(health: Health, *, host: str, port: int | None) -> AsyncIterator[int | None]:
    """Serve the probes and metrics on `port` (0: any free one; None: not at all) while the block runs."""
    if port is None:
        yield None
        return
    server = await asyncio.start_server(lambda r, w: _answer(health, r, w), host, port)
    bound = int(server.sockets[0].getsockname()[1])
    log.info("health and metrics served", extra={"port": bound})
    try:
        yield bound
    finally:
        server.close()
