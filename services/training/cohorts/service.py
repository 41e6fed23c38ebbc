"""Cohorts: scheduled on an approved curriculum version, at a booked facility or remote; seats shared among the
partner countries from their seat commitments; nominations approved by each country's national coordination
unit into a seat or onto the waiting list; withdrawals hand the seat to the next one waiting."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from backbone.auth.policy import require_country
from backbone.auth.principal import Principal
from backbone.errors import Conflict, NotFound, field_problem
from backbone.idempotency import IdempotentRequest, Outcome, answer_once
from backbone.outbox import add_event
from backbone.pagination import keyset_page
from contracts.events.training import (
    CohortScheduledV1,
    CohortSeatsV1,
    CohortStatusChangedV1,
    EnrollmentChangedV1,
)
from rules.releasability import Release
from services.training import SOURCE
from services.training.cohorts import rules as cohort_rules
from services.training.cohorts.models import KnownCommitment
from services.training.cohorts.schemas import (
    AccommodationOut,
    CohortChange,
    CohortIn,
    CohortOut,
    NominationIn,
    NominationOut,
    SeatsOut,
)
from services.training.curricula import queries as curriculum_queries
from services.training.curricula import service as curricula
from services.training.facilities import service as facilities
from services.training.facilities.schemas import BookingIn
from services.training.instructors.delivery import announce_delivered
from services.training.models import Accommodation, Cohort, CohortSeats, InstructorAssignment, Nomination

NCU = frozenset({"national_coordinator"})
"""The national coordination unit: the gatekeeper who approves its country's nominations."""
NOMINATE = frozenset({"national_coordinator", "programme_coordinator", "agency_integrator"})
ORGANISE = frozenset({"national_coordinator", "programme_coordinator"})
LIVE = ("nominated", "enrolled", "waitlisted")
NEXT_STATUS: dict[str, tuple[tuple[str, ...], str]] = {
    "pause": (("scheduled",), "paused"),
    "resumption": (("paused",), "scheduled"),
    "cancellation": (("scheduled", "paused"), "cancelled"),
    "completion": (("scheduled",), "completed"),
}


def release(cohort: Cohort) -> Release:
    return Release.of(
        "partnership", originator=cohort.organiser_country_code, partnership_countries=cohort.countries
    )


def enrollment_release(cohort: Cohort, nomination: Nomination) -> Release:
    """A trainee's enrollment is their country's and the organiser's business."""
    return Release.of(f"countries:{cohort.organiser_country_code}", originator=nomination.country_code)


async def seat_pledges(session: AsyncSession, partnership_id: uuid.UUID, on: datetime) -> dict[str, Decimal]:
    day = on.date()
    rows = await session.execute(
        select(KnownCommitment.country_code, func.sum(KnownCommitment.amount))
        .where(
            KnownCommitment.partnership_id == partnership_id,
            KnownCommitment.kind == "seats",
            KnownCommitment.starts_on <= day,
            KnownCommitment.ends_on >= day,
        )
        .group_by(KnownCommitment.country_code)
    )
    return {country: Decimal(total) for country, total in rows.tuples()}


async def view(session: AsyncSession, cohort: Cohort) -> CohortOut:
    out = CohortOut.model_validate(cohort)
    seats = await session.scalars(
        select(CohortSeats).where(CohortSeats.cohort_id == cohort.id).order_by(CohortSeats.country_code)
    )
    out.seats = [SeatsOut.model_validate(s) for s in seats]
    return out


async def get(session: AsyncSession, cohort_id: uuid.UUID, *, lock: bool = False) -> Cohort:
    found = await session.get(Cohort, cohort_id, with_for_update=lock)
    if found is None:
        raise NotFound(f"No cohort with id {cohort_id}.", code="cohort_not_found")
    return found


async def schedule(
    session: AsyncSession,
    *,
    body: CohortIn,
    country: str,
    idempotency: IdempotentRequest | None,
) -> Outcome:
    async def record() -> Outcome:
        curriculum, version = await curriculum_queries.approved_version(session, body.curriculum_version_id)
        partnership = await curricula.member_partnership(session, curriculum.partnership_id, country)
        pledges = await seat_pledges(session, partnership.partnership_id, body.starts_at)
        if not pledges:
            raise field_problem(
                "starts_at",
                "no_seat_commitments",
                "No partner has seats pledged to this partnership for the cohort's start date.",
            )
        allocation = cohort_rules.allocate_seats(
            body.capacity, {c: pledges.get(c, Decimal(0)) for c in partnership.member_countries}
        )
        cohort_id = uuid.uuid4()
        booking_id = None
        if body.facility_id is not None:
            try:
                booking = await facilities.hold(
                    session,
                    facility_id=body.facility_id,
                    booking=BookingIn(
                        agency_id=body.organiser_agency_id,
                        starts_at=body.starts_at,
                        ends_at=body.ends_at,
                        purpose=f"Cohort of {curriculum.code} v{version.number}",
                        cohort_id=cohort_id,
                    ),
                    booker_country=country,
                )
            except NotFound as exc:
                raise field_problem("facility_id", "facility_unknown", str(exc)) from exc
            booking_id = booking.id
        now = datetime.now(UTC)
        cohort = Cohort(
            id=cohort_id,
            partnership_id=partnership.partnership_id,
            curriculum_id=curriculum.id,
            curriculum_version_id=version.id,
            organiser_agency_id=body.organiser_agency_id,
            organiser_country_code=country,
            facility_id=body.facility_id,
            booking_id=booking_id,
            starts_at=body.starts_at,
            ends_at=body.ends_at,
            language=body.language or version.language,
            capacity=body.capacity,
            status="scheduled",
            countries=list(partnership.member_countries),
            created_at=now,
        )
        session.add(cohort)
        await session.flush()
        session.add_all(
            CohortSeats(cohort_id=cohort.id, country_code=c, seats=n, enrolled=0, waitlisted=0)
            for c, n in allocation.items()
        )
        await session.flush()
        await add_event(
            session,
            CohortScheduledV1(
                cohort_id=str(cohort.id),
                partnership_id=str(cohort.partnership_id),
                curriculum_id=str(curriculum.id),
                curriculum_version=version.number,
                organiser_country_code=country,
                facility_id=str(body.facility_id) if body.facility_id else None,
                starts_at=body.starts_at,
                ends_at=body.ends_at,
                language=cohort.language,
                seats=[CohortSeatsV1(country_code=c, seats=n) for c, n in sorted(allocation.items())],
                scheduled_at=now,
            ),
            aggregate_id=str(cohort.id),
            source=SOURCE,
            release=release(cohort),
        )
        return Outcome(
            201, (await view(session, cohort)).model_dump(mode="json"), {"Location": f"/cohorts/{cohort.id}"}
        )

    async with session.begin():
        return await answer_once(session, idempotency, record)


async def view_one(session: AsyncSession, *, cohort_id: uuid.UUID) -> CohortOut:
    async with session.begin():
        return await view(session, await get(session, cohort_id))


async def change_status(
    session: AsyncSession,
    *,
    cohort_id: uuid.UUID,
    change: CohortChange,
    reason: str | None,
    principal: Principal | None,
) -> CohortOut:
    async with session.begin():
        cohort = await get(session, cohort_id, lock=True)
        require_country(principal, cohort.organiser_country_code, roles=ORGANISE, field="cohort_id")
        await set_status(session, cohort, change, reason)
        return await view(session, cohort)


async def set_status(session: AsyncSession, cohort: Cohort, change: CohortChange, reason: str | None) -> bool:
    """Move the cohort (inside the caller's transaction); False when it is there already (a repeat)."""
    allowed, target = NEXT_STATUS[change]
    if cohort.status == target:
        return False
    if cohort.status not in allowed:
        raise Conflict(f"A {cohort.status} cohort cannot take a {change}.", code="cohort_status_conflict")
    previous, cohort.status, cohort.status_reason = cohort.status, target, reason
    if target == "cancelled":
        if cohort.booking_id is not None:
            await facilities.release(session, booking_id=cohort.booking_id)
        await session.execute(  # its instructors are free for other cohorts again
            update(InstructorAssignment)
            .where(InstructorAssignment.cohort_id == cohort.id, InstructorAssignment.status == "active")
            .values(status="released", released_at=datetime.now(UTC))
        )
    await session.flush()
    await add_event(
        session,
        CohortStatusChangedV1(
            cohort_id=str(cohort.id),
            partnership_id=str(cohort.partnership_id),
            status=target,
            previous_status=previous,
            reason=reason,
            changed_at=datetime.now(UTC),
        ),
        aggregate_id=str(cohort.id),
        source=SOURCE,
        release=release(cohort),
    )
    if target == "completed":
        await announce_delivered(session, cohort, release(cohort))
    return True


async def announce_enrollment(
    session: AsyncSession, cohort: Cohort, nomination: Nomination, previous: str | None, reason: str | None
) -> None:
    await add_event(
        session,
        EnrollmentChangedV1(
            cohort_id=str(cohort.id),
            nomination_id=str(nomination.id),
            trainee_id=nomination.trainee_id,
            agency_id=str(nomination.agency_id),
            country_code=nomination.country_code,
            status=nomination.status,
            previous_status=previous,
            reason=reason,
            changed_at=nomination.changed_at,
        ),
        aggregate_id=str(cohort.id),
        source=SOURCE,
        release=enrollment_release(cohort, nomination),
    )


async def nominate(
    session: AsyncSession,
    *,
    cohort_id: uuid.UUID,
    body: NominationIn,
    country: str,
    author: str,
    idempotency: IdempotentRequest | None,
) -> Outcome:
    async def record() -> Outcome:
        cohort = await get(session, cohort_id)
        now = datetime.now(UTC)
        if cohort.status != "scheduled" or cohort.starts_at <= now:
            raise Conflict("The cohort takes no nominations (started, paused or over).", code="cohort_closed")
        if country not in cohort.countries:
            raise NotFound(f"No cohort with id {cohort_id}.", code="cohort_not_found")
        live = await session.scalar(
            select(Nomination.id).where(
                Nomination.cohort_id == cohort.id,
                Nomination.country_code == country,
                Nomination.trainee_id == body.trainee_id,
                Nomination.status.in_(LIVE),
            )
        )
        if live is not None:
            raise Conflict(f"{body.trainee_id} is nominated already ({live}).", code="already_nominated")
        nomination = Nomination(
            id=uuid.uuid4(),
            cohort_id=cohort.id,
            trainee_id=body.trainee_id,
            trainee_name=body.trainee_name,
            trainee_subject=body.trainee_subject,
            agency_id=body.agency_id,
            country_code=country,
            organiser_country_code=cohort.organiser_country_code,
            status="nominated",
            nominated_by=author,
            nominated_at=now,
            changed_at=now,
        )
        session.add(nomination)
        await session.flush()
        session.add_all(
            Accommodation(
                id=uuid.uuid4(), nomination_id=nomination.id, kind=a.kind, detail=a.detail, status="requested"
            )
            for a in body.accommodations
        )
        await session.flush()
        await announce_enrollment(session, cohort, nomination, None, None)
        return Outcome(201, (await nomination_view(session, nomination)).model_dump(mode="json"))

    async with session.begin():
        return await answer_once(session, idempotency, record)


async def nomination_row(
    session: AsyncSession, nomination_id: uuid.UUID, *, lock: bool = False
) -> Nomination:
    found = await session.get(Nomination, nomination_id, with_for_update=lock)
    if found is None:
        raise NotFound(f"No nomination with id {nomination_id}.", code="nomination_not_found")
    return found


async def _seats(session: AsyncSession, cohort_id: uuid.UUID, country: str) -> CohortSeats:
    """The country's seats row, locked: every count of one country's seats changes under this lock."""
    found = await session.get(CohortSeats, (cohort_id, country), with_for_update=True)
    if found is None:  # a member country that joined after scheduling: no seats, only the waiting list
        found = CohortSeats(cohort_id=cohort_id, country_code=country, seats=0, enrolled=0, waitlisted=0)
        session.add(found)
        await session.flush()
    return found


async def decide(
    session: AsyncSession,
    *,
    nomination_id: uuid.UUID,
    approve: bool,
    reason: str | None,
    principal: Principal | None,
) -> NominationOut:
    """The national coordination unit of the trainee's country approves (a seat or the waiting list) or rejects."""
    async with session.begin():
        nomination = await nomination_row(session, nomination_id)
        require_country(principal, nomination.country_code, roles=NCU, field="nomination_id")
        cohort = await get(session, nomination.cohort_id)
        seats = await _seats(session, cohort.id, nomination.country_code)
        await session.refresh(nomination, with_for_update=True)
        if nomination.status != "nominated":
            raise Conflict(f"The nomination was {nomination.status} already.", code="nomination_decided")
        now = datetime.now(UTC)
        if approve:
            nomination.status = cohort_rules.placement(seats.seats, seats.enrolled)
            if nomination.status == "enrolled":
                seats.enrolled += 1
            else:
                seats.waitlisted += 1
        else:
            nomination.status = "rejected"
        nomination.status_reason = reason
        nomination.decided_by = principal.subject if principal else "system"
        nomination.decided_at = nomination.changed_at = now
        await session.flush()
        await announce_enrollment(session, cohort, nomination, "nominated", reason)
        return await nomination_view(session, nomination)


async def withdraw(
    session: AsyncSession, *, nomination_id: uuid.UUID, reason: str, principal: Principal | None
) -> NominationOut:
    """The trainee's country withdraws; a seat it frees goes to its next trainee waiting, if any."""
    async with session.begin():
        nomination = await nomination_row(session, nomination_id)
        require_country(principal, nomination.country_code, roles=NOMINATE, field="nomination_id")
        cohort = await get(session, nomination.cohort_id)
        seats = await _seats(session, cohort.id, nomination.country_code)
        await session.refresh(nomination, with_for_update=True)
        if nomination.status == "withdrawn":
            return await nomination_view(session, nomination)
        if nomination.status not in LIVE:
            raise Conflict(f"A {nomination.status} nomination cannot be withdrawn.", code="nomination_closed")
        previous, now = nomination.status, datetime.now(UTC)
        nomination.status, nomination.status_reason, nomination.changed_at = "withdrawn", reason, now
        if previous == "enrolled":
            seats.enrolled -= 1
        elif previous == "waitlisted":
            seats.waitlisted -= 1
        await session.flush()
        await announce_enrollment(session, cohort, nomination, previous, reason)
        if previous == "enrolled":
            await _promote(session, cohort, seats)
        return await nomination_view(session, nomination)


async def _promote(session: AsyncSession, cohort: Cohort, seats: CohortSeats) -> None:
    waiting = await session.scalar(
        select(Nomination)
        .where(
            Nomination.cohort_id == cohort.id,
            Nomination.country_code == seats.country_code,
            Nomination.status == "waitlisted",
        )
        .order_by(Nomination.decided_at, Nomination.id)
        .limit(1)
        .with_for_update()
    )
    if waiting is None or seats.enrolled >= seats.seats:
        return
    waiting.status, waiting.changed_at = "enrolled", datetime.now(UTC)
    seats.enrolled += 1
    seats.waitlisted -= 1
    await session.flush()
    await announce_enrollment(session, cohort, waiting, "waitlisted", "a seat was freed")


async def decide_accommodation(
    session: AsyncSession,
    *,
    nomination_id: uuid.UUID,
    accommodation_id: uuid.UUID,
    confirm: bool,
    note: str | None,
    principal: Principal | None,
) -> NominationOut:
    """The organiser confirms (or declines, saying why) what a trainee needs to take part."""
    async with session.begin():
        nomination = await nomination_row(session, nomination_id)
        require_country(principal, nomination.organiser_country_code, roles=ORGANISE, field="nomination_id")
        accommodation = await session.get(Accommodation, accommodation_id, with_for_update=True)
        if accommodation is None or accommodation.nomination_id != nomination.id:
            raise NotFound(
                f"No accommodation {accommodation_id} on this nomination.", code="accommodation_not_found"
            )
        if not confirm and not note:
            raise field_problem("note", "note_required", "Say why the accommodation cannot be provided.")
        accommodation.status = "confirmed" if confirm else "declined"
        accommodation.note, accommodation.decided_at = note, datetime.now(UTC)
        await session.flush()
        return await nomination_view(session, nomination)


async def nomination_view(session: AsyncSession, nomination: Nomination) -> NominationOut:
    out = NominationOut.model_validate(nomination)
    out.accommodations = [
        AccommodationOut.model_validate(a)
        for a in await session.scalars(
            select(Accommodation)
            .where(Accommodation.nomination_id == nomination.id)
            .order_by(Accommodation.kind)
        )
    ]
    if nomination.status == "waitlisted":
        ahead = await session.scalar(
            select(func.count())
            .select_from(Nomination)
            .where(
                Nomination.cohort_id == nomination.cohort_id,
                Nomination.country_code == nomination.country_code,
                Nomination.status == "waitlisted",
                (Nomination.decided_at < nomination.decided_at)
                | ((Nomination.decided_at == nomination.decided_at) & (Nomination.id < nomination.id)),
            )
        )
        out.waitlist_position = int(ahead or 0) + 1
    return out


async def get_nomination(session: AsyncSession, *, nomination_id: uuid.UUID) -> NominationOut:
    async with session.begin():
        return await nomination_view(session, await nomination_row(session, nomination_id))


async def list_nominations(
    session: AsyncSession, *, cohort_id: uuid.UUID, limit: int, cursor: str | None
) -> tuple[list[NominationOut], str | None]:
    """The organiser sees every nomination; a partner country its own (row-level security)."""
    async with session.begin():
        await get(session, cohort_id)
        rows, next_cursor = await keyset_page(
            session,
            select(Nomination).where(Nomination.cohort_id == cohort_id),
            created=Nomination.nominated_at,
            key=Nomination.id,
            limit=limit,
            cursor=cursor,
        )
        return [await nomination_view(session, n) for n in rows], next_cursor
