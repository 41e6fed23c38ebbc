"""Facilities and their bookings: register, share, book (never overlapping), cancel, record the use."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import Range
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from backbone.errors import Conflict, NotFound
from backbone.idempotency import IdempotentRequest, Outcome, answer_once
from backbone.outbox import add_event
from backbone.pagination import keyset_page, keyset_page_by
from contracts.events.training import FacilityBookedV1, FacilityBookingCancelledV1, FacilityUsedV1
from rules.releasability import Release
from services.training import SOURCE
from services.training.facilities.schemas import BookingIn, BookingOut, FacilityIn, FacilityOut, UsageIn
from services.training.models import Cohort, Facility, FacilityBooking

NO_OVERLAP = "facility_bookings_no_overlap"


def release_of(facility: Facility) -> Release:
    """What a facility's events release: its owner's country and the countries it is shared with."""
    return Release.of(
        f"countries:{','.join(facility.shared_with)}" if facility.shared_with else "originator",
        originator=facility.owner_country_code,
    )


def booking_view(booking: FacilityBooking) -> BookingOut:
    assert booking.period.lower is not None and booking.period.upper is not None
    return BookingOut(
        id=booking.id,
        facility_id=booking.facility_id,
        starts_at=booking.period.lower,
        ends_at=booking.period.upper,
        purpose=booking.purpose,
        cohort_id=booking.cohort_id,
        booked_by_agency_id=booking.booked_by_agency_id,
        booked_by_country_code=booking.booked_by_country_code,
        status=booking.status,
        booked_at=booking.booked_at,
        cancelled_at=booking.cancelled_at,
        used_hours=booking.used_hours,
        attendees=booking.attendees,
    )


async def register_facility(
    session: AsyncSession, *, facility: FacilityIn, owner_country: str, idempotency: IdempotentRequest | None
) -> Outcome:
    async def register() -> Outcome:
        row = Facility(
            id=uuid.uuid4(),
            owner_agency_id=facility.owner_agency_id,
            owner_country_code=owner_country,
            name=facility.name,
            kind=facility.kind,
            location=facility.location,
            capacity=facility.capacity,
            time_zone=facility.time_zone,
            shared_with=[c for c in facility.shared_with if c != owner_country],
            registered_at=datetime.now(UTC),
        )
        session.add(row)
        await session.flush()
        return Outcome(
            201,
            FacilityOut.model_validate(row).model_dump(mode="json"),
            {"Location": f"/facilities/{row.id}"},
        )

    async with session.begin():
        return await answer_once(session, idempotency, register)


async def get_facility(session: AsyncSession, *, facility_id: uuid.UUID, lock: bool = False) -> Facility:
    facility = await session.get(Facility, facility_id, with_for_update=lock)
    if facility is None:
        raise NotFound(f"No facility with id {facility_id}.", code="facility_not_found")
    return facility


async def list_facilities(
    session: AsyncSession, *, limit: int, cursor: str | None, kind: str | None
) -> tuple[list[Facility], str | None]:
    """The facilities the caller's country owns or is shared (row-level security confines the query)."""
    query = select(Facility)
    if kind:
        query = query.where(Facility.kind == kind)
    return await keyset_page(
        session, query, created=Facility.registered_at, key=Facility.id, limit=limit, cursor=cursor
    )


async def hold(
    session: AsyncSession, *, facility_id: uuid.UUID, booking: BookingIn, booker_country: str
) -> FacilityBooking:
    """Book inside the caller's transaction (a cohort books its facility with it); 409 on any overlap."""
    facility = await get_facility(session, facility_id=facility_id)
    now = datetime.now(UTC)
    row = FacilityBooking(
        id=uuid.uuid4(),
        facility_id=facility.id,
        period=Range(booking.starts_at, booking.ends_at, bounds="[)"),
        purpose=booking.purpose,
        cohort_id=booking.cohort_id,
        booked_by_agency_id=booking.agency_id,
        booked_by_country_code=booker_country,
        status="active",
        booked_at=now,
    )
    session.add(row)
    try:
        await session.flush()
    except IntegrityError as exc:
        if NO_OVERLAP in str(exc.orig):  # the exclusion constraint: another active booking overlaps
            raise Conflict(
                "The facility is already booked for part of that period.",
                code="booking_conflict",
                facility_id=str(facility_id),
            ) from exc
        raise
    await add_event(
        session,
        FacilityBookedV1(
            facility_id=str(facility.id),
            booking_id=str(row.id),
            owner_country_code=facility.owner_country_code,
            kind=facility.kind,  # the table's check constraint admits only these
            booked_by_agency_id=str(row.booked_by_agency_id),
            booked_by_country_code=booker_country,
            starts_at=booking.starts_at,
            ends_at=booking.ends_at,
            cohort_id=str(booking.cohort_id) if booking.cohort_id else None,
            booked_at=now,
        ),
        aggregate_id=str(facility.id),
        source=SOURCE,
        release=release_of(facility),
    )
    return row


async def book(
    session: AsyncSession,
    *,
    facility_id: uuid.UUID,
    booking: BookingIn,
    booker_country: str,
    idempotency: IdempotentRequest | None,
) -> Outcome:
    async def held() -> Outcome:
        row = await hold(session, facility_id=facility_id, booking=booking, booker_country=booker_country)
        return Outcome(201, booking_view(row).model_dump(mode="json"), {"Location": f"/bookings/{row.id}"})

    async with session.begin():
        return await answer_once(session, idempotency, held)


async def get_booking(session: AsyncSession, *, booking_id: uuid.UUID, lock: bool = False) -> FacilityBooking:
    booking = await session.get(FacilityBooking, booking_id, with_for_update=lock)
    if booking is None:
        raise NotFound(f"No booking with id {booking_id}.", code="booking_not_found")
    return booking


def _starts(booking: FacilityBooking) -> datetime:
    assert booking.period.lower is not None, "a booking's period is bounded (BookingIn)"
    return booking.period.lower


async def list_bookings(
    session: AsyncSession, *, facility_id: uuid.UUID, include_cancelled: bool, limit: int, cursor: str | None
) -> tuple[list[BookingOut], str | None]:
    """In time order: by the start of the booked period."""
    async with session.begin():
        await get_facility(session, facility_id=facility_id)
        query = select(FacilityBooking).where(FacilityBooking.facility_id == facility_id)
        if not include_cancelled:
            query = query.where(FacilityBooking.status == "active")
        rows, next_cursor = await keyset_page_by(
            session,
            query,
            order=func.lower(FacilityBooking.period),
            position=_starts,
            key=FacilityBooking.id,
            limit=limit,
            cursor=cursor,
        )
        return [booking_view(r) for r in rows], next_cursor


async def cancel(session: AsyncSession, *, booking_id: uuid.UUID) -> BookingOut:
    async with session.begin():
        return booking_view(await release(session, booking_id=booking_id))


async def release(
    session: AsyncSession, *, booking_id: uuid.UUID, reason: str | None = None
) -> FacilityBooking:
    """Free the booking's period inside the caller's transaction; releasing twice changes nothing."""
    booking = await get_booking(session, booking_id=booking_id, lock=True)
    if booking.status == "cancelled":
        return booking
    if booking.usage_recorded_at is not None:
        raise Conflict("The booking was used; its use is on record.", code="booking_used")
    facility = await get_facility(session, facility_id=booking.facility_id)
    booking.status, booking.cancelled_at = "cancelled", datetime.now(UTC)
    await session.flush()
    await add_event(
        session,
        FacilityBookingCancelledV1(
            facility_id=str(facility.id),
            booking_id=str(booking.id),
            cancelled_at=booking.cancelled_at,
            cohort_id=str(booking.cohort_id) if booking.cohort_id else None,
            reason=reason,
        ),
        aggregate_id=str(facility.id),
        source=SOURCE,
        release=release_of(facility),
    )
    return booking


async def record_usage(session: AsyncSession, *, booking_id: uuid.UUID, usage: UsageIn) -> BookingOut:
    async with session.begin():
        booking = await get_booking(session, booking_id=booking_id, lock=True)
        if booking.status != "active":
            raise Conflict("A cancelled booking was not used.", code="booking_cancelled")
        if booking.usage_recorded_at is not None:
            if (booking.used_hours, booking.attendees) == (
                usage.hours.quantize(Decimal("0.01")),
                usage.attendees,
            ):
                return booking_view(booking)  # the same report again
            raise Conflict("The use of this booking is already on record.", code="usage_recorded")
        assert booking.period.lower is not None
        if booking.period.lower > datetime.now(UTC):
            raise Conflict("The booking has not started yet.", code="booking_not_started")
        facility = await get_facility(session, facility_id=booking.facility_id)
        cohort = await session.get(Cohort, booking.cohort_id) if booking.cohort_id else None
        now = datetime.now(UTC)
        hours = usage.hours.quantize(Decimal("0.01"))
        booking.used_hours, booking.attendees, booking.usage_recorded_at = hours, usage.attendees, now
        await session.flush()
        await add_event(
            session,
            FacilityUsedV1(
                facility_id=str(facility.id),
                booking_id=str(booking.id),
                owner_country_code=facility.owner_country_code,
                booked_by_country_code=booking.booked_by_country_code,
                kind=facility.kind,
                hours=hours,
                attendees=usage.attendees,
                recorded_at=now,
                partnership_id=str(cohort.partnership_id) if cohort else None,
                cohort_id=str(cohort.id) if cohort else None,
            ),
            aggregate_id=str(facility.id),
            source=SOURCE,
            release=release_of(facility),
        )
        return booking_view(booking)
