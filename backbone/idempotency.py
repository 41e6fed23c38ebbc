"""`Idempotency-Key` on state-changing POSTs: a repeat returns the first result and changes nothing.

The key row is inserted inside the use case's transaction. A concurrent request with the same key blocks on
the key's unique index until the first commits, then replays its stored response; if the first rolled back,
the second proceeds as the first. Reusing a key with a different body is a 422.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Header
from fastapi.responses import JSONResponse
from sqlalchemy.ext.asyncio import AsyncSession

from backbone.auth.principal import CALLER
from backbone.db import driver_connection, idempotency_table
from backbone.errors import DomainError

_KEY_PATTERN = re.compile(r"^[A-Za-z0-9._:\-]{8,200}$")


class IdempotencyKeyReused(DomainError):
    status, code, title = 422, "idempotency_key_reused", "Idempotency key reused with a different request"


class InvalidIdempotencyKey(DomainError):
    status, code, title = 400, "invalid_idempotency_key", "Invalid Idempotency-Key header"


@dataclass(frozen=True)
class StoredResponse:
    status_code: int
    body: Any
    headers: dict[str, str]


@dataclass(frozen=True)
class IdempotentRequest:
    scope: str
    key: str
    fingerprint: str

    async def claim(self, session: AsyncSession) -> StoredResponse | None:
        """Claim the key in the open transaction; returns the first response when this is a repeat."""
        driver = await driver_connection(session)
        if await driver.fetchval(_CLAIM, self.scope, self.key, self.fingerprint) is not None:
            return None
        row = await driver.fetchrow(_CLAIMED, self.scope, self.key)
        if row["request_fingerprint"] != self.fingerprint:
            raise IdempotencyKeyReused(
                "This Idempotency-Key was already used with a different request body; use a new key.",
            )
        return StoredResponse(
            row["status_code"], _json(row["response_body"]), dict(_json(row["response_headers"]) or {})
        )

    async def remember(
        self, session: AsyncSession, *, status_code: int, body: Any, headers: dict[str, str] | None = None
    ) -> None:
        driver = await driver_connection(session)
        await driver.execute(
            _REMEMBER, self.scope, self.key, status_code, json.dumps(body), json.dumps(headers or {})
        )


# Every idempotent write runs these: straight to the driver, as the outbox rows (`backbone.db.driver_connection`).
_CLAIM = (
    f"INSERT INTO {idempotency_table.name} (scope, key, request_fingerprint) VALUES ($1, $2, $3) "
    "ON CONFLICT DO NOTHING RETURNING key"
)
_CLAIMED = (
    "SELECT request_fingerprint, status_code, response_body::text, response_headers::text "
    f"FROM {idempotency_table.name} WHERE scope = $1 AND key = $2"
)
_REMEMBER = (
    f"UPDATE {idempotency_table.name} SET status_code = $3, response_body = $4::jsonb, "
    "response_headers = $5::jsonb WHERE scope = $1 AND key = $2"
)


def _json(value: str | None) -> Any:
    """A JSONB column read as text: whatever codec the connection has, a JSON string stays a string."""
    return None if value is None else json.loads(value)


@dataclass(frozen=True)
class Outcome:
    """What a state-changing use case answers: remembered under its Idempotency-Key, replayed on a repeat."""

    status_code: int
    body: Any
    headers: dict[str, str] | None = None
    replayed: bool = False


async def answer_once(
    session: AsyncSession, idempotency: IdempotentRequest | None, action: Callable[[], Awaitable[Outcome]]
) -> Outcome:
    """Run `action` inside the open transaction, unless this request was already answered: then replay that."""
    if idempotency is not None and (prior := await idempotency.claim(session)) is not None:
        return Outcome(prior.status_code, prior.body, prior.headers, replayed=True)
    outcome = await action()
    if idempotency is not None:
        await idempotency.remember(
            session, status_code=outcome.status_code, body=outcome.body, headers=outcome.headers
        )
    return outcome


def outcome_response(outcome: Outcome) -> JSONResponse:
    headers = dict(outcome.headers or {})
    if outcome.replayed:
        headers["Idempotent-Replayed"] = "true"
    return JSONResponse(outcome.body, status_code=outcome.status_code, headers=headers)


def fingerprint(payload: Any) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


def idempotent_request(scope: str, key: str | None, payload: Any) -> IdempotentRequest | None:
    if key is None:
        return None
    if not _KEY_PATTERN.match(key):
        raise InvalidIdempotencyKey(
            "Idempotency-Key must be 8 to 200 characters of letters, digits, '.', '_', ':' or '-'.",
            errors=[
                {
                    "field": "Idempotency-Key",
                    "in": "header",
                    "code": "invalid_format",
                    "message": "8-200 characters [A-Za-z0-9._:-]",
                }
            ],
        )
    # Keys are the caller's: another caller reusing one (by chance or by guessing) never gets the stored answer.
    caller = CALLER.get()
    return IdempotentRequest(
        scope=f"{scope}|{hashlib.sha256(caller.encode()).hexdigest()[:16]}" if caller else scope,
        key=key,
        fingerprint=fingerprint(payload),
    )


IdempotencyKeyHeader = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        description="Makes the POST safe to retry: a repeat returns the first result.",
    ),
]
