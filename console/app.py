"""The console's FastAPI app: sign-in, the pages, static assets served by the console itself (no CDN), security
headers, probes."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint

from console.backend import ApiProblem, Backend, SessionExpired
from console.live import Broadcaster, follow_events
from console.oidc import OpenIdClient
from console.pages import approvals, auth, drills, operations, partnerships, public
from console.pages.deps import CsrfRefused, SignInRequired
from console.rendering import render
from console.session import Sessions
from console.settings import ConsoleSettings, console_settings

STATIC = Path(__file__).parent / "static"
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "connect-src 'self'; frame-ancestors 'none'; form-action 'self' {issuer}; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}


def create_app(
    settings: ConsoleSettings | None = None, transport: httpx.AsyncBaseTransport | None = None
) -> FastAPI:
    settings = settings or console_settings()
    broadcaster = Broadcaster()
    live_ready = asyncio.Event()

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        follower = (
            asyncio.create_task(follow_events(settings, broadcaster, live_ready))
            if settings.live_updates
            else None
        )
        if follower is None:
            live_ready.set()
        try:
            yield
        finally:
            if follower is not None:
                follower.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await follower
            await app.state.backend.close()
            await app.state.oidc.http.aclose()

    app = FastAPI(
        title="Training backbone console", docs_url=None, redoc_url=None, openapi_url=None, lifespan=lifespan
    )
    app.state.settings = settings
    app.state.sessions = Sessions(settings)
    app.state.backend = Backend(settings, transport)
    app.state.oidc = OpenIdClient(settings, httpx.AsyncClient(timeout=settings.api_timeout_seconds))
    app.state.broadcaster = broadcaster
    app.state.live_ready = live_ready

    issuer_origin = (settings.issuer_public_url or settings.auth_issuer).rstrip("/")
    headers = {k: v.replace("{issuer}", issuer_origin) for k, v in SECURITY_HEADERS.items()}

    class SecurityHeaders(BaseHTTPMiddleware):
        async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
            response = await call_next(request)
            for name, value in headers.items():
                response.headers.setdefault(name, value)
            return response

    app.add_middleware(SecurityHeaders)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.include_router(auth.router)
    app.include_router(approvals.router)
    app.include_router(partnerships.router)
    app.include_router(operations.router)
    app.include_router(drills.router)
    app.include_router(public.router)

    @app.exception_handler(SessionExpired)
    async def expired(request: Request, exc: SessionExpired) -> Response:
        response = RedirectResponse(f"/auth/login?next={request.url.path}", status_code=303)
        app.state.sessions.clear(response)
        return response

    @app.exception_handler(SignInRequired)
    async def sign_in(request: Request, exc: SignInRequired) -> Response:
        return RedirectResponse(exc.location, status_code=303)

    @app.exception_handler(CsrfRefused)
    async def csrf(request: Request, exc: CsrfRefused) -> Response:
        session = app.state.sessions.read(request)
        refused = ApiProblem(403, "csrf_refused", "")
        return render(request, "problem.html", session, status_code=403, problem=refused)

    @app.exception_handler(ApiProblem)
    async def problem(request: Request, exc: ApiProblem) -> Response:
        session = app.state.sessions.read(request)
        status = exc.status if exc.status in (403, 404, 409, 422, 429, 503) else 502
        return render(request, "problem.html", session, status_code=status, problem=exc)

    @app.exception_handler(httpx.HTTPError)
    async def unreachable(request: Request, exc: httpx.HTTPError) -> Response:
        """A service that does not answer: a page saying so (503), never a bare 500."""
        session = app.state.sessions.read(request)
        down = ApiProblem(503, "service_unavailable", "")
        return render(request, "problem.html", session, status_code=503, problem=down)

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> JSONResponse:
        return JSONResponse({"status": "ok"})

    @app.get("/readyz", include_in_schema=False)
    async def readyz() -> JSONResponse:
        try:
            await app.state.oidc.discovery()
        except httpx.HTTPError as exc:
            return JSONResponse({"status": "unready", "issuer": str(exc)}, status_code=503)
        # Live tallies are an enhancement: without Kafka, pages still read and vote, so the console stays ready.
        return JSONResponse({"status": "ready", "live": live_ready.is_set()})

    return app
