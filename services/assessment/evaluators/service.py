"""Evaluator use cases: the lead registers evaluators and sets what the partnership allows them; the lead or the
trainee's country assigns an evaluator to a trainee, refused with the rule that stands in the way (422 naming
it); training's events say who taught whom."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from backbone.errors import Conflict, DomainError, field_problem
from backbone.idempotency import Outcome
from contracts.envelope import EventEnvelope
from contracts.events.training import InstructorAssignmentDeliveredV1, TraineeAttendedV1
from services.assessment.evaluators import rules
from services.assessment.evaluators.models import (
    AssessmentPolicy,
    Assignment,
    CohortInstructor,
    CohortTrainee,
    Evaluator,
)
from services.assessment.evaluators.schemas import (
    AssignmentIn,
    AssignmentOut,
    EvaluatorIn,
    EvaluatorOut,
    PolicyIn,
    PolicyOut,
)
from services.assessment.models import Rubric
from services.assessment.partnerships import HANDLING, partnership_of
from services.assessment.rubrics.service import published_version


def evaluator_view(row: Evaluator) -> EvaluatorOut:
    return EvaluatorOut.model_validate(row, from_attributes=True)


def assignment_view(row: Assignment) -> AssignmentOut:
    return AssignmentOut.model_validate(row, from_attributes=True)


async def register(session: AsyncSession, *, partnership_id: uuid.UUID, body: EvaluatorIn) -> Outcome:
    """201; the same again 200; the same id otherwise 409."""
    async with session.begin():
        partnership = await partnership_of(session, partnership_id)
        if body.country_code not in partnership.member_countries:
            raise field_problem(
                "country_code", "not_a_member", "Evaluators act from a member country of the partnership."
            )
        wanted = body.model_dump(mode="json", exclude={"id"})
        found = await session.get(Evaluator, body.id)
        if found is not None:
            if evaluator_view(found).model_dump(mode="json", include=set(wanted)) != wanted:
                raise Conflict(f"Evaluator {body.id} was registered otherwise.", code="evaluator_id_reused")
            return Outcome(200, evaluator_view(found).model_dump(mode="json"))
        taken = await session.scalar(
            select(Evaluator.id).where(
                Evaluator.partnership_id == partnership_id, Evaluator.subject == body.subject
            )
        )
        if taken is not None:
            raise field_problem("subject", "subject_registered", "This account is another evaluator's.")
        row = Evaluator(
            id=body.id,
            partnership_id=partnership_id,
            subject=body.subject,
            display_name=body.display_name,
            affiliation_kind=body.affiliation_kind,
            affiliation=body.affiliation,
            agency_id=body.agency_id,
            instructor_id=body.instructor_id,
            country_code=body.country_code,
            competencies=body.competencies,
            declarations=[d.model_dump() for d in body.declarations],
            handling_code=HANDLING,
            registered_at=datetime.now(UTC),
        )
        session.add(row)
        await session.flush()
        return Outcome(201, evaluator_view(row).model_dump(mode="json"))


async def evaluators(session: AsyncSession, *, partnership_id: uuid.UUID) -> list[EvaluatorOut]:
    async with session.begin():
        await partnership_of(session, partnership_id)
        rows = await session.scalars(
            select(Evaluator)
            .where(Evaluator.partnership_id == partnership_id)
            .order_by(Evaluator.registered_at)
        )
        return [evaluator_view(r) for r in rows]


async def set_policy(session: AsyncSession, *, partnership_id: uuid.UUID, body: PolicyIn) -> PolicyOut:
    async with session.begin():
        await partnership_of(session, partnership_id)
        await session.execute(
            pg_insert(AssessmentPolicy)
            .values(partnership_id=partnership_id, updated_at=datetime.now(UTC), **body.model_dump())
            .on_conflict_do_update(
                index_elements=["partnership_id"],
                set_={
                    "evaluators_of_own_country": body.evaluators_of_own_country,
                    "updated_at": datetime.now(UTC),
                },
            )
        )
        return PolicyOut(partnership_id=partnership_id, **body.model_dump())


async def policy(session: AsyncSession, *, partnership_id: uuid.UUID) -> PolicyOut:
    async with session.begin():
        await partnership_of(session, partnership_id)
        return PolicyOut(
            partnership_id=partnership_id,
            evaluators_of_own_country=await _own_country(session, partnership_id),
        )


async def _own_country(session: AsyncSession, partnership_id: uuid.UUID) -> bool:
    found = await session.get(AssessmentPolicy, partnership_id)
    return bool(found and found.evaluators_of_own_country)


async def assign(session: AsyncSession, *, country: str, body: AssignmentIn) -> Outcome:
    """The lead or the trainee's country assigns an evaluator of the partnership to a trainee, for a published
    version of its rubrics; refused (422, `evaluator_id`, the rule's code) on a conflict of interest."""
    async with session.begin():
        found = await session.get(Assignment, body.id)
        if found is not None:
            same = (found.evaluator_id, found.rubric_version_id, found.trainee_id) == (
                body.evaluator_id,
                body.rubric_version_id,
                body.trainee_id,
            )
            if not same:
                raise Conflict(f"Assignment {body.id} was made otherwise.", code="assignment_id_reused")
            return Outcome(200, assignment_view(found).model_dump(mode="json"))
        version = await published_version(session, body.rubric_version_id)
        partnership = await partnership_of(session, version.partnership_id)
        if country not in (partnership.lead_country_code, body.trainee_country_code):
            raise DomainError(
                "The partnership's lead or the trainee's country assigns its evaluators.",
                status=403,
                code="not_lead_nor_trainees_country",
            )
        if body.trainee_country_code not in partnership.member_countries:
            raise field_problem(
                "trainee_country_code", "not_a_member", "The trainee's country is not a member."
            )
        evaluator = await session.get(Evaluator, body.evaluator_id)
        if evaluator is None or evaluator.partnership_id != version.partnership_id:
            raise field_problem("evaluator_id", "evaluator_unknown", "No such evaluator in this partnership.")
        rubric = await session.get(Rubric, version.rubric_id)
        assert rubric is not None
        refused = rules.conflict(
            rules.Evaluator(
                country=evaluator.country_code,
                agency_id=str(evaluator.agency_id) if evaluator.agency_id else None,
                instructor_id=evaluator.instructor_id,
                competencies=evaluator.competencies,
                related_trainees={d["trainee_id"] for d in evaluator.declarations},
            ),
            rules.Trainee(
                trainee_id=body.trainee_id,
                country=body.trainee_country_code,
                agency_id=str(body.trainee_agency_id),
                instructors=await _instructors_of(session, body.trainee_id),
            ),
            competency=rubric.competency,
            own_country_allowed=await _own_country(session, version.partnership_id),
        )
        if refused is not None:
            raise field_problem("evaluator_id", refused, rules.MESSAGES[refused])
        row = Assignment(
            id=body.id,
            partnership_id=version.partnership_id,
            evaluator_id=evaluator.id,
            rubric_version_id=version.id,
            trainee_id=body.trainee_id,
            trainee_country_code=body.trainee_country_code,
            trainee_agency_id=body.trainee_agency_id,
            assigned_by_country_code=country,
            handling_code=HANDLING,
            assigned_at=datetime.now(UTC),
        )
        session.add(row)
        await session.flush()
        return Outcome(201, assignment_view(row).model_dump(mode="json"))


async def _instructors_of(session: AsyncSession, trainee_id: str) -> set[str]:
    """Instructors of the cohorts the trainee attended, as training announced them."""
    rows = await session.scalars(
        select(CohortInstructor.instructor_id)
        .join(CohortTrainee, CohortTrainee.cohort_id == CohortInstructor.cohort_id)
        .where(CohortTrainee.trainee_id == trainee_id)
    )
    return set(rows)


async def on_instructor_delivered(session: AsyncSession, envelope: EventEnvelope) -> None:
    event = InstructorAssignmentDeliveredV1.model_validate(envelope.data)
    await session.execute(
        pg_insert(CohortInstructor)
        .values(cohort_id=uuid.UUID(event.cohort_id), instructor_id=event.instructor_id)
        .on_conflict_do_nothing()
    )


async def on_trainee_attended(session: AsyncSession, envelope: EventEnvelope) -> None:
    event = TraineeAttendedV1.model_validate(envelope.data)
    await session.execute(
        pg_insert(CohortTrainee)
        .values(cohort_id=uuid.UUID(event.cohort_id), trainee_id=event.trainee_id)
        .on_conflict_do_nothing()
    )
