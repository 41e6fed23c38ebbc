"""Events the assessment service acts on: partners' partnerships (who sees a partnership's rubrics and
assessments, who leads it) and decisions (a rubric version approved or rejected), training's cohorts (who taught
whom: an evaluator never assesses a trainee it instructed) and answers to findings, the measurements national
systems report on their inbound topics, and its own plans and measurements (which drive the evaluation cycles)."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backbone.consumer import Handler, Inbound, Subscription
from backbone.feed.subscribers import INBOUND_TOPIC, sender_of
from backbone.settings import ServiceSettings
from backbone.temporal import LazyClient
from contracts.envelope import EventEnvelope
from contracts.events.assessment import IndicatorMeasuredV1
from contracts.events.communities import MentorshipRecordedV1
from contracts.events.evaluation import EvaluationPlanPublishedV1
from contracts.events.national import IndicatorMeasurementReportedV1
from contracts.events.partners import (
    DecisionClosedV1,
    PartnershipMemberAddedV1,
    PartnershipMemberRemovedV1,
    PartnershipRegisteredV1,
)
from contracts.events.revisions import RevisionRequestDecidedV1
from contracts.events.training import (
    CurriculumApprovedV1,
    CurriculumRevisedV1,
    InstructorAssignmentDeliveredV1,
    TraineeAttendedV1,
)
from services.assessment import processes
from services.assessment.evaluators import service as evaluators
from services.assessment.findings import service as findings
from services.assessment.indicators import inbound
from services.assessment.models import KnownPartnership
from services.assessment.plans.models import PlanVersion
from services.assessment.rubrics import service as rubrics
from services.kernel import partnership_members
from workflows.evaluation_cycle.shared import EvaluationCycleInput, Schedule


async def on_partnership_registered(session: AsyncSession, envelope: EventEnvelope) -> None:
    await partnership_members.on_registered(session, envelope, KnownPartnership)


async def on_partnership_member_added(session: AsyncSession, envelope: EventEnvelope) -> None:
    await partnership_members.on_member_added(session, envelope, KnownPartnership)


async def on_partnership_member_removed(session: AsyncSession, envelope: EventEnvelope) -> None:
    await partnership_members.on_member_removed(session, envelope, KnownPartnership)


class Cycles:
    """The consumer's reactions that reach EvaluationCycleWorkflow (processes.py)."""

    def __init__(self, settings: ServiceSettings) -> None:
        self.settings = settings
        self.client = LazyClient(settings)

    async def on_plan_published(self, session: AsyncSession, envelope: EventEnvelope) -> None:
        event = EvaluationPlanPublishedV1.model_validate(envelope.data)
        request = EvaluationCycleInput(
            plan_id=event.plan_id,
            partnership_id=event.partnership_id,
            version=event.version,
            schedule=Schedule.model_validate(event.schedule.model_dump()),
        )
        await processes.plan_published(
            await self.client(), task_queue=self.settings.temporal_task_queue, request=request
        )

    async def on_indicator_measured(self, session: AsyncSession, envelope: EventEnvelope) -> None:
        """Every published plan of the partnership that measures the indicator checks its open round."""
        event = IndicatorMeasuredV1.model_validate(envelope.data)
        plans = await session.scalars(
            select(PlanVersion.plan_id).where(
                PlanVersion.partnership_id == uuid.UUID(event.partnership_id),
                PlanVersion.status == "published",
                PlanVersion.content["indicators"].contains([event.indicator]),
            )
        )
        for plan_id in plans:
            await processes.measurement_reported(await self.client(), str(plan_id))


def subscription(settings: ServiceSettings | None = None) -> Subscription:
    """Without settings (some tests), the handlers that reach Temporal are left out."""
    handlers: dict[str, Handler] = {
        PartnershipRegisteredV1.event_type: on_partnership_registered,
        PartnershipMemberAddedV1.event_type: on_partnership_member_added,
        PartnershipMemberRemovedV1.event_type: on_partnership_member_removed,
        InstructorAssignmentDeliveredV1.event_type: evaluators.on_instructor_delivered,
        TraineeAttendedV1.event_type: evaluators.on_trainee_attended,
        MentorshipRecordedV1.event_type: evaluators.on_mentorship_recorded,
        RevisionRequestDecidedV1.event_type: findings.on_revision_request_decided,
        DecisionClosedV1.event_type: rubrics.on_decision_closed,
        CurriculumApprovedV1.event_type: rubrics.on_curriculum_version,
        CurriculumRevisedV1.event_type: rubrics.on_curriculum_version,
    }
    topics: tuple[str, ...] = (PartnershipRegisteredV1.topic, TraineeAttendedV1.topic)
    if settings is not None:
        cycles = Cycles(settings)
        handlers[EvaluationPlanPublishedV1.event_type] = cycles.on_plan_published
        handlers[IndicatorMeasuredV1.event_type] = cycles.on_indicator_measured
        topics += (IndicatorMeasuredV1.topic,)
    national = Inbound(
        pattern=INBOUND_TOPIC,
        handlers={IndicatorMeasurementReportedV1.event_type: inbound.on_measurement_reported},
        sender=_sender,
    )
    return Subscription(topics=topics, handlers=handlers, inbound=national)


def _sender(topic: str) -> tuple[str, str] | None:
    found = sender_of(topic)
    return (found.id, found.country) if found else None
