"""Evaluation plan use cases: the lead writes a plan (questions, the partnership's indicators, methods, a schedule
of rounds) as a draft, edits it, and publishes it (immutable and public from then on; a later draft becomes the
next version, which takes over from the next round). The consumer starts the plan's EvaluationCycleWorkflow from
the published event (processes.py)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backbone.errors import Conflict, DomainError, field_problem
from backbone.idempotency import Outcome
from backbone.outbox import add_event
from contracts.events.evaluation import EvaluationPlanPublishedV1, PlanScheduleV1
from rules.releasability import Release
from services.assessment import SOURCE
from services.assessment.indicators.models import Indicator
from services.assessment.partnerships import HANDLING, partnership_of
from services.assessment.plans.models import EvaluationPlan, PlanVersion
from services.assessment.plans.schemas import PlanContentIn, PlanIn, PlanOut, PlanVersionOut


def version_view(row: PlanVersion) -> PlanVersionOut:
    return PlanVersionOut.model_validate(row, from_attributes=True)


async def view(session: AsyncSession, plan: EvaluationPlan) -> PlanOut:
    versions = await session.scalars(
        select(PlanVersion).where(PlanVersion.plan_id == plan.id).order_by(PlanVersion.version)
    )
    return PlanOut(
        id=plan.id,
        partnership_id=plan.partnership_id,
        title=plan.title,
        created_at=plan.created_at,
        versions=[version_view(v) for v in versions],
    )


async def get_plan(session: AsyncSession, plan_id: uuid.UUID, *, lock: bool = False) -> EvaluationPlan:
    found = await session.get(EvaluationPlan, plan_id, with_for_update=lock)
    if found is None:
        raise DomainError(f"No evaluation plan with id {plan_id}.", status=404, code="plan_not_found")
    return found


async def _check_indicators(session: AsyncSession, partnership_id: uuid.UUID, content: PlanContentIn) -> None:
    known = set(
        await session.scalars(select(Indicator.code).where(Indicator.partnership_id == partnership_id))
    )
    for index, code in enumerate(content.indicators):
        if code not in known:
            raise field_problem(
                f"content.indicators.{index}",
                "unknown_indicator",
                f"The partnership has no indicator {code}.",
            )
    if len(set(content.indicators)) != len(content.indicators):
        raise field_problem("content.indicators", "indicator_repeated", "Each indicator once.")
    if len({q.id for q in content.questions}) != len(content.questions):
        raise field_problem("content.questions", "question_repeated", "Each question id once.")


async def create(session: AsyncSession, *, partnership_id: uuid.UUID, country: str, body: PlanIn) -> Outcome:
    """201 with its first version as a draft; the same id and body again 200; the same id otherwise 409."""
    async with session.begin():
        found = await session.get(EvaluationPlan, body.id)
        if found is not None:
            first = await session.scalar(
                select(PlanVersion).where(PlanVersion.plan_id == found.id, PlanVersion.version == 1)
            )
            same = (found.partnership_id, found.title, first.content if first else None) == (
                partnership_id,
                body.title,
                body.content.model_dump(mode="json"),
            )
            if not same:
                raise Conflict(f"Evaluation plan {body.id} was created otherwise.", code="plan_id_reused")
            return Outcome(200, (await view(session, found)).model_dump(mode="json"))
        await partnership_of(session, partnership_id)
        await _check_indicators(session, partnership_id, body.content)
        now = datetime.now(UTC)
        plan = EvaluationPlan(
            id=body.id,
            partnership_id=partnership_id,
            title=body.title,
            created_by_country_code=country,
            handling_code=HANDLING,
            created_at=now,
        )
        session.add(plan)
        await session.flush()
        session.add(_version(plan, 1, body.content, now))
        await session.flush()
        return Outcome(201, (await view(session, plan)).model_dump(mode="json"))


def _version(plan: EvaluationPlan, number: int, content: PlanContentIn, now: datetime) -> PlanVersion:
    return PlanVersion(
        id=uuid.uuid4(),
        plan_id=plan.id,
        partnership_id=plan.partnership_id,
        version=number,
        status="draft",
        content=content.model_dump(mode="json"),
        created_at=now,
    )


async def _latest(session: AsyncSession, plan_id: uuid.UUID) -> PlanVersion:
    latest = await session.scalar(
        select(PlanVersion)
        .where(PlanVersion.plan_id == plan_id)
        .order_by(PlanVersion.version.desc())
        .limit(1)
    )
    assert latest is not None  # a plan is created with its first version
    return latest


async def edit_draft(session: AsyncSession, *, plan_id: uuid.UUID, content: PlanContentIn) -> PlanVersionOut:
    """The draft changes; after a publication, a new draft version starts from this content."""
    async with session.begin():
        plan = await get_plan(session, plan_id, lock=True)
        await _check_indicators(session, plan.partnership_id, content)
        latest = await _latest(session, plan.id)
        if latest.status == "draft":
            latest.content = content.model_dump(mode="json")
            await session.flush()
            return version_view(latest)
        draft = _version(plan, latest.version + 1, content, datetime.now(UTC))
        session.add(draft)
        await session.flush()
        return version_view(draft)


async def publish(session: AsyncSession, *, plan_id: uuid.UUID) -> PlanVersionOut:
    """The draft becomes the published version (the one before it superseded) and is announced to everyone; 409
    when there is no draft."""
    async with session.begin():
        plan = await get_plan(session, plan_id, lock=True)
        latest = await _latest(session, plan.id)
        if latest.status != "draft":
            raise Conflict("There is no draft to publish: edit the plan first.", code="no_draft")
        partnership = await partnership_of(session, plan.partnership_id)
        previous = await session.scalar(
            select(PlanVersion).where(PlanVersion.plan_id == plan.id, PlanVersion.status == "published")
        )
        if previous is not None:
            previous.status = "superseded"
        now = datetime.now(UTC)
        latest.status, latest.published_at = "published", now
        await session.flush()
        content = latest.content
        await add_event(
            session,
            EvaluationPlanPublishedV1(
                plan_id=str(plan.id),
                partnership_id=str(plan.partnership_id),
                title=plan.title,
                version=latest.version,
                questions=[q["text"] for q in content["questions"]],
                indicators=list(content["indicators"]),
                methods=list(content["methods"]),
                schedule=PlanScheduleV1.model_validate(content["schedule"]),
                published_at=now,
            ),
            aggregate_id=str(plan.id),
            source=SOURCE,
            release=Release.of("public", originator=partnership.lead_country_code),
        )
        return version_view(latest)


async def plan(session: AsyncSession, *, plan_id: uuid.UUID) -> PlanOut:
    async with session.begin():
        return await view(session, await get_plan(session, plan_id))


async def plans(session: AsyncSession, *, partnership_id: uuid.UUID) -> list[PlanOut]:
    async with session.begin():
        await partnership_of(session, partnership_id)
        rows = await session.scalars(
            select(EvaluationPlan)
            .where(EvaluationPlan.partnership_id == partnership_id)
            .order_by(EvaluationPlan.created_at, EvaluationPlan.id)
        )
        return [await view(session, r) for r in rows]


async def published(session: AsyncSession, *, partnership_id: uuid.UUID) -> list[PlanVersionOut]:
    """What anyone may read: the published (and superseded) versions of the partnership's plans."""
    async with session.begin():
        rows = await session.scalars(
            select(PlanVersion)
            .where(PlanVersion.partnership_id == partnership_id, PlanVersion.status != "draft")
            .order_by(PlanVersion.plan_id, PlanVersion.version)
        )
        return [version_view(r) for r in rows]
