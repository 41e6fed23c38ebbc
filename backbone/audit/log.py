"""Appending to the audit log inside the caller's transaction, and the entry's hashes."""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import asyncpg
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session
from sqlalchemy.util import await_only

from backbone.auth.principal import ORIGIN, PRINCIPAL
from backbone.telemetry import current_traceparent, trace_id_of

CHAINED = (
    "seq",
    "occurred_at",
    "tenant",
    "actor_kind",
    "actor_roles",
    "actor_country",
    "actor_agency",
    "action",
    "object_type",
    "object_id",
    "handling",
    "trace_id",
    "details",
    "personal_digest",
    "prev_hash",
)
"""Chain version 1 (entries the service hashed itself, before `backbone.audit.sealing`): the fields an entry's
hash covers, in this order; the personal ones only through `personal_digest`. Still verified, never written."""


def canonical(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str).encode()


def personal_digest(subject: str | None, source_ip: str | None, salt: str) -> str:
    return hashlib.sha256(canonical({"subject": subject, "source_ip": source_ip, "salt": salt})).hexdigest()


def entry_hash(entry: dict[str, Any]) -> str:
    fields = dict(entry)
    occurred = fields["occurred_at"]
    fields["occurred_at"] = (
        occurred.astimezone(UTC).isoformat() if isinstance(occurred, datetime) else occurred
    )
    return hashlib.sha256(canonical([fields[name] for name in CHAINED])).hexdigest()


@dataclass(frozen=True)
class Actor:
    kind: str
    roles: str
    country: str | None
    agency: str | None
    subject: str | None
    source_ip: str | None

    @classmethod
    def current(cls) -> Actor:
        """The request's caller, or the platform itself (relays, consumers, workflows without a request)."""
        principal = PRINCIPAL.get()
        if principal is None:
            return cls("system", "", None, None, None, None)
        return cls(
            principal.kind,
            ",".join(sorted(principal.roles)),
            principal.country,
            principal.agency,
            principal.subject,
            ORIGIN.get(),
        )


_PENDING = "backbone.audit.pending"
_APPEND = "SELECT audit_append($1::jsonb)"


def entry_of(
    *,
    action: str,
    object_type: str | None,
    object_id: str | None,
    tenant: str | None,
    handling: str | None,
    details: dict[str, Any] | None,
) -> dict[str, Any]:
    """What the service states about a change (the database numbers, times, chains and hashes it)."""
    actor = Actor.current()
    salt = secrets.token_hex(16)
    return {
        "tenant": tenant or actor.country,
        "actor_kind": actor.kind,
        "actor_roles": actor.roles,
        "actor_country": actor.country,
        "actor_agency": actor.agency,
        "action": action,
        "object_type": object_type,
        "object_id": object_id,
        "handling": handling,
        "trace_id": trace_id_of(current_traceparent()),
        "details": details or {},
        "personal_digest": personal_digest(actor.subject, actor.source_ip, salt),
        "actor_subject": actor.subject,
        "source_ip": actor.source_ip,
        "personal_salt": salt,
    }


async def append(
    session: AsyncSession,
    *,
    action: str,
    object_type: str | None,
    object_id: str | None,
    tenant: str | None = None,
    handling: str | None = None,
    details: dict[str, Any] | None = None,
) -> None:
    """Add an entry to the session's open transaction: it is chained and written when the transaction commits
    and dropped when it rolls back.

    The database chains them inside the COMMIT itself: the lock on the chain's head (which serialises appends, so
    the chain is linear) is held for the commit only, and always taken after any lock the use case took.
    """
    if not session.in_transaction():
        raise RuntimeError("audit entries are written inside the audited transaction")
    entry = entry_of(
        action=action,
        object_type=object_type,
        object_id=object_id,
        tenant=tenant,
        handling=handling,
        details=details,
    )
    session.sync_session.info.setdefault(_PENDING, []).append(entry)


@event.listens_for(Session, "before_commit")
def _seal_pending(session: Session) -> None:
    pending: list[dict[str, Any]] = session.info.pop(_PENDING, [])
    if not pending:
        return
    # The database numbers, times, chains and hashes them inside COMMIT (backbone.audit.sealing): the service only
    # states them. Sent through the driver, as the outbox rows are (`backbone.db.driver_connection` says why).
    driver: asyncpg.Connection = session.connection().connection.driver_connection
    await_only(driver.execute(_APPEND, canonical(pending).decode()))


@event.listens_for(Session, "after_rollback")
def _drop_pending(session: Session) -> None:
    session.info.pop(_PENDING, None)


async def record_change(
    session: AsyncSession,
    *,
    event_type: str,
    object_type: str,
    object_id: str,
    tenant: str | None,
    handling: str | None,
) -> None:
    """Every state change announces itself with an event: the event's type names the change."""
    await append(
        session,
        action=event_type,
        object_type=object_type,
        object_id=object_id,
        tenant=tenant,
        handling=handling,
    )


async def record_read(
    session: AsyncSession,
    *,
    object_type: str,
    object_ids: list[str],
    handling: str | None,
    tenant: str | None = None,
) -> None:
    """A read of content above `public` (one entry per request, naming every object it returned)."""
    if handling == "public" or not object_ids:
        return
    await append(
        session,
        action=f"read:{object_type}",
        object_type=object_type,
        object_id=object_ids[0] if len(object_ids) == 1 else None,
        tenant=tenant,
        handling=handling,
        details={"object_ids": object_ids} if len(object_ids) > 1 else {},
    )
