"""Commitments per partner and the service side of their renewal.

The CommitmentRenewalWorkflow drives a renewal; these use cases record its steps (asked, reminded or
escalated, concluded), each in one transaction with the event that announces it. A renewed or renegotiated
commitment gets a successor for the next period, announced as a new commitment (which starts its own renewal).
"""

from __future__ import annotations

import calendar
import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backbone.errors import Conflict, NotFound
from backbone.idempotency import IdempotentRequest, Outcome, answer_once
from backbone.outbox import add_event
from backbone.pagination import keyset_page
from contracts.events.commitments import (
    CommitmentRegisteredV1,
    CommitmentRenewalConcludedV1,
    CommitmentRenewalReminderSentV1,
    CommitmentRenewalRequestedV1,
)
from rules.periods import expiry_of
from services.partners import SOURCE
from services.partners.commitments.schemas import (
    CommitmentIn,
    CommitmentOut,
    RenewalConclusionIn,
    RenewalNoticeIn,
    RenewalNoticeOut,
    RenewalRequestIn,
)
from services.partners.handling.audiences import of_commitment
from services.partners.models import Agency, Commitment, OversightMember, PartnershipMember
from services.partners.partnerships.service import _partnership
from services.partners.problems import _field_error

CONCLUDED = ("renewed", "renegotiated", "lapsed")


def _cents(amount: Decimal) -> Decimal:
    """As the column stores it, so the answer and the event say what a later read says."""
    return amount.quantize(Decimal("0.01"))


def _add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def next_period(starts_on: date, ends_on: date) -> tuple[date, date]:
    """The period after [starts_on, ends_on]: as many calendar months if it was whole months, else as many days.

    A pledge for 2027 renews for 2028 (leap year included), a quarter for the next quarter.
    """
    after = ends_on + timedelta(days=1)
    months = (after.year - starts_on.year) * 12 + after.month - starts_on.month
    if months > 0 and _add_months(starts_on, months) == after:
        return after, _add_months(after, months) - timedelta(days=1)
    return after, after + (ends_on - starts_on)


async def _commitment(session: AsyncSession, commitment_id: uuid.UUID, *, lock: bool = False) -> Commitment:
    query = select(Commitment).where(Commitment.id == commitment_id)
    found = (await session.execute(query.with_for_update() if lock else query)).scalar_one_or_none()
    if found is None:
        raise NotFound(f"No commitment with id {commitment_id}.", code="commitment_not_found")
    return found


async def commitment_view(session: AsyncSession, commitment: Commitment) -> CommitmentOut:
    view = CommitmentOut.model_validate(commitment)
    view.renewed_by_id = await session.scalar(
        select(Commitment.id).where(Commitment.renews_id == commitment.id)
    )
    return view


async def register_commitment(
    session: AsyncSession,
    *,
    partnership_id: uuid.UUID,
    pledge: CommitmentIn,
    idempotency: IdempotentRequest | None,
) -> Outcome:
    async with session.begin():
        return await answer_once(session, idempotency, lambda: _register(session, partnership_id, pledge))


async def _register(session: AsyncSession, partnership_id: uuid.UUID, pledge: CommitmentIn) -> Outcome:
    partnership = await _partnership(session, partnership_id)
    member = await session.get(PartnershipMember, (partnership.id, pledge.agency_id))
    if member is None:
        raise _field_error(
            "agency_not_a_member",
            f"Agency {pledge.agency_id} is not a member of this partnership.",
            "agency_id",
        )
    if member.role == "observer":
        raise _field_error("observer_cannot_commit", "An observer makes no commitments.", "agency_id")
    agency = await session.get(Agency, pledge.agency_id)
    assert agency is not None
    if agency.status == "lapsed":
        raise _field_error("agency_lapsed", f"Agency {agency.id}'s onboarding lapsed.", "agency_id")
    commitment = Commitment(
        id=uuid.uuid4(),
        partnership_id=partnership.id,
        agency_id=agency.id,
        country_code=agency.country_code,
        kind=pledge.kind,
        amount=pledge.amount,
        currency=pledge.currency,
        priorities=pledge.priorities,
        starts_on=pledge.starts_on,
        ends_on=pledge.ends_on,
        status="active",
        signed_by=pledge.signed_by,
        renewal_timers=pledge.renewal_timers.model_dump(),
        registered_at=datetime.now(UTC),
    )
    session.add(commitment)
    await session.flush()
    await _announce_registered(session, commitment)
    view = await commitment_view(session, commitment)
    return Outcome(201, view.model_dump(mode="json"), {"Location": f"/commitments/{commitment.id}"})


async def _announce_registered(session: AsyncSession, commitment: Commitment) -> None:
    await add_event(
        session,
        CommitmentRegisteredV1(
            commitment_id=str(commitment.id),
            partnership_id=str(commitment.partnership_id),
            agency_id=str(commitment.agency_id),
            country_code=commitment.country_code,
            kind=commitment.kind,
            amount=commitment.amount,
            currency=commitment.currency,
            priorities=commitment.priorities,
            starts_on=commitment.starts_on,
            ends_on=commitment.ends_on,
            renews_commitment_id=str(commitment.renews_id) if commitment.renews_id else None,
            registered_at=commitment.registered_at,
        ),
        aggregate_id=str(commitment.id),
        source=SOURCE,
        release=await of_commitment(session, commitment.partnership_id, commitment.country_code),
    )


async def get_commitment(session: AsyncSession, *, commitment_id: uuid.UUID) -> CommitmentOut:
    return await commitment_view(session, await _commitment(session, commitment_id))


async def list_commitments(
    session: AsyncSession,
    *,
    partnership_id: uuid.UUID,
    limit: int,
    cursor: str | None,
    status: str | None,
    kind: str | None,
    agency_id: uuid.UUID | None,
    country_code: str | None,
) -> tuple[list[CommitmentOut], str | None]:
    await _partnership(session, partnership_id)
    query = select(Commitment).where(Commitment.partnership_id == partnership_id)
    if status:
        query = query.where(Commitment.status == status)
    if kind:
        query = query.where(Commitment.kind == kind)
    if agency_id:
        query = query.where(Commitment.agency_id == agency_id)
    if country_code:
        query = query.where(Commitment.country_code == country_code.upper())
    rows, next_cursor = await keyset_page(
        session, query, created=Commitment.registered_at, key=Commitment.id, limit=limit, cursor=cursor
    )
    return [await commitment_view(session, row) for row in rows], next_cursor


async def request_renewal(
    session: AsyncSession,
    *,
    commitment_id: uuid.UUID,
    request: RenewalRequestIn,
    idempotency: IdempotentRequest | None,
) -> Outcome:
    async with session.begin():
        return await answer_once(
            session, idempotency, lambda: _request_renewal(session, commitment_id, request)
        )


async def _request_renewal(
    session: AsyncSession, commitment_id: uuid.UUID, request: RenewalRequestIn
) -> Outcome:
    commitment = await _commitment(session, commitment_id, lock=True)
    if commitment.status in CONCLUDED:
        raise Conflict(
            f"The commitment's renewal is concluded ({commitment.status}).", code="renewal_concluded"
        )
    if commitment.status == "active":
        commitment.status = "renewal_pending"
        commitment.renewal_requested_at = datetime.now(UTC)
        await add_event(
            session,
            CommitmentRenewalRequestedV1(
                commitment_id=str(commitment.id),
                partnership_id=str(commitment.partnership_id),
                agency_id=str(commitment.agency_id),
                country_code=commitment.country_code,
                expires_at=request.expires_at,
                requested_at=commitment.renewal_requested_at,
            ),
            aggregate_id=str(commitment.id),
            source=SOURCE,
            release=await of_commitment(session, commitment.partnership_id, commitment.country_code),
        )
    return Outcome(200, (await commitment_view(session, commitment)).model_dump(mode="json"))


async def send_renewal_notice(
    session: AsyncSession,
    *,
    commitment_id: uuid.UUID,
    notice: RenewalNoticeIn,
    idempotency: IdempotentRequest | None,
) -> Outcome:
    async with session.begin():
        return await answer_once(session, idempotency, lambda: _send_notice(session, commitment_id, notice))


async def _send_notice(session: AsyncSession, commitment_id: uuid.UUID, notice: RenewalNoticeIn) -> Outcome:
    commitment = await _commitment(session, commitment_id, lock=True)
    if commitment.status != "renewal_pending":
        raise Conflict(
            f"The commitment is {commitment.status}; no renewal awaits an answer.", code="renewal_not_pending"
        )
    body: list[uuid.UUID] = []
    if notice.kind == "escalation":
        body = list(
            await session.scalars(
                select(OversightMember.id)
                .where(OversightMember.partnership_id == commitment.partnership_id)
                .order_by(OversightMember.added_at, OversightMember.id)
            )
        )
    await add_event(
        session,
        CommitmentRenewalReminderSentV1(
            commitment_id=str(commitment.id),
            partnership_id=str(commitment.partnership_id),
            agency_id=str(commitment.agency_id),
            kind=notice.kind,
            oversight_member_ids=[str(m) for m in body],
            expires_at=expiry_of(commitment.ends_on),
            sent_at=datetime.now(UTC),
        ),
        aggregate_id=str(commitment.id),
        source=SOURCE,
        release=await of_commitment(session, commitment.partnership_id, commitment.country_code),
    )
    sent = RenewalNoticeOut(
        commitment_id=commitment.id,
        kind=notice.kind,
        agency_id=commitment.agency_id,
        oversight_member_ids=body,
    )
    return Outcome(200, sent.model_dump(mode="json"))


async def conclude_renewal(
    session: AsyncSession,
    *,
    commitment_id: uuid.UUID,
    conclusion: RenewalConclusionIn,
    idempotency: IdempotentRequest | None,
) -> Outcome:
    async with session.begin():
        return await answer_once(session, idempotency, lambda: _conclude(session, commitment_id, conclusion))


async def _conclude(
    session: AsyncSession, commitment_id: uuid.UUID, conclusion: RenewalConclusionIn
) -> Outcome:
    commitment = await _commitment(session, commitment_id, lock=True)
    if commitment.status == conclusion.outcome:  # concluded already (a retry without its key): nothing to do
        return Outcome(200, (await commitment_view(session, commitment)).model_dump(mode="json"))
    if commitment.status != "renewal_pending":
        raise Conflict(
            f"The commitment is {commitment.status}; its renewal cannot conclude as {conclusion.outcome}.",
            code="renewal_not_pending",
        )
    response = conclusion.response
    if response is not None and response.agency_id != str(commitment.agency_id):
        raise _field_error(
            "not_the_partner",
            "Only the agency that made the commitment answers for it.",
            "response.agency_id",
        )
    now = datetime.now(UTC)
    commitment.status = conclusion.outcome
    commitment.concluded_at = now
    commitment.conclusion_reason = (
        response.reason if response else "The partner did not answer before the commitment expired."
    )
    successor: Commitment | None = None
    if conclusion.outcome != "lapsed":
        assert response is not None
        starts_on, ends_on = next_period(commitment.starts_on, commitment.ends_on)
        successor = Commitment(
            id=uuid.uuid4(),
            partnership_id=commitment.partnership_id,
            agency_id=commitment.agency_id,
            country_code=commitment.country_code,
            kind=commitment.kind,
            amount=_cents(response.amount or commitment.amount),
            currency=commitment.currency,
            priorities=response.priorities or commitment.priorities,
            starts_on=starts_on,
            ends_on=ends_on,
            status="active",
            signed_by=response.responded_by,
            renews_id=commitment.id,
            renewal_timers=commitment.renewal_timers,
            registered_at=now,
        )
        session.add(successor)
        await session.flush()
    await add_event(
        session,
        CommitmentRenewalConcludedV1(
            commitment_id=str(commitment.id),
            partnership_id=str(commitment.partnership_id),
            agency_id=str(commitment.agency_id),
            country_code=commitment.country_code,
            kind=commitment.kind,
            outcome=conclusion.outcome,
            previous_amount=commitment.amount,
            currency=commitment.currency,
            ends_on=commitment.ends_on,
            new_commitment_id=str(successor.id) if successor else None,
            new_amount=successor.amount if successor else None,
            new_starts_on=successor.starts_on if successor else None,
            new_ends_on=successor.ends_on if successor else None,
            responded_by=response.responded_by if response else None,
            reason=commitment.conclusion_reason,
            concluded_at=now,
        ),
        aggregate_id=str(commitment.id),
        source=SOURCE,
        release=await of_commitment(session, commitment.partnership_id, commitment.country_code),
    )
    if successor is not None:
        await _announce_registered(session, successor)
    return Outcome(200, (await commitment_view(session, commitment)).model_dump(mode="json"))
