"""Evaluator use cases: the lead registers evaluators and sets what the partnership allows them; the lead or the
trainee's country assigns an evaluator to a trainee, refused with the rule that stands in the way (422 naming
it); training's events say who taught whom."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from backbone.db import as_platform_within
from backbone.errors import Conflict, DomainError, field_problem
from backbone.idempotency import Outcome
from contracts.envelope import EventEnvelope
from contracts.events.communities import MentorshipRecordedV1
from contracts.events.training import InstructorAssignmentDeliveredV1, TraineeAttendedV1
from services.assessment.evaluators import rules
from services.assessment.evaluators.models import (
    AssessmentPolicy,
    Assignment,
    CohortInstructor,
    CohortTrainee,
    Evaluator,
    Mentorship,
)
from services.assessment.evaluators.schemas import (
    AssignmentIn,
    AssignmentOut,
    EvaluatorIn,
    EvaluatorOut,
    MyAssignmentOut,
    PolicyIn,
    PolicyOut,
)
from services.assessment.models import Assessment, Rubric, RubricVersion
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
        if body.country_code not in partnership.member_countries and body.affiliation_kind == "agency":
            raise field_problem(
                "country_code",
                "not_a_member",
                "An agency's evaluator acts from a member country; academics and international bodies may come "
                "from anywhere.",
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
        values = body.model_dump()
        await session.execute(
            pg_insert(AssessmentPolicy)
            .values(partnership_id=partnership_id, updated_at=datetime.now(UTC), **values)
            .on_conflict_do_update(
                index_elements=["partnership_id"], set_={**values, "updated_at": datetime.now(UTC)}
            )
        )
        return PolicyOut(partnership_id=partnership_id, **values)


async def policy(session: AsyncSession, *, partnership_id: uuid.UUID) -> PolicyOut:
    async with session.begin():
        await partnership_of(session, partnership_id)
        return await policy_of(session, partnership_id)


async def policy_of(session: AsyncSession, partnership_id: uuid.UUID) -> PolicyOut:
    """The partnership's policy; none set is the defaults (no own country, single marking, not blind)."""
    found = await session.get(AssessmentPolicy, partnership_id)
    if found is None:
        return PolicyOut(
            partnership_id=partnership_id,
            evaluators_of_own_country=False,
            second_marking=False,
            moderation_threshold=10,
            blind_to_country=False,
        )
    return PolicyOut.model_validate(found, from_attributes=True)


async def _marking(
    session: AsyncSession, rules_of: PolicyOut, body: AssignmentIn, evaluator: Evaluator
) -> str:
    """Which marking the new assignment is: single without second marking; otherwise first, second (another
    evaluator), then a moderation (an external evaluator, neither marker) when the two markings disagree."""
    if not rules_of.second_marking:
        return "single"
    # Markings of one trainee against one version take turns (two coordinators assigning at once).
    await session.execute(
        select(func.pg_advisory_xact_lock(func.hashtext(f"{body.trainee_id}:{body.rubric_version_id}")))
    )
    earlier = list(
        await session.scalars(
            select(Assignment)
            .where(
                Assignment.trainee_id == body.trainee_id,
                Assignment.rubric_version_id == body.rubric_version_id,
                Assignment.marking.in_(("first", "second", "moderation")),
            )
            .order_by(Assignment.assigned_at)
        )
    )
    if evaluator.id in {a.evaluator_id for a in earlier}:
        raise field_problem("evaluator_id", "same_marker", "Each marking is by another evaluator.")
    if not earlier:
        return "first"
    if len(earlier) == 1:
        return "second"
    if len(earlier) > 2:
        raise Conflict("The trainee was marked twice and moderated already.", code="markers_complete")
    pending = await session.scalar(
        select(func.count()).where(
            Assessment.assignment_id.in_([a.id for a in earlier]), Assessment.status == "awaiting_moderation"
        )
    )
    if pending != 2:
        raise Conflict(
            "A moderator is assigned only when both markings are in and differ by more than the threshold.",
            code="moderation_not_needed",
        )
    if evaluator.affiliation_kind == "agency":
        raise field_problem(
            "evaluator_id",
            "moderator_not_external",
            "A moderator is external: academia or an international body.",
        )
    return "moderation"


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
        partnership_rules = await policy_of(session, version.partnership_id)
        refused = rules.conflict(
            rules.Evaluator(
                country=evaluator.country_code,
                agency_id=str(evaluator.agency_id) if evaluator.agency_id else None,
                instructor_id=evaluator.instructor_id,
                competencies=evaluator.competencies,
                related_trainees={d["trainee_id"] for d in evaluator.declarations},
                mentored_trainees=set(
                    await session.scalars(
                        select(Mentorship.trainee_id).where(Mentorship.mentor_subject == evaluator.subject)
                    )
                ),
            ),
            rules.Trainee(
                trainee_id=body.trainee_id,
                country=body.trainee_country_code,
                agency_id=str(body.trainee_agency_id),
                instructors=await instructors_of(session, body.trainee_id),
            ),
            competency=rubric.competency,
            own_country_allowed=partnership_rules.evaluators_of_own_country,
        )
        if refused is not None:
            raise field_problem("evaluator_id", refused, rules.MESSAGES[refused])
        marking = await _marking(session, partnership_rules, body, evaluator)
        row = Assignment(
            id=body.id,
            partnership_id=version.partnership_id,
            evaluator_id=evaluator.id,
            rubric_version_id=version.id,
            trainee_id=body.trainee_id,
            trainee_country_code=body.trainee_country_code,
            trainee_agency_id=body.trainee_agency_id,
            assigned_by_country_code=country,
            marking=marking,
            handling_code=HANDLING,
            assigned_at=datetime.now(UTC),
        )
        session.add(row)
        await session.flush()
        return Outcome(201, assignment_view(row).model_dump(mode="json"))


async def instructors_of(session: AsyncSession, trainee_id: str) -> set[str]:
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


async def on_mentorship_recorded(session: AsyncSession, envelope: EventEnvelope) -> None:
    event = MentorshipRecordedV1.model_validate(envelope.data)
    await session.execute(
        pg_insert(Mentorship)
        .values(mentor_subject=event.mentor_subject, trainee_id=event.trainee_id)
        .on_conflict_do_nothing()
    )


async def on_trainee_attended(session: AsyncSession, envelope: EventEnvelope) -> None:
    event = TraineeAttendedV1.model_validate(envelope.data)
    await session.execute(
        pg_insert(CohortTrainee)
        .values(cohort_id=uuid.UUID(event.cohort_id), trainee_id=event.trainee_id)
        .on_conflict_do_nothing()
    )


async def my_assignments(session: AsyncSession, *, subject: str) -> list[MyAssignmentOut]:
    """The caller's assignments, in every partnership it evaluates for; under blind marking without the
    trainee's country and agency."""
    # An evaluator of a country that is no member (an academic, an international body) sees nothing of the
    # partnership: its own assignments are found by its account, as the platform.
    async with session.begin(), as_platform_within(session):
        rows = (
            await session.execute(
                select(Assignment, AssessmentPolicy.blind_to_country, Assessment.id, RubricVersion.content)
                .join(Evaluator, Evaluator.id == Assignment.evaluator_id)
                .outerjoin(AssessmentPolicy, AssessmentPolicy.partnership_id == Assignment.partnership_id)
                .outerjoin(Assessment, Assessment.assignment_id == Assignment.id)
                .join(RubricVersion, RubricVersion.id == Assignment.rubric_version_id)
                .where(Evaluator.subject == subject)
                .order_by(Assignment.assigned_at, Assignment.id)
            )
        ).tuples()
        return [
            MyAssignmentOut(
                id=a.id,
                partnership_id=a.partnership_id,
                rubric_version_id=a.rubric_version_id,
                trainee_id=a.trainee_id,
                trainee_country_code=None if blind else a.trainee_country_code,
                trainee_agency_id=None if blind else a.trainee_agency_id,
                marking=a.marking,
                assessed=done is not None,
                assigned_at=a.assigned_at,
                rubric=content,
            )
            for a, blind, done, content in rows
        ]
