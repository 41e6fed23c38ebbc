"""Incident figures for a partnership: real incidents only, drills counted apart (an exercise never inflates
them); and the Prometheus counters the service exports, labelled `exercise` so dashboards can keep them apart."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from backbone.pagination import keyset_page, sequence_page
from services.incidents.incidents.schemas import (
    IncidentOut,
    KindFigures,
    NotificationOut,
    StatisticsOut,
    TimelineOut,
)
from services.incidents.incidents.service import get, view
from services.incidents.models import (
    Incident,
    Notification,
    TimelineEntry,
)


async def of_partnership(session: AsyncSession, *, partnership_id: uuid.UUID) -> StatisticsOut:
    """What the caller sees (row-level security): incidents released to their country."""
    async with session.begin():
        minutes = func.extract("epoch", Incident.resolved_at - Incident.declared_at) / 60
        rows = (
            await session.execute(
                select(
                    Incident.kind,
                    func.count(),
                    func.count().filter(Incident.resolved_at.is_(None)),
                    func.avg(minutes),
                )
                .where(Incident.partnership_id == partnership_id, Incident.exercise.is_(False))
                .group_by(Incident.kind)
                .order_by(Incident.kind)
            )
        ).tuples()
        by_kind = [
            KindFigures(
                kind=kind,
                incidents=total,
                open=still_open,
                mean_minutes_to_resolve=round(float(mean), 1) if mean is not None else None,
            )
            for kind, total, still_open, mean in rows
        ]
        exercises = await session.scalar(
            select(func.count()).where(Incident.partnership_id == partnership_id, Incident.exercise.is_(True))
        )
        return StatisticsOut(
            partnership_id=partnership_id,
            incidents=sum(k.incidents for k in by_kind),
            by_kind=by_kind,
            exercises=int(exercises or 0),
        )


async def view_one(session: AsyncSession, *, incident_id: uuid.UUID) -> IncidentOut:
    async with session.begin():
        return await view(session, await get(session, incident_id))


async def timeline(
    session: AsyncSession, *, incident_id: uuid.UUID, limit: int, cursor: str | None
) -> tuple[list[TimelineOut], str | None]:
    async with session.begin():
        await get(session, incident_id)
        rows, next_cursor = await sequence_page(
            session,
            select(TimelineEntry).where(TimelineEntry.incident_id == incident_id),
            key=TimelineEntry.id,
            limit=limit,
            cursor=cursor,
        )
        return [TimelineOut.model_validate(r) for r in rows], next_cursor


async def notifications(
    session: AsyncSession, *, country: str, limit: int, cursor: str | None
) -> tuple[list[NotificationOut], str | None]:
    """What the caller's country was told (row-level security: its own notifications, or all as originator)."""
    async with session.begin():
        rows, next_cursor = await keyset_page(
            session,
            select(Notification).where(Notification.country_code == country),
            created=Notification.notified_at,
            key=Notification.id,
            limit=limit,
            cursor=cursor,
        )
        return [NotificationOut.model_validate(r) for r in rows], next_cursor


async def page(
    session: AsyncSession,
    *,
    partnership_id: uuid.UUID | None,
    status: str | None,
    exercise: bool | None,
    limit: int,
    cursor: str | None,
) -> tuple[list[IncidentOut], str | None]:
    """Incidents the caller may see (row-level security), oldest first: an operations board."""
    async with session.begin():
        query = select(Incident)
        if partnership_id is not None:
            query = query.where(Incident.partnership_id == partnership_id)
        if status is not None:
            query = query.where(Incident.status == status)
        if exercise is not None:
            query = query.where(Incident.exercise.is_(exercise))
        rows, next_cursor = await keyset_page(
            session, query, created=Incident.declared_at, key=Incident.id, limit=limit, cursor=cursor
        )
        return [await view(session, r) for r in rows], next_cursor
