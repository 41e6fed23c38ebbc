"""Ending a membership. The agency's country may leave; the lead may end another's membership (a lapsed
commitment, say); the lead itself cannot leave (no route hands the lead over yet). When the agency was its
country's last, the country's oversight seats end too, and every service ends the country's access to the
partnership's records on `partners.partnership_member_removed.v1`. Decisions already open keep the electorate they
opened with, but a departed country's votes are refused: it no longer sees the partnership."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from backbone.auth.http import Forbidden
from backbone.errors import Conflict, NotFound
from backbone.idempotency import IdempotentRequest, Outcome, answer_once
from backbone.outbox import add_event
from contracts.events.partners import PartnershipMemberRemovedV1
from services.partners import SOURCE
from services.partners.handling.audiences import of_partnership
from services.partners.models import MemberDeparture, OversightMember, PartnershipMember
from services.partners.partnerships.schemas import DepartureIn, DepartureOut
from services.partners.partnerships.service import _partnership


async def end_membership(
    session: AsyncSession,
    *,
    partnership_id: uuid.UUID,
    agency_id: uuid.UUID,
    departure: DepartureIn,
    acting_country: str | None,
    idempotency: IdempotentRequest | None,
) -> Outcome:
    """`acting_country` is the caller's country; None for the platform's workflows (and with auth off)."""
    async with session.begin():
        return await answer_once(
            session,
            idempotency,
            lambda: _end(session, partnership_id, agency_id, departure, acting_country),
        )


async def _end(
    session: AsyncSession,
    partnership_id: uuid.UUID,
    agency_id: uuid.UUID,
    departure: DepartureIn,
    acting_country: str | None,
) -> Outcome:
    partnership = await _partnership(session, partnership_id, lock=True)
    members = list(
        await session.scalars(
            select(PartnershipMember).where(PartnershipMember.partnership_id == partnership.id)
        )
    )
    member = next((m for m in members if m.agency_id == agency_id), None)
    if member is None:
        raise NotFound(f"Agency {agency_id} is not a member of this partnership.", code="member_not_found")
    lead = next(m.country_code for m in members if m.role == "lead")
    if acting_country is not None and acting_country not in (member.country_code, lead):
        raise Forbidden(
            "Only the agency's own country, or the partnership's lead, ends its membership.",
            code="not_own_agency_nor_lead",
        )
    if member.role == "lead":
        raise Conflict(
            "The lead agency cannot leave: the partnership would have no lead.", code="lead_cannot_leave"
        )
    release = await of_partnership(session, partnership.id)  # before: the departing country is told too
    country_left = not any(m.country_code == member.country_code and m is not member for m in members)
    seats_ended = 0
    if country_left:
        # Before the membership row goes: row-level security lets only members change the partnership's seats.
        seats_ended = (
            await session.scalar(
                select(func.count())
                .select_from(OversightMember)
                .where(OversightMember.partnership_id == partnership.id)
                .where(OversightMember.country_code == member.country_code)
            )
            or 0
        )
        await session.execute(
            delete(OversightMember)
            .where(OversightMember.partnership_id == partnership.id)
            .where(OversightMember.country_code == member.country_code)
        )
    record = MemberDeparture(
        id=uuid.uuid4(),
        partnership_id=partnership.id,
        agency_id=member.agency_id,
        country_code=member.country_code,
        role=member.role,
        joined_at=member.joined_at,
        left_at=datetime.now(UTC),
        reason=departure.reason,
        ended_by=acting_country or lead,
        country_left=country_left,
        seats_ended=seats_ended,
    )
    session.add(record)
    await session.flush()
    await session.delete(member)
    await session.flush()
    await add_event(
        session,
        PartnershipMemberRemovedV1(
            partnership_id=str(partnership.id),
            agency_id=str(member.agency_id),
            country_code=member.country_code,
            role=member.role,
            country_left=country_left,
            seats_ended=seats_ended,
            reason=departure.reason,
            ended_by=record.ended_by,
            left_at=record.left_at,
        ),
        aggregate_id=str(partnership.id),
        source=SOURCE,
        release=release,
    )
    return Outcome(201, DepartureOut.model_validate(record).model_dump(mode="json"))


async def departures(session: AsyncSession, *, partnership_id: uuid.UUID) -> list[DepartureOut]:
    """The partnership's ended memberships, oldest first (a departed country sees its own only)."""
    async with session.begin():
        rows = await session.scalars(
            select(MemberDeparture)
            .where(MemberDeparture.partnership_id == partnership_id)
            .order_by(MemberDeparture.left_at, MemberDeparture.id)
        )
        return [DepartureOut.model_validate(r) for r in rows]
