"""Abuse and overload limits every service applies: request size, request rate per client, requests in flight.

Size: a body larger than `max_request_bytes` is refused with 413 before it is read whole, whether the client
announced its length or streams it in chunks. Rate: a token bucket per authenticated client (the token's
subject) refills at `rate_limit_per_minute` with room for `rate_limit_burst`; an empty bucket answers 429 with
`Retry-After`. The buckets live in the process: with N replicas a client gets up to N times the rate, which
bounds abuse without a shared store; a gateway in front enforces the exact global figure where that matters.
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from fastapi import Request
from prometheus_client import Counter, Gauge

from backbone.auth.http import CurrentPrincipal
from backbone.errors import DomainError, problem

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


class TooManyRequests(DomainError):
    status, code, title = 429, "rate_limited", "Too many requests"


class BodySizeLimit:
    """ASGI middleware: 413 problem+json for bodies over the limit (announced or streamed)."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app, self.max_bytes = app, max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers", [])).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(scope, receive, send)
            return
        seen, refused = 0, False

        async def counted() -> Message:
            # Past the limit the 413 goes out at once and the application sees the client leave.
            nonlocal seen, refused
            if refused:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    refused = True
                    await self._refuse(scope, receive, send)
                    return {"type": "http.disconnect"}
            return message

        async def unless_refused(message: Message) -> None:
            if not refused:
                await send(message)

        try:
            await self.app(scope, counted, unless_refused)
        except Exception:
            if not refused:
                raise
            # The application's complaint about the vanished client: the caller already has its 413.

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = problem(
            413,
            "request_too_large",
            "Request too large",
            f"Request bodies are limited to {self.max_bytes} bytes.",
            instance=scope.get("path"),
        )
        await response(scope, receive, send)


class RateLimiter:
    def __init__(self, per_minute: int, burst: int, *, max_clients: int = 100_000) -> None:
        self.rate = per_minute / 60.0
        self.burst = float(burst)
        self.max_clients = max_clients
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()

    def take(self, client: str, *, now: float | None = None) -> float:
        """0 when the request may go ahead, else the seconds until it may."""
        now = time.monotonic() if now is None else now
        tokens, updated = self._buckets.pop(client, (self.burst, now))
        tokens = min(self.burst, tokens + (now - updated) * self.rate)
        wait = 0.0
        if tokens >= 1:
            tokens -= 1
        else:
            wait = (1 - tokens) / self.rate
        self._buckets[client] = (tokens, now)
        while len(self._buckets) > self.max_clients:  # forget the least recently seen client
            self._buckets.popitem(last=False)
        return wait


async def rate_limit(request: Request, principal: CurrentPrincipal) -> None:
    """A route dependency, after authentication: one bucket per token subject (or per address without auth)."""
    _take(request, principal.subject if principal else None)


async def anonymous_rate_limit(request: Request) -> None:
    """For the few routes anyone may call without a token (e.g. a credential's status): one bucket per address."""
    _take(request, None)


def _take(request: Request, subject: str | None) -> None:
    limiter: RateLimiter = request.app.state.rate_limiter
    client = subject or f"ip:{request.client.host if request.client else '?'}"
    wait = limiter.take(client)
    if wait > 0:
        raise TooManyRequests(
            "Slow down: this client has used its request budget.",
            headers={"Retry-After": str(max(1, math.ceil(wait)))},
        )


SHED = Counter("http_requests_shed_total", "Requests refused with 503 because the process was at capacity")
IN_FLIGHT = Gauge("http_requests_in_flight", "Requests this process is working on")


class InFlightLimit:
    """ASGI middleware: at most `limit` requests in progress; past it, 503 problem+json with Retry-After at once.

    Without it an overloaded process queues every request it accepts: latency and memory grow without bound and
    callers time out on work that then completes anyway. Shedding at the door keeps the work it accepted fast and
    tells the others to come back. Probes and metrics are never shed (an orchestrator must still see the
    process)."""

    EXEMPT = frozenset({"/healthz", "/readyz", "/metrics"})

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app, self.limit = app, limit
        self.in_flight = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("path") in self.EXEMPT:
            await self.app(scope, receive, send)
            return
        if self.in_flight >= self.limit:
            SHED.inc()
            response = problem(
                503,
                "overloaded",
                "Overloaded",
                "The service is at capacity; retry after the delay (the request was not processed).",
                instance=scope.get("path"),
                headers={"Retry-After": "1"},
            )
            await response(scope, receive, send)
            return
        self.in_flight += 1
        IN_FLIGHT.set(self.in_flight)
        try:
            await self.app(scope, receive, send)
        finally:
            self.in_flight -= 1
            IN_FLIGHT.set(self.in_flight)


class TraceIdHeader:
    """ASGI middleware: the response's `X-Trace-Id`, so a caller can quote it and find its request in logs and in
    the events it caused. (Plain ASGI: Starlette's `BaseHTTPMiddleware` costs a task and a stream per request.)"""

    def __init__(self, app: ASGIApp, current_trace_id: Callable[[], str | None]) -> None:
        self.app, self.current_trace_id = app, current_trace_id

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_trace_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                trace_id = self.current_trace_id()
                if trace_id:
                    message["headers"] = [*message.get("headers", []), (b"x-trace-id", trace_id.encode())]
            await send(message)

        await self.app(scope, receive, with_trace_id)
