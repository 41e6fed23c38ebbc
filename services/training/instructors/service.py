"""Instructors: registered by their agency's country and shared with partner countries, with qualifications
(competencies at levels), languages, teaching skills and availability; assigned to cohorts they are qualified
for, never two overlapping cohorts at once; and graduates who become instructor candidates (train-the-trainer)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import Range
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from backbone.auth.policy import require_country
from backbone.auth.principal import Principal
from backbone.errors import Conflict, NotFound, field_problem
from backbone.idempotency import IdempotentRequest, Outcome, answer_once
from backbone.pagination import keyset_page
from services.training.certifications.rules import status_at
from services.training.cohorts import service as cohorts
from services.training.instructors import rules as instructor_rules
from services.training.instructors.schemas import (
    AssignmentIn,
    AssignmentOut,
    AvailabilityIn,
    CandidateIn,
    InstructorIn,
    InstructorOut,
)
from services.training.models import (
    Certification,
    CurriculumVersion,
    Instructor,
    InstructorAssignment,
    InstructorAvailability,
)

NO_OVERLAP = "instructor_assignments_no_overlap"


def assignment_view(row: InstructorAssignment) -> AssignmentOut:
    assert row.period.lower is not None and row.period.upper is not None
    return AssignmentOut(
        id=row.id,
        instructor_id=row.instructor_id,
        cohort_id=row.cohort_id,
        role=row.role,
        status=row.status,
        starts_at=row.period.lower,
        ends_at=row.period.upper,
        assigned_at=row.assigned_at,
        released_at=row.released_at,
    )


async def get(session: AsyncSession, instructor_id: uuid.UUID, *, lock: bool = False) -> Instructor:
    found = await session.get(Instructor, instructor_id, with_for_update=lock)
    if found is None:
        raise NotFound(f"No instructor with id {instructor_id}.", code="instructor_not_found")
    return found


async def _add(session: AsyncSession, instructor: Instructor) -> Outcome:
    clash = await session.scalar(
        select(Instructor.id).where(
            Instructor.country_code == instructor.country_code, Instructor.person_id == instructor.person_id
        )
    )
    if clash is not None:
        raise Conflict(
            f"{instructor.person_id} is an instructor already ({clash}).", code="instructor_exists"
        )
    session.add(instructor)
    await session.flush()
    return Outcome(
        201,
        InstructorOut.model_validate(instructor).model_dump(mode="json"),
        {"Location": f"/instructors/{instructor.id}"},
    )


async def register(
    session: AsyncSession, *, body: InstructorIn, country: str, idempotency: IdempotentRequest | None
) -> Outcome:
    now = datetime.now(UTC)
    instructor = Instructor(
        id=uuid.uuid4(),
        agency_id=body.agency_id,
        country_code=country,
        person_id=body.person_id,
        name=body.name,
        qualifications=[q.model_dump() for q in body.qualifications],
        languages=body.languages,
        teaching_skills=list(body.teaching_skills),
        shared_with=[c for c in body.shared_with if c != country],
        status="active",
        source="registered",
        created_at=now,
        activated_at=now,
    )
    async with session.begin():
        return await answer_once(session, idempotency, lambda: _add(session, instructor))


async def propose_candidate(
    session: AsyncSession,
    *,
    body: CandidateIn,
    principal: Principal | None,
    idempotency: IdempotentRequest | None,
) -> Outcome:
    """Train-the-trainer: a graduate whose certification and test result qualify becomes a candidate."""

    async def record() -> Outcome:
        certification = await session.get(Certification, body.certification_id)
        if certification is None:
            raise field_problem("certification_id", "certification_unknown", "No such certification.")
        require_country(
            principal, certification.country_code, roles=cohorts.ORGANISE, field="certification_id"
        )
        status = status_at(
            recorded=certification.status, expires_at=certification.expires_at, now=datetime.now(UTC)
        )
        problem = instructor_rules.trainer_candidate_problem(
            status=status, level=certification.level, score=certification.score
        )
        if problem:
            raise field_problem(problem[0], "not_eligible", problem[1])
        return await _add(
            session,
            Instructor(
                id=uuid.uuid4(),
                agency_id=certification.agency_id,
                country_code=certification.country_code,
                person_id=certification.trainee_id,
                name=certification.trainee_name,
                qualifications=[
                    {"code": c, "level": certification.level} for c in certification.competencies
                ],
                languages=body.languages,
                teaching_skills=list(body.teaching_skills),
                shared_with=[c for c in body.shared_with if c != certification.country_code],
                status="candidate",
                source="train_the_trainer",
                certification_id=certification.id,
                created_at=datetime.now(UTC),
            ),
        )

    async with session.begin():
        return await answer_once(session, idempotency, record)


async def activate(
    session: AsyncSession, *, instructor_id: uuid.UUID, principal: Principal | None
) -> InstructorOut:
    async with session.begin():
        instructor = await get(session, instructor_id, lock=True)
        require_country(principal, instructor.country_code, roles=cohorts.NCU, field="instructor_id")
        if instructor.status == "retired":
            raise Conflict("A retired instructor is not activated again.", code="instructor_retired")
        if instructor.status == "candidate":
            instructor.status, instructor.activated_at = "active", datetime.now(UTC)
            await session.flush()
        return InstructorOut.model_validate(instructor)


async def view_one(session: AsyncSession, *, instructor_id: uuid.UUID) -> InstructorOut:
    async with session.begin():
        return InstructorOut.model_validate(await get(session, instructor_id))


async def add_availability(
    session: AsyncSession, *, instructor_id: uuid.UUID, body: AvailabilityIn, principal: Principal | None
) -> InstructorOut:
    async with session.begin():
        instructor = await get(session, instructor_id)
        require_country(principal, instructor.country_code, roles=cohorts.NOMINATE, field="instructor_id")
        session.add(
            InstructorAvailability(
                id=uuid.uuid4(),
                instructor_id=instructor.id,
                period=Range(body.starts_at, body.ends_at, bounds="[)"),
                note=body.note,
            )
        )
        await session.flush()
        return InstructorOut.model_validate(instructor)


async def assign(
    session: AsyncSession, *, cohort_id: uuid.UUID, body: AssignmentIn, principal: Principal | None
) -> AssignmentOut:
    async with session.begin():
        cohort = await cohorts.get(session, cohort_id)
        require_country(principal, cohort.organiser_country_code, roles=cohorts.ORGANISE, field="cohort_id")
        if cohort.status not in ("scheduled", "paused"):
            raise Conflict(f"A {cohort.status} cohort takes no instructor.", code="cohort_closed")
        try:
            instructor = await get(session, body.instructor_id)
        except NotFound as exc:
            raise field_problem("instructor_id", "instructor_unknown", str(exc)) from exc
        if instructor.status != "active":
            raise field_problem(
                "instructor_id", "instructor_not_active", f"The instructor is {instructor.status}."
            )
        if not instructor_rules.speaks(instructor.languages, cohort.language):
            raise field_problem(
                "instructor_id", "language_mismatch", f"The instructor does not teach in {cohort.language}."
            )
        version = await session.get(CurriculumVersion, cohort.curriculum_version_id)
        assert version is not None
        missing = instructor_rules.missing_qualifications(
            {q["code"]: int(q["level"]) for q in instructor.qualifications},
            instructor_rules.required_levels(version.modules),
            body.role,
        )
        if missing:
            raise field_problem(
                "instructor_id",
                "not_qualified",
                f"Not qualified for {', '.join(missing)} at the levels taught.",
            )
        windows = await session.scalars(
            select(InstructorAvailability).where(InstructorAvailability.instructor_id == instructor.id)
        )
        declared = [
            instructor_rules.Window(w.period.lower, w.period.upper)
            for w in windows
            if w.period.lower is not None and w.period.upper is not None
        ]
        if not instructor_rules.available(declared, cohort.starts_at, cohort.ends_at):
            raise field_problem(
                "instructor_id",
                "instructor_unavailable",
                "The instructor declared no availability covering the cohort.",
            )
        row = InstructorAssignment(
            id=uuid.uuid4(),
            instructor_id=instructor.id,
            cohort_id=cohort.id,
            instructor_country_code=instructor.country_code,
            organiser_country_code=cohort.organiser_country_code,
            period=Range(cohort.starts_at, cohort.ends_at, bounds="[)"),
            role=body.role,
            status="active",
            assigned_at=datetime.now(UTC),
        )
        session.add(row)
        try:
            await session.flush()
        except IntegrityError as exc:
            if NO_OVERLAP in str(exc.orig):
                raise Conflict(
                    "The instructor teaches another cohort during part of this one.",
                    code="instructor_double_booked",
                ) from exc
            raise
        return assignment_view(row)


async def release(
    session: AsyncSession, *, cohort_id: uuid.UUID, assignment_id: uuid.UUID, principal: Principal | None
) -> AssignmentOut:
    async with session.begin():
        row = await session.get(InstructorAssignment, assignment_id, with_for_update=True)
        if row is None or row.cohort_id != cohort_id:
            raise NotFound(f"No assignment {assignment_id} in this cohort.", code="assignment_not_found")
        require_country(principal, row.organiser_country_code, roles=cohorts.ORGANISE, field="cohort_id")
        if row.status == "active":
            row.status, row.released_at = "released", datetime.now(UTC)
            await session.flush()
        return assignment_view(row)


async def of_cohort(
    session: AsyncSession, *, cohort_id: uuid.UUID, limit: int, cursor: str | None
) -> tuple[list[AssignmentOut], str | None]:
    async with session.begin():
        await cohorts.get(session, cohort_id)
        rows, next_cursor = await keyset_page(
            session,
            select(InstructorAssignment).where(InstructorAssignment.cohort_id == cohort_id),
            created=InstructorAssignment.assigned_at,
            key=InstructorAssignment.id,
            limit=limit,
            cursor=cursor,
        )
        return [assignment_view(r) for r in rows], next_cursor
