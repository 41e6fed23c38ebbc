"""Where an incident may be declared: the training environments of the declaring partnership, learnt from
training's events. A facility or virtual lab belongs to a partnership once one of its cohorts is scheduled
there; a module once a version of one of its curricula that has the module is approved. An id from another
partnership (or none at all) is refused at declaration, so an incident never reaches another partnership's
cohorts, facilities or modules."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from backbone.errors import field_problem
from backbone.pagination import keyset_page_by
from contracts.envelope import EventEnvelope
from contracts.events.incidents import EnvironmentKind
from contracts.events.training import CohortScheduledV1, CurriculumApprovedV1, CurriculumRevisedV1
from services.incidents.incidents.schemas import EnvironmentOut
from services.incidents.models import KnownEnvironment

SITE = "site"
"""A facility or a virtual lab: training keeps both as facilities."""


def stored_kind(kind: EnvironmentKind) -> str:
    return SITE if kind in ("facility", "virtual_lab") else kind


async def _learn(session: AsyncSession, partnership_id: str, found: Iterable[tuple[str, str]]) -> None:
    rows = [
        {
            "partnership_id": uuid.UUID(partnership_id),
            "kind": kind,
            "environment_id": environment_id,
            "learnt_at": datetime.now(UTC),
        }
        for kind, environment_id in found
    ]
    if rows:
        await session.execute(pg_insert(KnownEnvironment).values(rows).on_conflict_do_nothing())


async def on_cohort_scheduled(session: AsyncSession, envelope: EventEnvelope) -> None:
    event = CohortScheduledV1.model_validate(envelope.data)
    found = [("cohort", event.cohort_id)]
    if event.facility_id:
        found.append((SITE, event.facility_id))
    await _learn(session, event.partnership_id, found)


async def on_curriculum_version(session: AsyncSession, envelope: EventEnvelope) -> None:
    """Approved first versions and revisions alike: every module ever approved stays a place of incidents."""
    model = CurriculumApprovedV1 if envelope.type == CurriculumApprovedV1.event_type else CurriculumRevisedV1
    event = model.model_validate(envelope.data)
    modules = [("module", f"{event.curriculum_id}:{m.code}") for m in event.modules]
    await _learn(session, event.partnership_id, modules)


async def require_known(
    session: AsyncSession, *, partnership_id: uuid.UUID, kind: EnvironmentKind, environment_id: str
) -> None:
    """422 naming `environment.id` unless the partnership owns or uses that environment."""
    known = await session.scalar(
        select(KnownEnvironment.environment_id).where(
            KnownEnvironment.partnership_id == partnership_id,
            KnownEnvironment.kind == stored_kind(kind),
            KnownEnvironment.environment_id == environment_id,
        )
    )
    if known is None:
        raise field_problem(
            "environment.id",
            "environment_unknown",
            f"No {kind} {environment_id} of partnership {partnership_id}: name one of its cohorts, the facility "
            "or lab one of its cohorts uses, or a module of its curricula (`<curriculum id>:<module code>`).",
        )


async def of_partnership(
    session: AsyncSession,
    *,
    partnership_id: uuid.UUID,
    kind: EnvironmentKind | None,
    limit: int,
    cursor: str | None,
) -> tuple[list[EnvironmentOut], str | None]:
    """Where the partnership's incidents may be declared, in the order training made them known (row-level
    security: its members only)."""
    async with session.begin():
        query = select(KnownEnvironment).where(KnownEnvironment.partnership_id == partnership_id)
        if kind is not None:
            query = query.where(KnownEnvironment.kind == stored_kind(kind))
        rows, next_cursor = await keyset_page_by(
            session,
            query,
            order=KnownEnvironment.learnt_at,
            position=lambda row: row.learnt_at,
            key=KnownEnvironment.environment_id,
            limit=limit,
            cursor=cursor,
            parse_key=str,
        )
        found = [
            EnvironmentOut(kind=row.kind, id=row.environment_id, learnt_at=row.learnt_at) for row in rows
        ]
        return found, next_cursor
