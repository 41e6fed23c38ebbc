"""Reads of drill cycles, drills, their improvement actions and a protocol's drill history."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backbone.pagination import keyset_page
from services.incidents.drills.schemas import ActionOut, CycleOut, DrillOut, HistoryOut
from services.incidents.drills.service import cycle_view, drill_view, get_cycle, get_drill
from services.incidents.models import (
    Drill,
    DrillCycle,
    ImprovementAction,
)
from services.incidents.protocols import service as protocols


async def view_cycle(session: AsyncSession, *, cycle_id: uuid.UUID) -> CycleOut:
    async with session.begin():
        return await cycle_view(session, await get_cycle(session, cycle_id))


async def list_cycles(
    session: AsyncSession, *, partnership_id: uuid.UUID | None, limit: int, cursor: str | None
) -> tuple[list[CycleOut], str | None]:
    """The drill cycles the caller's country takes part in (row-level security), oldest first, with their drills."""
    async with session.begin():
        query = select(DrillCycle)
        if partnership_id is not None:
            query = query.where(DrillCycle.partnership_id == partnership_id)
        rows, next_cursor = await keyset_page(
            session, query, created=DrillCycle.created_at, key=DrillCycle.id, limit=limit, cursor=cursor
        )
        return [await cycle_view(session, row) for row in rows], next_cursor


async def view_drill(session: AsyncSession, *, drill_id: uuid.UUID) -> DrillOut:
    async with session.begin():
        return drill_view((await get_drill(session, drill_id))[0])


async def list_actions(
    session: AsyncSession, *, drill_id: uuid.UUID, limit: int, cursor: str | None
) -> tuple[list[ActionOut], str | None]:
    """The drill's improvement actions, soonest due first."""
    async with session.begin():
        await get_drill(session, drill_id)
        rows, next_cursor = await keyset_page(
            session,
            select(ImprovementAction).where(ImprovementAction.drill_id == drill_id),
            created=ImprovementAction.due_at,
            key=ImprovementAction.id,
            limit=limit,
            cursor=cursor,
        )
        return [ActionOut.model_validate(a) for a in rows], next_cursor


async def history(session: AsyncSession, *, protocol_id: uuid.UUID) -> HistoryOut:
    """Every drill of the protocol, oldest first, with its total time: are responses getting faster?"""
    async with session.begin():
        await protocols.get(session, protocol_id)
        rows = await session.scalars(
            select(Drill).where(Drill.protocol_id == protocol_id).order_by(Drill.scheduled_for, Drill.number)
        )
        drills = [drill_view(d) for d in rows]
        timed = [d for d in drills if d.total_minutes is not None]
        improving = timed[-1].total_minutes < timed[0].total_minutes if len(timed) >= 2 else None  # type: ignore[operator]
        return HistoryOut(protocol_id=protocol_id, drills=drills, improving=improving)
