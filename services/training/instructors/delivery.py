"""A completed cohort delivered its instructors' teaching: one event per assignment still active, which finance
turns into a stipend payable (per role and day)."""

from __future__ import annotations

import math
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backbone.outbox import Outgoing, add_events
from contracts.events.training import InstructorAssignmentDeliveredV1
from rules.releasability import Release
from services.training import SOURCE
from services.training.models import Cohort, InstructorAssignment

DAY_SECONDS = 86_400


def days_of(assignment: InstructorAssignment) -> int:
    """The calendar days the assignment spans, a started day counted whole (at least one)."""
    lower, upper = assignment.period.lower, assignment.period.upper
    assert lower is not None and upper is not None
    return max(1, math.ceil((upper - lower).total_seconds() / DAY_SECONDS))


async def announce_delivered(session: AsyncSession, cohort: Cohort, release: Release) -> int:
    """Inside the completion's transaction; how many assignments were delivered."""
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
    return len(events)
