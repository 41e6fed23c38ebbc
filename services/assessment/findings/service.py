"""Finding use cases: anyone who reads a rubric sees how often each criterion of a version was failed (among the
assessments it may see); the lead raises a finding on one criterion, which asks training to revise the curriculum
the rubric assesses; training's answer (accepted into a draft, or declined) comes back as an event and is kept on
the finding."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backbone.errors import Conflict, DomainError, field_problem
from backbone.idempotency import Outcome
from backbone.outbox import add_event
from contracts.envelope import EventEnvelope
from contracts.events.assessment import CurriculumRevisionRequestedV1, RevisionEvidenceV1
from contracts.events.evaluation import SurveyRevisionRequestedV1
from contracts.events.revisions import RevisionRequestDecidedV1
from services.assessment import SOURCE
from services.assessment.evaluators.models import CohortInstructor
from services.assessment.evaluators.service import instructors_of
from services.assessment.findings import rules
from services.assessment.findings.models import Finding
from services.assessment.findings.schemas import CriterionFailuresOut, FindingIn, FindingOut, SurveyFindingIn
from services.assessment.models import Assessment, Rubric, RubricVersion
from services.assessment.partnerships import HANDLING, partnership_of, release
from services.assessment.rubrics.service import check_curriculum, get_rubric, get_version
from services.assessment.surveys.service import get_survey, survey_results


def finding_view(row: Finding) -> FindingOut:
    return FindingOut.model_validate(row, from_attributes=True)


async def _final_markings(session: AsyncSession, version: RubricVersion) -> list[Assessment]:
    """The final marking of each trainee (under second marking, the one that settled the result)."""
    return list(
        await session.scalars(
            select(Assessment).where(Assessment.rubric_version_id == version.id, Assessment.status == "final")
        )
    )


def _tallies(version: RubricVersion, markings: list[Assessment]) -> list[rules.Tally]:
    scored = (
        rules.Scored(m.trainee_country_code, {s["criterion_id"]: int(s["level"]) for s in m.scores})
        for m in markings
    )
    return rules.tally(version.content, scored)


async def _version_of(session: AsyncSession, rubric_id: uuid.UUID, version_id: uuid.UUID) -> RubricVersion:
    version = await get_version(session, version_id)
    if version.rubric_id != rubric_id:
        raise DomainError(
            f"Rubric {rubric_id} has no version {version_id}.", status=404, code="rubric_version_not_found"
        )
    return version


async def criterion_failures(
    session: AsyncSession, *, rubric_id: uuid.UUID, version_id: uuid.UUID
) -> list[CriterionFailuresOut]:
    """Most failed first, counted over the assessments the caller may see (the lead: all of them)."""
    async with session.begin():
        await get_rubric(session, rubric_id)
        version = await _version_of(session, rubric_id, version_id)
        return [
            CriterionFailuresOut(
                criterion_id=t.criterion_id,
                dimension=t.dimension,
                text=t.text,
                failed=t.failed,
                assessed=t.assessed,
                publishable=t.publishable,
            )
            for t in _tallies(version, await _final_markings(session, version))
        ]


def _same(found: Finding, rubric_id: uuid.UUID, body: FindingIn) -> bool:
    return (found.rubric_id, found.rubric_version_id, found.criterion_id, found.summary) == (
        rubric_id,
        body.rubric_version_id,
        body.criterion_id,
        body.summary,
    )


async def raise_finding(
    session: AsyncSession, *, rubric_id: uuid.UUID, country: str, body: FindingIn
) -> Outcome:
    """201 and a revision request to training; the same id and body again 200; the same id otherwise 409.
    Refused (422) for a rubric that assesses no curriculum, a criterion the version lacks, or one nobody failed."""
    async with session.begin():
        found = await session.get(Finding, body.id)
        if found is not None:
            if not _same(found, rubric_id, body):
                raise Conflict(f"Finding {body.id} was raised otherwise.", code="finding_id_reused")
            return Outcome(200, finding_view(found).model_dump(mode="json"))
        rubric = await get_rubric(session, rubric_id)
        if rubric.curriculum_id is None:
            raise DomainError(
                "The rubric assesses no curriculum: there is nothing for training to revise.",
                status=422,
                code="rubric_without_curriculum",
            )
        try:
            version = await _version_of(session, rubric_id, body.rubric_version_id)
        except DomainError:
            raise field_problem(
                "rubric_version_id", "rubric_version_unknown", "No such version of this rubric."
            ) from None
        markings = await _final_markings(
            session, version
        )  # read once: the tally and the instructors concerned
        tally = next((t for t in _tallies(version, markings) if t.criterion_id == body.criterion_id), None)
        if tally is None:
            raise field_problem(
                "criterion_id", "unknown_criterion", "No criterion of the version has this id."
            )
        if not tally.failed:
            raise field_problem(
                "criterion_id",
                "criterion_never_failed",
                "No assessment of the version failed this criterion.",
            )
        concerned = await _instructors_concerned(session, version, markings, body.criterion_id)
        row = await _store(session, rubric, version, tally, country=country, body=body, instructors=concerned)
        return Outcome(201, finding_view(row).model_dump(mode="json"))


async def _store(
    session: AsyncSession,
    rubric: Rubric,
    version: RubricVersion,
    tally: rules.Tally,
    *,
    country: str,
    body: FindingIn,
    instructors: list[str],
) -> Finding:
    partnership = await partnership_of(session, rubric.partnership_id)
    publishable = tally.publishable
    evidence = RevisionEvidenceV1(
        criterion_id=tally.criterion_id,
        dimension=tally.dimension,
        criterion=tally.text,
        failed=tally.failed if publishable else None,
        assessed=tally.assessed if publishable else None,
        suppressed=not publishable,
    )
    assert rubric.curriculum_id is not None
    row = Finding(
        id=body.id,
        partnership_id=rubric.partnership_id,
        rubric_id=rubric.id,
        rubric_version_id=version.id,
        criterion_id=tally.criterion_id,
        curriculum_id=rubric.curriculum_id,
        module_ids=list(rubric.module_ids),
        summary=body.summary,
        evidence=evidence.model_dump(mode="json"),
        raised_by_country_code=country,
        raised_at=datetime.now(UTC),
        status="raised",
        handling_code=HANDLING,
    )
    session.add(row)
    await session.flush()
    await add_event(
        session,
        CurriculumRevisionRequestedV1(
            finding_id=str(row.id),
            partnership_id=str(row.partnership_id),
            curriculum_id=str(rubric.curriculum_id),
            module_ids=row.module_ids,
            competency=rubric.competency,
            rubric_id=str(rubric.id),
            rubric_version_id=str(version.id),
            summary=row.summary,
            evidence=evidence,
            instructor_ids=instructors,
            raised_by_country_code=country,
            raised_at=row.raised_at,
        ),
        aggregate_id=str(row.id),
        source=SOURCE,
        release=release(partnership),
    )
    return row


async def _instructors_concerned(
    session: AsyncSession, version: RubricVersion, markings: list[Assessment], criterion_id: str
) -> list[str]:
    """Who taught the trainees that failed the criterion: the instructors of the cohorts they attended (and of
    the cohort an assessment names), as training announced them."""
    taught: set[str] = set()
    for marking in markings:
        level = next((int(s["level"]) for s in marking.scores if s["criterion_id"] == criterion_id), None)
        if level is None or not rules.criterion_failed(version.content, criterion_id, level):
            continue
        taught |= await instructors_of(session, marking.trainee_id)
        if (cohort_id := marking.cohort_id) is not None:
            taught |= set(
                await session.scalars(
                    select(CohortInstructor.instructor_id).where(CohortInstructor.cohort_id == cohort_id)
                )
            )
    return sorted(taught)


async def raise_survey_finding(
    session: AsyncSession, *, survey_id: uuid.UUID, country: str, body: SurveyFindingIn
) -> Outcome:
    """A question the survey's respondents rated low becomes a revision request to training, with the survey's
    figures; only from a closed survey with its minimum of responses (as its results). 201; again 200; 409."""
    async with session.begin():
        found = await session.get(Finding, body.id)
        if found is not None:
            if (found.survey_id, found.question_id, found.curriculum_id, found.summary) != (
                survey_id,
                body.question_id,
                body.curriculum_id,
                body.summary,
            ):
                raise Conflict(f"Finding {body.id} was raised otherwise.", code="finding_id_reused")
            return Outcome(200, finding_view(found).model_dump(mode="json"))
        survey = await get_survey(session, survey_id)
        question = next((q for q in survey.questions if q["id"] == body.question_id), None)
        if question is None:
            raise field_problem("question_id", "unknown_question", "No question of the survey has this id.")
        results = await survey_results(session, survey)
        if results.suppressed:
            raise Conflict(
                "A survey gives evidence once it closed with its minimum of responses.",
                code="survey_not_shown",
            )
        await check_curriculum(session, survey.partnership_id, body.curriculum_id, [])
        mean = next(q.mean for q in results.questions if q.id == body.question_id)
        assert mean is not None
        partnership = await partnership_of(session, survey.partnership_id)
        row = Finding(
            id=body.id,
            partnership_id=survey.partnership_id,
            survey_id=survey.id,
            question_id=body.question_id,
            curriculum_id=body.curriculum_id,
            module_ids=[],
            summary=body.summary,
            evidence={
                "question_id": body.question_id,
                "question": question["text"],
                "mean": str(mean),
                "responses": results.responses,
            },
            raised_by_country_code=country,
            raised_at=datetime.now(UTC),
            status="raised",
            handling_code=HANDLING,
        )
        session.add(row)
        await session.flush()
        await add_event(
            session,
            SurveyRevisionRequestedV1(
                finding_id=str(row.id),
                partnership_id=str(row.partnership_id),
                curriculum_id=str(body.curriculum_id),
                survey_id=str(survey.id),
                question_id=body.question_id,
                question=question["text"],
                mean=mean,
                scale_minimum=question["scale"]["minimum"],
                scale_maximum=question["scale"]["maximum"],
                responses=results.responses,
                summary=body.summary,
                raised_by_country_code=country,
                raised_at=row.raised_at,
            ),
            aggregate_id=str(row.id),
            source=SOURCE,
            release=release(partnership),
        )
        return Outcome(201, finding_view(row).model_dump(mode="json"))


async def finding(session: AsyncSession, *, finding_id: uuid.UUID) -> FindingOut:
    async with session.begin():
        found = await session.get(Finding, finding_id)
        if found is None:
            raise DomainError(f"No finding with id {finding_id}.", status=404, code="finding_not_found")
        return finding_view(found)


async def findings(session: AsyncSession, *, partnership_id: uuid.UUID) -> list[FindingOut]:
    async with session.begin():
        await partnership_of(session, partnership_id)
        rows = await session.scalars(
            select(Finding)
            .where(Finding.partnership_id == partnership_id)
            .order_by(Finding.raised_at, Finding.id)
        )
        return [finding_view(r) for r in rows]


async def on_revision_request_decided(session: AsyncSession, envelope: EventEnvelope) -> None:
    """Training's answer to one of our findings (its drill findings are the incidents service's business). Kept
    once: a redelivery or a later contradicting answer changes nothing."""
    event = RevisionRequestDecidedV1.model_validate(envelope.data)
    if event.source != "assessment":
        return
    found = await session.get(Finding, uuid.UUID(event.finding_id), with_for_update=True)
    if found is None or found.status != "raised" or str(found.partnership_id) != event.partnership_id:
        return
    found.status = event.outcome
    found.outcome_reason = event.reason
    found.draft_version = event.draft_version
    found.decided_at = event.decided_at
    await session.flush()
