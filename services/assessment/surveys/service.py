"""Survey use cases: the lead writes a survey (questions on scales, the minimum of responses, when it closes) and
issues single-use invitation codes (shown once, kept hashed); anyone holding a code answers once, without a
token; results are computed only after the survey closed and only from its minimum of responses, so neither a
small group nor one late answer can be read out of them."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from collections import Counter
from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from backbone.db import as_platform_within
from backbone.errors import Conflict, DomainError, field_problem
from backbone.idempotency import Outcome
from services.assessment.indicators import service as indicators
from services.assessment.indicators.models import Indicator
from services.assessment.indicators.schemas import MeasurementIn, MeasurementOut
from services.assessment.partnerships import HANDLING, partnership_of
from services.assessment.surveys.models import InvitationCode, Survey, SurveyResponse
from services.assessment.surveys.schemas import (
    InvitationsOut,
    QuestionResultOut,
    ResponseIn,
    ResultsOut,
    SurveyIn,
    SurveyOut,
)


def survey_view(row: Survey) -> SurveyOut:
    return SurveyOut.model_validate(row, from_attributes=True)


def _hash(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


async def get_survey(session: AsyncSession, survey_id: uuid.UUID, *, lock: bool = False) -> Survey:
    found = await session.get(Survey, survey_id, with_for_update=lock)
    if found is None:
        raise DomainError(f"No survey with id {survey_id}.", status=404, code="survey_not_found")
    return found


async def create(session: AsyncSession, *, partnership_id: uuid.UUID, body: SurveyIn) -> Outcome:
    """201; the same id and body again 200; the same id otherwise 409."""
    async with session.begin():
        found = await session.get(Survey, body.id)
        wanted = body.model_dump(mode="json", exclude={"id"})
        if found is not None:
            if survey_view(found).model_dump(mode="json", include=set(wanted)) != wanted:
                raise Conflict(f"Survey {body.id} was created otherwise.", code="survey_id_reused")
            return Outcome(200, survey_view(found).model_dump(mode="json"))
        if body.indicator is not None:
            known = await session.scalar(
                select(Indicator.id).where(
                    Indicator.partnership_id == partnership_id, Indicator.code == body.indicator
                )
            )
            if known is None:
                raise field_problem(
                    "indicator", "unknown_indicator", "The partnership has no such indicator."
                )
        if len({q.id for q in body.questions}) != len(body.questions):
            raise field_problem("questions", "question_repeated", "Each question id once.")
        partnership = await partnership_of(session, partnership_id)
        if body.country_code is not None and body.country_code not in partnership.member_countries:
            raise field_problem("country_code", "not_a_member", "Not a member country of the partnership.")
        row = Survey(
            id=body.id,
            partnership_id=partnership_id,
            title=body.title,
            indicator=body.indicator,
            indicator_question=body.indicator_question,
            country_code=body.country_code,
            questions=[q.model_dump(mode="json") for q in body.questions],
            min_responses=body.min_responses,
            closes_at=body.closes_at,
            invited=0,
            handling_code=HANDLING,
            created_at=datetime.now(UTC),
        )
        session.add(row)
        await session.flush()
        return Outcome(201, survey_view(row).model_dump(mode="json"))


async def invite(session: AsyncSession, *, survey_id: uuid.UUID, count: int) -> InvitationsOut:
    async with session.begin():
        survey = await get_survey(session, survey_id, lock=True)
        if survey.closes_at <= datetime.now(UTC):
            raise Conflict("The survey is closed.", code="survey_closed")
        codes = [secrets.token_urlsafe(18) for _ in range(count)]
        session.add_all(InvitationCode(code_hash=_hash(c), survey_id=survey.id, used=False) for c in codes)
        survey.invited += count
        await session.flush()
        return InvitationsOut(survey_id=survey.id, codes=codes)


async def respond(session: AsyncSession, *, survey_id: uuid.UUID, body: ResponseIn) -> None:
    """One response per code, stored without the code or the time of day (nothing to link it to who answered)."""
    async with session.begin():
        survey = await session.get(Survey, survey_id)
        if survey is None:
            raise DomainError(f"No survey with id {survey_id}.", status=404, code="survey_not_found")
        if survey.closes_at <= datetime.now(UTC):
            raise Conflict("The survey is closed.", code="survey_closed")
        for question in survey.questions:
            answer = body.answers.get(question["id"])
            scale = question["scale"]
            if answer is None:
                raise field_problem(f"answers.{question['id']}", "unanswered", "Every question is answered.")
            if not scale["minimum"] <= answer <= scale["maximum"]:
                raise field_problem(
                    f"answers.{question['id']}",
                    "off_scale",
                    f"A point from {scale['minimum']} to {scale['maximum']}.",
                )
        stray = set(body.answers) - {q["id"] for q in survey.questions}
        if stray:
            raise field_problem(f"answers.{sorted(stray)[0]}", "unknown_question", "No such question.")
        taken = await session.execute(
            update(InvitationCode)
            .where(
                InvitationCode.code_hash == _hash(body.code),
                InvitationCode.survey_id == survey.id,
                InvitationCode.used.is_(False),
            )
            .values(used=True)
            .returning(InvitationCode.code_hash)
        )
        if taken.first() is None:
            raise DomainError(
                "The code is not valid for this survey, or was used already.",
                status=403,
                code="code_not_valid",
            )
        session.add(
            SurveyResponse(
                id=uuid.uuid4(),
                survey_id=survey.id,
                answers=dict(body.answers),
                answered_on=datetime.now(UTC).date(),
            )
        )
        await session.flush()


async def results(session: AsyncSession, *, survey_id: uuid.UUID) -> ResultsOut:
    """Figures only once the survey closed and reached its minimum of responses."""
    async with session.begin():
        return await survey_results(session, await get_survey(session, survey_id))


async def survey_results(session: AsyncSession, survey: Survey) -> ResultsOut:
    answers = list(
        await session.scalars(select(SurveyResponse.answers).where(SurveyResponse.survey_id == survey.id))
    )
    shown = survey.closes_at <= datetime.now(UTC) and len(answers) >= survey.min_responses
    questions = []
    for question in survey.questions:
        points = [int(a[question["id"]]) for a in answers]
        questions.append(
            QuestionResultOut(
                id=question["id"],
                text=question["text"],
                mean=(Decimal(sum(points)) / len(points)).quantize(Decimal("0.01")) if shown else None,
                distribution={str(p): n for p, n in sorted(Counter(points).items())} if shown else None,
            )
        )
    return ResultsOut(
        survey_id=survey.id,
        responses=len(answers),
        min_responses=survey.min_responses,
        suppressed=not shown,
        questions=questions,
    )


async def surveys(session: AsyncSession, *, partnership_id: uuid.UUID) -> list[SurveyOut]:
    async with session.begin():
        await partnership_of(session, partnership_id)
        rows = await session.scalars(
            select(Survey)
            .where(Survey.partnership_id == partnership_id)
            .order_by(Survey.created_at, Survey.id)
        )
        return [survey_view(r) for r in rows]


async def measure(session: AsyncSession, *, survey_id: uuid.UUID) -> MeasurementOut:
    """The closed survey's measurement of its indicator: the mean of its indicator question, for its country,
    over the days it was open; recorded (and announced) once, the same answer after."""
    async with session.begin():
        survey = await get_survey(session, survey_id, lock=True)
        if survey.indicator is None or survey.country_code is None or survey.indicator_question is None:
            raise Conflict("The survey measures no indicator.", code="survey_measures_nothing")
        if survey.closes_at > datetime.now(UTC):
            raise Conflict("The survey is still open.", code="survey_open")
        points = [
            int(a[survey.indicator_question])
            for a in await session.scalars(
                select(SurveyResponse.answers).where(SurveyResponse.survey_id == survey.id)
            )
        ]
        if len(points) < survey.min_responses:
            raise Conflict(
                f"{len(points)} responses, fewer than the survey's minimum of {survey.min_responses}: no figure.",
                code="too_few_responses",
            )
        indicator = await session.scalar(
            select(Indicator).where(
                Indicator.partnership_id == survey.partnership_id, Indicator.code == survey.indicator
            )
        )
        assert indicator is not None  # checked when the survey was written; indicators are never deleted
        body = MeasurementIn(
            id=uuid.uuid5(survey.id, "measurement"),
            value=(Decimal(sum(points)) / len(points)).quantize(Decimal("0.0001")),
            period_start=survey.created_at.date(),
            period_end=survey.closes_at.date(),
            source=f"Survey: {survey.title} ({len(points)} responses)"[:300],
        )
        # The lead closes the survey of a member country's stakeholders: the measurement is that country's.
        async with as_platform_within(session):
            row, _ = await indicators.record(
                session, indicator, country=survey.country_code, reporter="survey", body=body
            )
            survey.measurement_id = row.id
            await session.flush()
        return indicators.measurement_view(row, indicator)
