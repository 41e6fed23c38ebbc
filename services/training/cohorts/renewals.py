"""What a concluded commitment renewal changes in training (partners.commitment_renewal_concluded.v1): a lapsed
or reduced seat pledge releases the country's unfilled seats in the cohorts starting after it (its trainees
waiting for a seat are told none will come); a lapsed facility-time pledge ends the bookings of the partner's
facilities by cohorts starting after it (their organisers are told, and find another). Runs in the consumer's
transaction; a redelivery finds nothing left to change."""

from __future__ import annotations

import math
import uuid
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from backbone.outbox import add_event
from contracts.events.commitments import CommitmentRenewalConcludedV1
from contracts.events.training import CohortSeatsReleasedV1
from services.training import SOURCE
from services.training.cohorts.models import KnownCommitment
from services.training.cohorts.service import announce_enrollment, release
from services.training.facilities import service as facilities
from services.training.models import Cohort, CohortSeats, Facility, FacilityBooking, Nomination

OPEN = ("scheduled", "paused")


def _after(day: date) -> datetime:
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=UTC)


async def apply(session: AsyncSession, event: CommitmentRenewalConcludedV1) -> None:
    if event.kind not in ("seats", "facility_time"):
        return
    known = await session.get(KnownCommitment, uuid.UUID(event.commitment_id), with_for_update=True)
    if known is None:  # its registration (another partition) is late: retried until it has arrived
        raise LookupError(f"commitment {event.commitment_id} is unknown here; its registration is late")
    if known.renewal_applied_at is not None:
        return
    known.renewal_applied_at = datetime.now(UTC)
    if event.kind == "seats":
        await _release_seats(session, event)
    elif event.kind == "facility_time" and event.outcome == "lapsed":
        await _end_bookings(session, event)


def _still_pledged(event: CommitmentRenewalConcludedV1) -> Decimal:
    if event.outcome == "lapsed":
        return Decimal(0)
    if event.outcome == "renegotiated" and event.new_amount is not None:
        return event.new_amount
    return event.previous_amount


async def _others(session: AsyncSession, event: CommitmentRenewalConcludedV1, day: date) -> Decimal:
    """The country's other seat pledges in force that day (neither this commitment nor its successor)."""
    mine = [uuid.UUID(i) for i in (event.commitment_id, event.new_commitment_id) if i]
    total = await session.scalar(
        select(func.coalesce(func.sum(KnownCommitment.amount), 0)).where(
            KnownCommitment.partnership_id == uuid.UUID(event.partnership_id),
            KnownCommitment.country_code == event.country_code,
            KnownCommitment.kind == "seats",
            KnownCommitment.starts_on <= day,
            KnownCommitment.ends_on >= day,
            KnownCommitment.commitment_id.not_in(mine),
        )
    )
    return Decimal(total or 0)


async def _release_seats(session: AsyncSession, event: CommitmentRenewalConcludedV1) -> None:
    kept = _still_pledged(event)
    if kept >= event.previous_amount:
        return
    cohorts = await session.scalars(
        select(Cohort)
        .where(
            Cohort.partnership_id == uuid.UUID(event.partnership_id),
            Cohort.status.in_(OPEN),
            Cohort.starts_at >= _after(event.ends_on),
        )
        .order_by(Cohort.starts_at, Cohort.id)
        .with_for_update()
    )
    for cohort in list(cohorts):
        seats = await session.get(CohortSeats, (cohort.id, event.country_code), with_for_update=True)
        others = await _others(session, event, cohort.starts_at.date())
        before = others + event.previous_amount
        if seats is None or before <= 0:
            continue
        target = math.floor(seats.seats * (others + kept) / before)
        if target >= seats.seats:
            continue
        remaining = max(seats.enrolled, target)  # the enrolled keep their seats
        released, seats.seats = seats.seats - remaining, remaining
        closed = await _close_waitlist(session, cohort, seats, event)
        if not released and not closed:
            continue
        await add_event(
            session,
            CohortSeatsReleasedV1(
                cohort_id=str(cohort.id),
                partnership_id=str(cohort.partnership_id),
                country_code=event.country_code,
                commitment_id=event.commitment_id,
                released=released,
                seats=remaining,
                waitlist_closed=closed,
                released_at=datetime.now(UTC),
            ),
            aggregate_id=str(cohort.id),
            source=SOURCE,
            release=release(cohort),
        )


async def _close_waitlist(
    session: AsyncSession, cohort: Cohort, seats: CohortSeats, event: CommitmentRenewalConcludedV1
) -> int:
    """No seat will come to those waiting: their nominations close, each trainee's country told why."""
    waiting = await session.scalars(
        select(Nomination)
        .where(
            Nomination.cohort_id == cohort.id,
            Nomination.country_code == seats.country_code,
            Nomination.status == "waitlisted",
        )
        .order_by(Nomination.id)
        .with_for_update()
    )
    reason = f"the country's seat pledge {event.outcome}: no seat will be freed"
    closed = 0
    for nomination in list(waiting):
        nomination.status, nomination.status_reason = "rejected", reason
        nomination.changed_at = datetime.now(UTC)
        seats.waitlisted -= 1
        closed += 1
        await session.flush()
        await announce_enrollment(session, cohort, nomination, "waitlisted", reason)
    return closed


async def _end_bookings(session: AsyncSession, event: CommitmentRenewalConcludedV1) -> None:
    booked = await session.execute(
        select(FacilityBooking, Cohort)
        .join(Cohort, Cohort.booking_id == FacilityBooking.id)
        .join(Facility, Facility.id == FacilityBooking.facility_id)
        .where(
            Cohort.partnership_id == uuid.UUID(event.partnership_id),
            Cohort.status.in_(OPEN),
            Cohort.starts_at >= _after(event.ends_on),
            Facility.owner_country_code == event.country_code,
            FacilityBooking.status == "active",
        )
        .order_by(Cohort.starts_at, Cohort.id)
        .with_for_update(of=Cohort)
    )
    reason = f"the host's facility-time commitment lapsed on {event.ends_on.isoformat()}"
    for booking, cohort in list(booked.tuples()):
        await facilities.release(session, booking_id=booking.id, reason=reason)
        cohort.facility_id, cohort.booking_id = None, None
        cohort.status_reason = f"Needs a facility: {reason}"
    await session.flush()
