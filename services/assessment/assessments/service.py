"""Assessment use cases: an evaluator of a member country records a trainee's marking against a published rubric
version (every criterion scored once, at a level the rubric has); the result is computed by the rubric's pass rule
and stored; the trainee's result (the agreed one under second marking: `marking.py`) is announced to the lead and
the trainee's country."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backbone.db import as_platform_within
from backbone.errors import Conflict, DomainError, field_problem
from backbone.idempotency import Outcome
from backbone.outbox import add_event
from contracts.events.assessment import TraineeAssessedV1
from services.assessment import SOURCE
from services.assessment.assessments import marking
from services.assessment.assessments.schemas import AssessmentIn, AssessmentOut
from services.assessment.evaluators.models import AssessmentPolicy, Assignment, Evaluator
from services.assessment.models import Assessment, KnownPartnership, Rubric
from services.assessment.partnerships import partnership_of, personal_release
from services.assessment.rubrics import rules
from services.assessment.rubrics.service import published_version


def assessment_view(row: Assessment) -> AssessmentOut:
    return AssessmentOut.model_validate(row, from_attributes=True)


async def record(session: AsyncSession, *, assessor: tuple[str, str], body: AssessmentIn) -> Outcome:
    """201; the same id and body again 200; the same id otherwise 409. `assessor`: (subject, country). Under
    second marking the result is announced once the two markings agree (their average) or a moderator marked."""
    subject, country = assessor
    async with session.begin(), as_platform_within(session):
        # The evaluator the assignment names records, whatever its country: a member's, or an academic's or an
        # international body's elsewhere, which sees nothing of the partnership. So the assignment, the rubric
        # version and the partnership are read as the platform, once the assignment names the caller.
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
            return Outcome(200, await _shown(session, found))
        assignment = await _assigned(session, body, subject)
        version = await published_version(session, body.rubric_version_id)
        partnership = await partnership_of(session, version.partnership_id)
        trainee_country = body.trainee_country_code or assignment.trainee_country_code
        if trainee_country not in partnership.member_countries:
            raise field_problem(
                "trainee_country_code",
                "not_a_member",
                "The trainee's country is not a member of the partnership.",
            )
        scores = _checked_scores(version.content, body)
        result = rules.result(version.content, scores)
        rubric = await session.get(Rubric, version.rubric_id)
        assert rubric is not None
        row = Assessment(
            id=body.id,
            partnership_id=version.partnership_id,
            rubric_version_id=version.id,
            assignment_id=body.assignment_id,
            kind=body.kind,
            cohort_id=body.cohort_id,
            trainee_id=body.trainee_id,
            trainee_country_code=trainee_country,
            assessor_subject=subject,
            assessor_country_code=country,
            scores=[s.model_dump() for s in body.scores],
            dimensions=_dimensions(result),
            percent=Decimal(rules.shown(result.percent)),
            passed=result.passed,
            notes=body.notes,
            handling_code=str(personal_release(partnership, trainee_country).code),
            assessed_at=datetime.now(UTC),
            marking=assignment.marking,
        )
        if assignment.marking == "single":
            marking.agree(row, version.content, scores)  # before it is stored: a marker never changes a row
        session.add(row)
        await session.flush()
        settled = await marking.settle(session, row, version.content, assignment.marking, scores)
        if settled is not None:
            await _announce(session, settled, rubric, partnership, country)
        return Outcome(201, await _shown(session, row))


def _checked_scores(version: Mapping[str, Any], body: AssessmentIn) -> dict[str, int]:
    """Every criterion scored once, at a level the rubric has; 422 naming the field otherwise."""
    scores = {s.criterion_id: s.level for s in body.scores}
    if len(scores) != len(body.scores):
        raise field_problem("scores", "criterion_repeated", "Each criterion is scored once.")
    missing, unknown = rules.unscored(version, scores)
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
    levels = set(rules.levels_of(version))
    for index, score in enumerate(body.scores):
        if score.level not in levels:
            raise field_problem(
                f"scores.{index}.level", "unknown_level", f"The rubric's levels are {sorted(levels)}."
            )
    return scores


def _dimensions(result: rules.Result) -> list[dict[str, Any]]:
    return [
        {"key": d.key, "percent": rules.shown(d.percent), "minimum": d.minimum, "passed": d.passed}
        for d in result.dimensions
    ]


async def _announce(
    session: AsyncSession, row: Assessment, rubric: Rubric, partnership: KnownPartnership, country: str
) -> None:
    """The trainee's result (the agreed one) to the lead and the trainee's country."""
    assert (
        row.agreed_percent is not None and row.agreed_passed is not None and row.agreed_dimensions is not None
    )
    await add_event(
        session,
        TraineeAssessedV1(
            assessment_id=str(row.id),
            partnership_id=str(row.partnership_id),
            rubric_id=str(rubric.id),
            rubric_version_id=str(row.rubric_version_id),
            competency=rubric.competency,
            kind=row.kind,
            cohort_id=str(row.cohort_id) if row.cohort_id else None,
            trainee_id=row.trainee_id,
            trainee_country_code=row.trainee_country_code,
            assessor_country_code=country,
            percent=row.agreed_percent,
            passed=row.agreed_passed,
            failed_dimensions=[d["key"] for d in row.agreed_dimensions if not d["passed"]],
            assessed_at=row.assessed_at,
        ),
        aggregate_id=row.trainee_id,
        source=SOURCE,
        release=personal_release(partnership, row.trainee_country_code),
    )


async def _shown(session: AsyncSession, row: Assessment) -> dict[str, Any]:
    """What the marker gets back: under blind marking, not the trainee's country."""
    shown = assessment_view(row).model_dump(mode="json")
    policy = await session.get(AssessmentPolicy, row.partnership_id)
    if policy is not None and policy.blind_to_country:
        shown["trainee_country_code"] = None
    return shown


async def _assigned(session: AsyncSession, body: AssessmentIn, subject: str) -> Assignment:
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
    country = body.trainee_country_code or assignment.trainee_country_code
    wanted = (assignment.trainee_id, assignment.trainee_country_code, assignment.rubric_version_id)
    if wanted != (body.trainee_id, country, body.rubric_version_id):
        raise field_problem(
            "assignment_id",
            "assignment_of_another",
            "The assignment is for another trainee or rubric version.",
        )
    return assignment


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
