"""Incident figures for a partnership: real incidents only, drills counted apart (an exercise never inflates
them); and the Prometheus counters the service exports, labelled `exercise` so dashboards can keep them apart."""

from __future__ import annotations

import uuid

from prometheus_client import Counter
from pydantic import BaseModel
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.incidents.models import Incident

DECLARED = Counter("incidents_declared_total", "Incidents declared", ["kind", "severity", "exercise"])
RESOLVED = Counter("incidents_resolved_total", "Incidents resolved", ["kind", "exercise"])


def declared(incident: Incident) -> None:
    DECLARED.labels(incident.kind, incident.severity, str(incident.exercise).lower()).inc()


def resolved(incident: Incident) -> None:
    RESOLVED.labels(incident.kind, str(incident.exercise).lower()).inc()


class KindFigures(BaseModel):
    kind: str
    incidents: int
    open: int
    mean_minutes_to_resolve: float | None


class StatisticsOut(BaseModel):
    partnership_id: uuid.UUID
    incidents: int
    by_kind: list[KindFigures]
    exercises: int
    """Drills' incidents, never counted above."""


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
