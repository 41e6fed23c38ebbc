"""Load shedding at the door: past the in-flight limit a request gets 503 problem+json with Retry-After at once,
the requests already in progress finish, and probes are never shed."""

from __future__ import annotations

import asyncio

import httpx
from fastapi import FastAPI

from backbone.limits import InFlightLimit, TraceIdHeader


def slow_app(release: asyncio.Event) -> FastAPI:
    app = FastAPI()

    @app.get("/work")
    async def work() -> dict[str, bool]:
        await release.wait()
        return {"done": True}

    @app.get("/readyz")
    async def ready() -> dict[str, bool]:
        return {"ready": True}

    app.add_middleware(TraceIdHeader, current_trace_id=lambda: "0af7651916cd43dd8448eb211c80319c")
    app.add_middleware(InFlightLimit, limit=2)
    return app


async def test_past_the_limit_requests_are_shed_with_retry_after_and_the_others_finish() -> None:
    release = asyncio.Event()
    transport = httpx.ASGITransport(app=slow_app(release))
    async with httpx.AsyncClient(transport=transport, base_url="http://svc") as client:
        working = [asyncio.create_task(client.get("/work")) for _ in range(2)]
        await asyncio.sleep(0.05)  # both are in progress
        shed = await client.get("/work")
        assert shed.status_code == 503
        assert shed.headers["content-type"].startswith("application/problem+json")
        assert shed.headers["retry-after"] == "1"
        assert shed.json()["code"] == "overloaded"
        probe = await client.get("/readyz")
        assert probe.status_code == 200, "probes are never shed"
        release.set()
        done = await asyncio.gather(*working)
        assert [r.status_code for r in done] == [200, 200]
        assert done[0].headers["x-trace-id"] == "0af7651916cd43dd8448eb211c80319c"
        again = await client.get("/work")
        assert again.status_code == 200, "capacity is given back when requests finish"
