"""Assessment use cases: an evaluator of a member country records a trainee's assessment against a published
rubric version (every criterion scored once, at a level the rubric has); the result is computed by the rubric's
pass rule, stored, and announced to the lead and the trainee's country."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backbone.errors import Conflict, DomainError, field_problem
from backbone.idempotency import Outcome
from backbone.outbox import add_event
from contracts.events.assessment import TraineeAssessedV1
from services.assessment import SOURCE
from services.assessment.assessments.schemas import AssessmentIn, AssessmentOut
from services.assessment.evaluators.models import Assignment, Evaluator
from services.assessment.models import Assessment, Rubric
from services.assessment.partnerships import partnership_of, personal_release
from services.assessment.rubrics import rules
from services.assessment.rubrics.service import published_version


def assessment_view(row: Assessment) -> AssessmentOut:
    return AssessmentOut.model_validate(row, from_attributes=True)


async def record(session: AsyncSession, *, assessor: tuple[str, str], body: AssessmentIn) -> Outcome:
    """201; the same id and body again 200; the same id otherwise 409. `assessor`: (subject, country)."""
    subject, country = assessor
    async with session.begin():
        found = await session.get(Assessment, body.id)
        if found is not None:
            same = (found.rubric_version_id, found.trainee_id, found.scores, found.assessor_subject) == (
                body.rubric_version_id,
                body.trainee_id,
                [s.model_dump() for s in body.scores],
                subject,
            )
            if not same:
                raise Conflict(f"Assessment {body.id} was recorded otherwise.", code="assessment_id_reused")
            return Outcome(200, assessment_view(found).model_dump(mode="json"))
        version = await published_version(session, body.rubric_version_id)
        partnership = await partnership_of(session, version.partnership_id)
        await _assigned(session, body, subject)
        if body.trainee_country_code not in partnership.member_countries:
            raise field_problem(
                "trainee_country_code",
                "not_a_member",
                "The trainee's country is not a member of the partnership.",
            )
        scores = {s.criterion_id: s.level for s in body.scores}
        if len(scores) != len(body.scores):
            raise field_problem("scores", "criterion_repeated", "Each criterion is scored once.")
        missing, unknown = rules.unscored(version.content, scores)
        if unknown:
            index = next(i for i, s in enumerate(body.scores) if s.criterion_id == unknown[0])
            raise field_problem(
                f"scores.{index}.criterion_id",
                "unknown_criterion",
                f"{unknown[0]} is no criterion of the rubric.",
            )
        if missing:
            raise field_problem(
                "scores", "criterion_unscored", f"Every criterion is scored: {missing[0]} is not."
            )
        levels = set(rules.levels_of(version.content))
        for index, score in enumerate(body.scores):
            if score.level not in levels:
                raise field_problem(
                    f"scores.{index}.level", "unknown_level", f"The rubric's levels are {sorted(levels)}."
                )
        result = rules.result(version.content, scores)
        rubric = await session.get(Rubric, version.rubric_id)
        assert rubric is not None
        now, audience = datetime.now(UTC), personal_release(partnership, body.trainee_country_code)
        row = Assessment(
            id=body.id,
            partnership_id=version.partnership_id,
            rubric_version_id=version.id,
            assignment_id=body.assignment_id,
            kind=body.kind,
            cohort_id=body.cohort_id,
            trainee_id=body.trainee_id,
            trainee_country_code=body.trainee_country_code,
            assessor_subject=subject,
            assessor_country_code=country,
            scores=[s.model_dump() for s in body.scores],
            dimensions=[
                {"key": d.key, "percent": rules.shown(d.percent), "minimum": d.minimum, "passed": d.passed}
                for d in result.dimensions
            ],
            percent=Decimal(rules.shown(result.percent)),
            passed=result.passed,
            notes=body.notes,
            handling_code=str(audience.code),
            assessed_at=now,
        )
        session.add(row)
        await session.flush()
        await add_event(
            session,
            TraineeAssessedV1(
                assessment_id=str(row.id),
                partnership_id=str(row.partnership_id),
                rubric_id=str(rubric.id),
                rubric_version_id=str(version.id),
                competency=rubric.competency,
                kind=body.kind,
                cohort_id=str(body.cohort_id) if body.cohort_id else None,
                trainee_id=body.trainee_id,
                trainee_country_code=body.trainee_country_code,
                assessor_country_code=country,
                percent=row.percent,
                passed=row.passed,
                failed_dimensions=result.failed_dimensions,
                assessed_at=now,
            ),
            aggregate_id=body.trainee_id,
            source=SOURCE,
            release=audience,
        )
        return Outcome(201, assessment_view(row).model_dump(mode="json"))


async def _assigned(session: AsyncSession, body: AssessmentIn, subject: str) -> None:
    """The caller is the evaluator the assignment names, for this trainee and rubric version."""
    assignment = await session.get(Assignment, body.assignment_id)
    if assignment is None:
        raise field_problem("assignment_id", "assignment_unknown", "No such assignment you may see.")
    evaluator = await session.get(Evaluator, assignment.evaluator_id)
    if evaluator is None or evaluator.subject != subject:
        raise DomainError(
            "Only the evaluator assigned records this assessment.", status=403, code="not_assigned"
        )
    used = await session.scalar(select(Assessment.id).where(Assessment.assignment_id == assignment.id))
    if used is not None:
        raise Conflict(f"The assignment was assessed already ({used}).", code="assignment_used")
    wanted = (assignment.trainee_id, assignment.trainee_country_code, assignment.rubric_version_id)
    if wanted != (body.trainee_id, body.trainee_country_code, body.rubric_version_id):
        raise field_problem(
            "assignment_id",
            "assignment_of_another",
            "The assignment is for another trainee or rubric version.",
        )


async def assessment(session: AsyncSession, *, assessment_id: uuid.UUID) -> AssessmentOut:
    async with session.begin():
        found = await session.get(Assessment, assessment_id)
        if found is None:
            raise DomainError(
                f"No assessment with id {assessment_id}.", status=404, code="assessment_not_found"
            )
        return assessment_view(found)


async def assessments(session: AsyncSession, *, partnership_id: uuid.UUID) -> list[AssessmentOut]:
    """What the caller may see of them: the lead all, a member its own trainees' and its evaluators' (RLS)."""
    async with session.begin():
        await partnership_of(session, partnership_id)
        rows = await session.scalars(
            select(Assessment)
            .where(Assessment.partnership_id == partnership_id)
            .order_by(Assessment.assessed_at, Assessment.id)
        )
        return [assessment_view(r) for r in rows]
