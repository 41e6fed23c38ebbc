"""`GET /audit`: the audit trail of the caller's country in this service, for its auditors: what was done to its
data, by anyone, and what its own people did to anyone's."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field
from sqlalchemy import select

from backbone.app import SessionDep
from backbone.audit.schema import audit_log_table
from backbone.auth.http import CurrentPrincipal
from backbone.pagination import Cursor, Limit, Page, decode_sequence_cursor, encode_cursor

AUDITORS = frozenset({"auditor"})
"""The roles the route's policy rule names (each service lists the route in its policy table)."""


class AuditEntryOut(BaseModel):
    seq: int
    occurred_at: datetime
    tenant: str | None = Field(description="Whose data: the country that owns the object")
    actor_kind: str = Field(description="user, client, or system (the platform's own work)")
    actor_roles: str
    actor_country: str | None
    actor_agency: str | None
    actor_subject: str | None = Field(description="Null once the retention purge has run")
    source_ip: str | None = Field(description="Null once the retention purge has run")
    action: str = Field(description="The event type of a change, or read:<object type>")
    object_type: str | None
    object_id: str | None
    handling: str | None
    trace_id: str | None
    details: dict[str, Any]
    hash: str


router = APIRouter()


@router.get(
    "/audit",
    response_model=Page[AuditEntryOut],
    tags=["audit"],
    summary="The audit trail of your country's data and of your country's actors in this service, oldest first "
    "(auditors)",
)
async def audit_trail(
    session: SessionDep,
    principal: CurrentPrincipal,
    limit: Limit = 50,
    cursor: Cursor = None,
    object_type: Annotated[str | None, Query(max_length=60)] = None,
    object_id: Annotated[str | None, Query(max_length=100)] = None,
) -> Page[AuditEntryOut]:
    t = audit_log_table.c
    query = select(audit_log_table).order_by(t.seq).limit(limit + 1)
    # Row-level security confines the entries to those filed under the caller's country, as owner or as actor
    # (with authentication off, development only, the platform's view: every entry).
    if object_type:
        query = query.where(t.object_type == object_type)
    if object_id:
        query = query.where(t.object_id == object_id)
    if cursor:
        query = query.where(t.seq > decode_sequence_cursor(cursor))
    async with session.begin():
        rows = list((await session.execute(query)).mappings())
    more = len(rows) > limit
    rows = rows[:limit]
    return Page[AuditEntryOut](
        items=[AuditEntryOut.model_validate(dict(r)) for r in rows],
        next_cursor=encode_cursor([rows[-1]["seq"]]) if more else None,
        limit=limit,
    )
