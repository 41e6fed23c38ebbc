"""The rounds of an evaluation plan, as EvaluationCycleWorkflow drives them (its workflow-only routes): opened
for a period with a reviewer of another country assigned to each member country's reports; chased while
countries have not reported every indicator (a reminder to them, an escalation to the partnership); closed with
what was measured against the targets. Each step is announced; each answers the same on a retry."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backbone.errors import Conflict, DomainError
from backbone.idempotency import IdempotentRequest, Outcome, answer_once
from backbone.outbox import add_event
from contracts.events.evaluation import (
    EvaluationRoundChasedV1,
    EvaluationRoundClosedV1,
    EvaluationRoundOpenedV1,
    IndicatorResultV1,
    RoundReviewerV1,
)
from rules.releasability import Release
from services.assessment import SOURCE
from services.assessment.evaluators.models import Evaluator
from services.assessment.indicators import rules as indicator_rules
from services.assessment.indicators.models import Indicator, Measurement
from services.assessment.models import KnownPartnership
from services.assessment.partnerships import HANDLING, partnership_of, release
from services.assessment.plans import rules
from services.assessment.plans.models import EvaluationPlan, EvaluationRound, PlanVersion
from services.assessment.plans.schemas import ChaseOut, RoundOpenIn, RoundOut
from services.assessment.plans.service import get_plan


def round_view(row: EvaluationRound) -> RoundOut:
    return RoundOut.model_validate(row, from_attributes=True)


async def _version(session: AsyncSession, plan: EvaluationPlan, number: int) -> PlanVersion:
    found = await session.scalar(
        select(PlanVersion).where(PlanVersion.plan_id == plan.id, PlanVersion.version == number)
    )
    if found is None or found.status == "draft":
        raise DomainError(
            f"Plan {plan.id} has no published version {number}.", status=409, code="version_not_published"
        )
    return found


async def open_round(session: AsyncSession, *, plan_id: uuid.UUID, body: RoundOpenIn) -> RoundOut:
    async with session.begin():
        plan = await get_plan(session, plan_id, lock=True)
        found = await session.scalar(
            select(EvaluationRound).where(
                EvaluationRound.plan_id == plan.id, EvaluationRound.number == body.number
            )
        )
        if found is not None:
            return round_view(found)  # opened already (a retried call)
        version = await _version(session, plan, body.version)
        partnership = await partnership_of(session, plan.partnership_id)
        candidates = await session.scalars(
            select(Evaluator)
            .where(Evaluator.partnership_id == plan.partnership_id)
            .order_by(Evaluator.registered_at, Evaluator.id)
        )
        chosen = rules.reviewers(
            partnership.member_countries, [rules.Candidate(str(e.id), e.country_code) for e in candidates]
        )
        now = datetime.now(UTC)
        row = EvaluationRound(
            id=uuid.uuid4(),
            plan_id=plan.id,
            partnership_id=plan.partnership_id,
            plan_version=version.version,
            number=body.number,
            period_start=body.period_start,
            period_end=body.period_end,
            opened_at=now,
            due_at=body.due_at,
            status="open",
            reviewers=[{"country_code": c, "evaluator_id": e} for c, e in chosen.items()],
            reminders=0,
            handling_code=HANDLING,
        )
        session.add(row)
        await session.flush()
        await add_event(
            session,
            EvaluationRoundOpenedV1(
                round_id=str(row.id),
                plan_id=str(plan.id),
                partnership_id=str(plan.partnership_id),
                plan_version=version.version,
                number=row.number,
                period_start=row.period_start,
                period_end=row.period_end,
                due_at=row.due_at,
                indicators=list(version.content["indicators"]),
                reviewers=[RoundReviewerV1(country_code=c, evaluator_id=e) for c, e in chosen.items()],
                opened_at=now,
            ),
            aggregate_id=str(plan.id),
            source=SOURCE,
            release=release(partnership),
        )
        return round_view(row)


async def _round(session: AsyncSession, round_id: uuid.UUID) -> EvaluationRound:
    found = await session.get(EvaluationRound, round_id, with_for_update=True)
    if found is None:
        raise DomainError(f"No evaluation round with id {round_id}.", status=404, code="round_not_found")
    return found


async def _measured(
    session: AsyncSession, row: EvaluationRound, codes: list[str]
) -> dict[tuple[str, str], Measurement]:
    """Each (country, indicator code)'s latest measurement for the round's period."""
    rows = await session.execute(
        select(Indicator.code, Measurement)
        .join(Measurement, Measurement.indicator_id == Indicator.id)
        .where(
            Indicator.partnership_id == row.partnership_id,
            Indicator.code.in_(codes),
            Measurement.period_start >= row.period_start,
            Measurement.period_end <= row.period_end,
        )
        .order_by(Measurement.period_end, Measurement.measured_at)
    )
    return {(m.country_code, code): m for code, m in rows.tuples()}


async def _countries_and_codes(
    session: AsyncSession, row: EvaluationRound
) -> tuple[KnownPartnership, list[str]]:
    partnership = await partnership_of(session, row.partnership_id)
    plan = await get_plan(session, row.plan_id)
    version = await _version(session, plan, row.plan_version)
    return partnership, list(version.content["indicators"])


async def chase(
    session: AsyncSession, *, round_id: uuid.UUID, kind: str, idempotency: IdempotentRequest | None
) -> Outcome:
    """Who has not reported yet; when someone has not, they are reminded (or the partnership alerted)."""
    async with session.begin():

        async def act() -> Outcome:
            row = await _round(session, round_id)
            if row.status != "open":
                raise Conflict(f"Round {row.number} is closed.", code="round_closed")
            partnership, codes = await _countries_and_codes(session, row)
            missing = rules.missing(
                partnership.member_countries, codes, set(await _measured(session, row, codes))
            )
            if missing and kind != "check":
                now = datetime.now(UTC)
                if kind == "reminder":
                    row.reminders += 1
                    audience = Release.of(
                        f"countries:{','.join(sorted({*missing, partnership.lead_country_code}))}",
                        originator=partnership.lead_country_code,
                    )
                else:
                    row.escalated_at = now
                    audience = release(partnership)
                await session.flush()
                await add_event(
                    session,
                    EvaluationRoundChasedV1(
                        round_id=str(row.id),
                        plan_id=str(row.plan_id),
                        partnership_id=str(row.partnership_id),
                        number=row.number,
                        kind=kind,
                        missing=missing,
                        due_at=row.due_at,
                        at=now,
                    ),
                    aggregate_id=str(row.plan_id),
                    source=SOURCE,
                    release=audience,
                )
            return Outcome(200, ChaseOut(round_id=row.id, missing=missing).model_dump(mode="json"))

        return await answer_once(session, idempotency, act)


async def close(session: AsyncSession, *, round_id: uuid.UUID) -> RoundOut:
    """The round's results (each indicator: who measured it, who met the target) kept and announced; closing it
    again answers the same."""
    async with session.begin():
        row = await _round(session, round_id)
        if row.status == "closed":
            return round_view(row)
        partnership, codes = await _countries_and_codes(session, row)
        measured = await _measured(session, row, codes)
        indicators = {
            i.code: i
            for i in await session.scalars(
                select(Indicator).where(
                    Indicator.partnership_id == row.partnership_id, Indicator.code.in_(codes)
                )
            )
        }
        results = [
            IndicatorResultV1(
                code=code,
                measured_by=sorted(c for c, k in measured if k == code),
                target_met_by=sorted(
                    c
                    for (c, k), m in measured.items()
                    if k == code
                    and indicator_rules.meets(m.value, indicators[code].target, indicators[code].direction)  # type: ignore[arg-type]
                ),
            )
            for code in codes
        ]
        missing = rules.missing(partnership.member_countries, codes, set(measured))
        now = datetime.now(UTC)
        row.status, row.closed_at = "closed", now
        row.results = {"indicators": [r.model_dump(mode="json") for r in results], "missing": missing}
        await session.flush()
        await add_event(
            session,
            EvaluationRoundClosedV1(
                round_id=str(row.id),
                plan_id=str(row.plan_id),
                partnership_id=str(row.partnership_id),
                number=row.number,
                period_start=row.period_start,
                period_end=row.period_end,
                indicators=results,
                missing=missing,
                closed_at=now,
            ),
            aggregate_id=str(row.plan_id),
            source=SOURCE,
            release=release(partnership),
        )
        return round_view(row)


async def rounds(session: AsyncSession, *, plan_id: uuid.UUID) -> list[RoundOut]:
    async with session.begin():
        await get_plan(session, plan_id)
        found = await session.scalars(
            select(EvaluationRound).where(EvaluationRound.plan_id == plan_id).order_by(EvaluationRound.number)
        )
        return [round_view(r) for r in found]


async def closed_rounds(session: AsyncSession, *, partnership_id: uuid.UUID) -> list[RoundOut]:
    """Public: the closed rounds' results for the indicators coded public (who reported, who met the target),
    never the reviewers."""
    async with session.begin():
        public = set(
            await session.scalars(
                select(Indicator.code).where(
                    Indicator.partnership_id == partnership_id, Indicator.handling_code == "public"
                )
            )
        )
        found = await session.scalars(
            select(EvaluationRound)
            .where(EvaluationRound.partnership_id == partnership_id, EvaluationRound.status == "closed")
            .order_by(EvaluationRound.plan_id, EvaluationRound.number)
        )
        shown = []
        for row in found:
            out = round_view(row)
            results = row.results or {}
            out.results = {
                "indicators": [i for i in results.get("indicators", []) if i["code"] in public],
                "missing": results.get("missing", []),
            }
            out.reviewers = []
            shown.append(out)
        return shown
