"""The FastAPI application every service is built from: lifespan, health, readiness, metrics, errors."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Annotated, Any

from aiokafka.admin import AIOKafkaAdminClient
from fastapi import APIRouter, Depends, FastAPI, Request, params
from fastapi.responses import JSONResponse, PlainTextResponse
from fastapi_offline import FastAPIOffline
from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from temporalio.client import Client as TemporalClient

from backbone import telemetry
from backbone.auth.http import authenticate, verifier_for
from backbone.auth.tokens import TokenVerifier
from backbone.db import NO_TENANT, SYSTEM_TENANT, TENANT, create_engine, create_sessionmaker
from backbone.errors import DependencyUnavailable, install_problem_handlers, problem
from backbone.kafka import client_options
from backbone.limits import (
    BodySizeLimit,
    InFlightLimit,
    RateLimiter,
    TraceIdHeader,
    anonymous_rate_limit,
    rate_limit,
)
from backbone.outbox.relay import BACKLOG_AGE, BACKLOG_ROWS
from backbone.settings import ServiceSettings

log = logging.getLogger(__name__)


@dataclass
class ServiceRuntime:
    settings: ServiceSettings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    verifier: TokenVerifier
    _temporal: TemporalClient | None = None
    _temporal_lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    async def temporal(self) -> TemporalClient:
        """Connected on first use, so the API starts (and reports not-ready) while Temporal is down."""
        async with self._temporal_lock:
            if self._temporal is None:
                from backbone.temporal import connect_client

                try:
                    self._temporal = await asyncio.wait_for(connect_client(self.settings), timeout=5)
                except Exception as exc:
                    raise DependencyUnavailable("Temporal is not reachable; retry later.") from exc
            return self._temporal


def runtime(request: Request) -> ServiceRuntime:
    return request.app.state.runtime  # type: ignore[no-any-return]


async def session(request: Request) -> AsyncIterator[AsyncSession]:
    async with runtime(request).sessions() as s:
        yield s


SessionDep = Annotated[AsyncSession, Depends(session)]
RuntimeDep = Annotated[ServiceRuntime, Depends(runtime)]


@asynccontextmanager
async def platform_session(rt: ServiceRuntime) -> AsyncIterator[AsyncSession]:
    """Reads across countries, for aggregates or public figures only, after the route's policy admitted the
    caller."""
    token = TENANT.set(SYSTEM_TENANT)
    try:
        async with rt.sessions() as session:
            yield session
    finally:
        TENANT.reset(token)


async def _check_database(rt: ServiceRuntime) -> None:
    async with rt.engine.connect() as conn:
        await conn.execute(text("SELECT 1"))


async def _check_kafka(rt: ServiceRuntime) -> None:
    admin = AIOKafkaAdminClient(**client_options(rt.settings), request_timeout_ms=3000)
    await admin.start()
    try:
        await admin.describe_cluster()
    finally:
        await admin.close()


async def _check_temporal(rt: ServiceRuntime) -> None:
    client = await rt.temporal()
    await client.service_client.check_health(timeout=__import__("datetime").timedelta(seconds=3))


async def readiness(rt: ServiceRuntime) -> dict[str, str]:
    checks: dict[str, Any] = {"database": _check_database(rt), "kafka": _check_kafka(rt)}
    if rt.settings.uses_temporal:
        checks["temporal"] = _check_temporal(rt)
    names = list(checks)
    results = await asyncio.gather(
        *(asyncio.wait_for(c, timeout=5) for c in checks.values()), return_exceptions=True
    )
    return {
        name: ("ok" if not isinstance(r, BaseException) else f"unavailable: {type(r).__name__}")
        for name, r in zip(names, results, strict=True)
    }


async def _refresh_outbox_gauges(rt: ServiceRuntime) -> None:
    with contextlib.suppress(Exception):
        async with rt.engine.connect() as conn:
            row = (
                await conn.execute(
                    text(
                        "SELECT count(*), coalesce(extract(epoch FROM now() - min(created_at)), 0) "
                        "FROM outbox"
                    )
                )
            ).one()
        BACKLOG_ROWS.labels(rt.settings.service_name).set(row[0])
        BACKLOG_AGE.labels(rt.settings.service_name).set(float(row[1]))


def create_service_app(
    settings: ServiceSettings,
    *,
    title: str,
    description: str,
    routers: Sequence[APIRouter] = (),
    version: str = "0.1.0",
    authorize: params.Depends | None = None,
    public_routers: Sequence[APIRouter] = (),
    gauges: Sequence[Callable[[ServiceRuntime], Awaitable[None]]] = (),
) -> FastAPI:
    """`authorize`: the service's route rules (backbone.auth.policy), run after authentication.
    `public_routers`: routes anyone may call without a token (rate-limited per address), e.g. what an offline
    verifier needs; keep them few and free of tenant data. `gauges`: the service's own metrics, refreshed from
    its database when Prometheus scrapes (a failing one leaves its last value)."""
    telemetry.configure(settings, role="api")

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = create_engine(settings, tenant=NO_TENANT)  # each request names its tenant (auth, policy)
        app.state.runtime = ServiceRuntime(
            settings=settings,
            engine=engine,
            sessions=create_sessionmaker(engine),
            verifier=verifier_for(settings),
        )
        log.info("service started", extra={"port": settings.http_port})
        try:
            yield
        finally:
            await engine.dispose()

    # Docs assets served by the service itself: partner networks cannot be expected to reach a public CDN.
    app = FastAPIOffline(title=title, description=description, version=version, lifespan=lifespan)
    install_problem_handlers(app)

    @app.get("/healthz", tags=["operations"], summary="The process is up")
    async def healthz() -> dict[str, str]:
        return {"status": "ok", "service": settings.service_name}

    @app.get(
        "/readyz",
        tags=["operations"],
        summary="Database, Kafka and (where used) Temporal reachable",
        responses={503: {"description": "A dependency is unavailable"}},
    )
    async def readyz(request: Request) -> JSONResponse:
        checks = await readiness(runtime(request))
        if all(v == "ok" for v in checks.values()):
            return JSONResponse({"status": "ready", "service": settings.service_name, "checks": checks})
        return problem(
            503,
            "not_ready",
            "Not ready",
            "One or more dependencies are unavailable.",
            checks=checks,
            service=settings.service_name,
        )

    @app.get("/metrics", tags=["operations"], summary="Prometheus metrics", response_class=PlainTextResponse)
    async def metrics(request: Request) -> PlainTextResponse:
        await _refresh_outbox_gauges(runtime(request))
        for refresh in gauges:
            with contextlib.suppress(Exception):
                await refresh(runtime(request))
        return PlainTextResponse(generate_latest().decode(), media_type=CONTENT_TYPE_LATEST)

    app.state.rate_limiter = RateLimiter(settings.rate_limit_per_minute, settings.rate_limit_burst)
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_request_bytes)
    app.add_middleware(TraceIdHeader, current_trace_id=telemetry.current_trace_id)
    app.add_middleware(InFlightLimit, limit=settings.max_inflight_requests)
    for router in routers:
        guards = [Depends(authenticate), Depends(rate_limit), *([authorize] if authorize else [])]
        app.include_router(router, dependencies=guards)
    for router in public_routers:
        app.include_router(router, dependencies=[Depends(anonymous_rate_limit)])
    FastAPIInstrumentor.instrument_app(app, excluded_urls="healthz,readyz,metrics")
    return app
