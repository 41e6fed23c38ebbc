"""Events the assessment service acts on: partners' partnerships (who sees a partnership's rubrics and
assessments, who leads it) and training's cohorts (who taught whom: an evaluator never assesses a trainee it
instructed)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from backbone.consumer import Handler, Inbound, Subscription
from backbone.feed.subscribers import INBOUND_TOPIC, sender_of
from backbone.settings import ServiceSettings
from contracts.envelope import EventEnvelope
from contracts.events.national import IndicatorMeasurementReportedV1
from contracts.events.partners import (
    DecisionClosedV1,
    PartnershipMemberAddedV1,
    PartnershipMemberRemovedV1,
    PartnershipRegisteredV1,
)
from contracts.events.revisions import RevisionRequestDecidedV1
from contracts.events.training import InstructorAssignmentDeliveredV1, TraineeAttendedV1
from services.assessment.evaluators import service as evaluators
from services.assessment.findings import service as findings
from services.assessment.indicators import inbound
from services.assessment.models import KnownPartnership
from services.assessment.rubrics import service as rubrics
from services.kernel import partnership_members


async def on_partnership_registered(session: AsyncSession, envelope: EventEnvelope) -> None:
    await partnership_members.on_registered(session, envelope, KnownPartnership)


async def on_partnership_member_added(session: AsyncSession, envelope: EventEnvelope) -> None:
    await partnership_members.on_member_added(session, envelope, KnownPartnership)


async def on_partnership_member_removed(session: AsyncSession, envelope: EventEnvelope) -> None:
    await partnership_members.on_member_removed(session, envelope, KnownPartnership)


def subscription(settings: ServiceSettings | None = None) -> Subscription:
    del settings  # assessment's handlers reach no workflow
    handlers: dict[str, Handler] = {
        PartnershipRegisteredV1.event_type: on_partnership_registered,
        PartnershipMemberAddedV1.event_type: on_partnership_member_added,
        PartnershipMemberRemovedV1.event_type: on_partnership_member_removed,
        InstructorAssignmentDeliveredV1.event_type: evaluators.on_instructor_delivered,
        TraineeAttendedV1.event_type: evaluators.on_trainee_attended,
        RevisionRequestDecidedV1.event_type: findings.on_revision_request_decided,
        DecisionClosedV1.event_type: rubrics.on_decision_closed,
    }
    national = Inbound(
        pattern=INBOUND_TOPIC,
        handlers={IndicatorMeasurementReportedV1.event_type: inbound.on_measurement_reported},
        sender=_sender,
    )
    return Subscription(
        topics=(PartnershipRegisteredV1.topic, TraineeAttendedV1.topic), handlers=handlers, inbound=national
    )


def _sender(topic: str) -> tuple[str, str] | None:
    found = sender_of(topic)
    return (found.id, found.country) if found else None
