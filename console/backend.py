"""The services' APIs, called with the signed-in person's token (the console adds no privilege of its own)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import httpx

from console.session import Session
from console.settings import ConsoleSettings


@dataclass
class ApiProblem(Exception):
    """A problem+json answer: its status, stable code, detail and field errors, shown on the page."""

    status: int
    code: str
    detail: str
    errors: list[dict[str, Any]] = field(default_factory=list)

    @property
    def page_status(self) -> int:
        """The status of the page that shows this refusal: the API's own, or 502 for its failures."""
        return self.status if self.status < 500 else 502

    def error_for(self, name: str) -> str | None:
        return next((e.get("message") for e in self.errors if e.get("field") == name), None)


class SessionExpired(Exception):
    """The API refused the token (expired or revoked): the person signs in again."""


class Backend:
    def __init__(self, settings: ConsoleSettings, transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.clients = {
            name: httpx.AsyncClient(
                base_url=getattr(settings, f"{name}_url"),
                timeout=settings.api_timeout_seconds,
                transport=transport,
            )
            for name in ("partners", "training", "incidents", "assessment", "finance")
        }

    async def close(self) -> None:
        for client in self.clients.values():
            await client.aclose()

    async def call(
        self,
        session: Session | None,
        service: str,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: dict[str, Any] | None = None,
        idempotency_key: str | None = None,
    ) -> Any:
        headers = {"Accept": "application/json"}
        if session is not None:
            headers["Authorization"] = f"Bearer {session.access_token}"
            headers["Accept-Language"] = session.locale
        if idempotency_key is not None:
            headers["Idempotency-Key"] = idempotency_key
        answer = await self.clients[service].request(method, path, json=json, params=params, headers=headers)
        if answer.status_code == 401 and session is not None:
            raise SessionExpired()
        if answer.status_code >= 400:
            raise problem_of(answer)
        return answer.json() if answer.content else None

    async def get(self, session: Session | None, service: str, path: str, **params: Any) -> Any:
        return await self.call(session, service, "GET", path, params=params or None)


def problem_of(answer: httpx.Response) -> ApiProblem:
    try:
        body = answer.json()
    except ValueError:
        body = {}
    if not isinstance(body, dict):
        body = {}
    return ApiProblem(
        status=answer.status_code,
        code=str(body.get("code") or "error"),
        detail=str(body.get("detail") or body.get("title") or answer.reason_phrase),
        errors=list(body.get("errors") or []),
    )
