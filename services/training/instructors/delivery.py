"""What a completed cohort delivered: its instructors' teaching (one event per assignment still active, which
finance turns into a stipend payable per role and day) and its trainees' attendance (one event per trainee
enrolled, which finance turns into a travel and subsistence allowance when the venue is abroad)."""

from __future__ import annotations

import math
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backbone.outbox import Outgoing, add_events
from contracts.events.training import InstructorAssignmentDeliveredV1, TraineeAttendedV1
from rules.releasability import Release
from services.training import SOURCE
from services.training.models import Cohort, Facility, InstructorAssignment, Nomination

DAY_SECONDS = 86_400


def days_of(assignment: InstructorAssignment) -> int:
    """The calendar days the assignment spans, a started day counted whole (at least one)."""
    lower, upper = assignment.period.lower, assignment.period.upper
    assert lower is not None and upper is not None
    return days_between(lower, upper)


def days_between(start: datetime, end: datetime) -> int:
    return max(1, math.ceil((end - start).total_seconds() / DAY_SECONDS))


async def announce_delivered(session: AsyncSession, cohort: Cohort, release: Release) -> int:
    """Inside the completion's transaction; how many events (assignments delivered, trainees attended)."""
    assignments = list(
        await session.scalars(
            select(InstructorAssignment)
            .where(InstructorAssignment.cohort_id == cohort.id, InstructorAssignment.status == "active")
            .order_by(InstructorAssignment.id)
        )
    )
    now = datetime.now(UTC)
    events = [
        Outgoing(
            InstructorAssignmentDeliveredV1(
                assignment_id=str(a.id),
                cohort_id=str(cohort.id),
                partnership_id=str(cohort.partnership_id),
                instructor_id=str(a.instructor_id),
                instructor_country_code=a.instructor_country_code,
                organiser_country_code=a.organiser_country_code,
                role=a.role,
                days=days_of(a),
                delivered_at=now,
            ),
            aggregate_id=str(cohort.id),
            release=release,
        )
        for a in assignments
    ]
    await add_events(session, events, source=SOURCE)
    return len(events) + await _announce_attended(session, cohort, release, now)


async def _announce_attended(session: AsyncSession, cohort: Cohort, release: Release, now: datetime) -> int:
    enrolled = list(
        await session.scalars(
            select(Nomination)
            .where(Nomination.cohort_id == cohort.id, Nomination.status == "enrolled")
            .order_by(Nomination.id)
        )
    )
    facility = await session.get(Facility, cohort.facility_id) if cohort.facility_id else None
    venue = facility.owner_country_code if facility else cohort.organiser_country_code
    days = days_between(cohort.starts_at, cohort.ends_at)
    events = [
        Outgoing(
            TraineeAttendedV1(
                nomination_id=str(n.id),
                cohort_id=str(cohort.id),
                partnership_id=str(cohort.partnership_id),
                trainee_id=n.trainee_id,
                trainee_country_code=n.country_code,
                venue_country_code=venue,
                days=days,
                attended_at=now,
            ),
            aggregate_id=str(cohort.id),
            release=release,
        )
        for n in enrolled
    ]
    await add_events(session, events, source=SOURCE)
    return len(events)
