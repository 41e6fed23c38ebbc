"""Events the finance service acts on: partners' partnerships (whose ledger is whose, who is assessed), the
oversight body's budget decisions, and the use of shared facilities, spent from the partnership's budget."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from backbone.consumer import Handler, Subscription
from backbone.settings import ServiceSettings
from contracts.envelope import EventEnvelope
from contracts.events.assessment import IndicatorMeasuredV1
from contracts.events.commitments import CommitmentRegisteredV1, CommitmentRenewalConcludedV1
from contracts.events.finance import (
    TrancheExtensionDecidedV1,
    TrancheExtensionRequestedV1,
    TranchePlannedV1,
)
from contracts.events.partners import (
    DecisionClosedV1,
    PartnershipMemberAddedV1,
    PartnershipMemberRemovedV1,
    PartnershipRegisteredV1,
)
from contracts.events.training import FacilityUsedV1, InstructorAssignmentDeliveredV1, TraineeAttendedV1
from rules.contribution_scale import ScaleInfeasible
from services.finance.budgets import service as budgets
from services.finance.contributions import schedules
from services.finance.contributions import service as contributions
from services.finance.models import FacilityUsage, KnownPartnership
from services.finance.spending import allowances
from services.finance.spending import service as spending
from services.finance.tranches import service as tranches
from services.finance.tranches.reactions import TrancheReactions
from services.kernel import partnership_members


async def on_partnership_registered(session: AsyncSession, envelope: EventEnvelope) -> None:
    await partnership_members.on_registered(session, envelope, KnownPartnership)


async def on_partnership_member_added(session: AsyncSession, envelope: EventEnvelope) -> None:
    """A new member country is assessed from the next computation on: every running budget is assessed again."""
    partnership, new_country = await partnership_members.on_member_added(session, envelope, KnownPartnership)
    if new_country:
        await _reassess(session, partnership)


async def on_partnership_member_removed(session: AsyncSession, envelope: EventEnvelope) -> None:
    """A country that is no longer a member no longer sees the partnership's money (row-level security reads the
    member countries) and is assessed no more: the others' shares of every running budget are computed again,
    its open instalments superseded; what it paid stays paid."""
    partnership, gone = await partnership_members.on_member_removed(session, envelope, KnownPartnership)
    if gone is not None:
        await _reassess(session, partnership)


async def _reassess(session: AsyncSession, partnership: object) -> None:
    assert isinstance(partnership, KnownPartnership)
    try:
        await contributions.reassess(session, partnership, reason=contributions.MEMBERSHIP_CHANGED)
    except ScaleInfeasible as exc:  # the lead's basis no longer fits: visible as a stale scale, not retried
        contributions.log.warning("partnership %s not reassessed: %s", partnership.partnership_id, exc)


async def on_decision_closed(session: AsyncSession, envelope: EventEnvelope) -> None:
    """The oversight body decided about a budget version this service proposed: adopt (and assess) or reject."""
    event = DecisionClosedV1.model_validate(envelope.data)
    if event.kind != "budget":
        return
    if (event.subject or "").startswith(tranches.SUBJECT_PREFIX):
        await tranches.settle_extension(session, event)
        return
    if not (event.subject or "").startswith(budgets.SUBJECT_PREFIX):
        return
    adopted = await budgets.settle_decision(session, event)
    if adopted is not None:
        reason = "budget_revised" if adopted.adopted_version != 1 else "budget_adopted"
        await contributions.assess_adopted(session, adopted, reason=reason)


async def on_facility_used(session: AsyncSession, envelope: EventEnvelope) -> None:
    """Once per booking: a redelivered or replayed event (any event id) changes nothing."""
    event = FacilityUsedV1.model_validate(envelope.data)
    await session.execute(
        pg_insert(FacilityUsage)
        .values(
            booking_id=uuid.UUID(event.booking_id),
            facility_id=uuid.UUID(event.facility_id),
            owner_country_code=event.owner_country_code,
            booked_by_country_code=event.booked_by_country_code,
            kind=event.kind,
            hours=event.hours,
            attendees=event.attendees,
            recorded_at=event.recorded_at,
            event_id=envelope.id,
            received_at=datetime.now(UTC),
        )
        .on_conflict_do_nothing(index_elements=[FacilityUsage.booking_id])
    )
    if event.partnership_id is not None:  # a partnership's cohort used it: priced and paid to the host
        await spending.record_facility_use(
            session, await _known(session, event.partnership_id), event, envelope.id
        )


async def on_assignment_delivered(session: AsyncSession, envelope: EventEnvelope) -> None:
    """A delivered assignment makes its instructor's stipend payable (once per assignment)."""
    event = InstructorAssignmentDeliveredV1.model_validate(envelope.data)
    await spending.record_delivery(session, await _known(session, event.partnership_id), event)


async def on_trainee_attended(session: AsyncSession, envelope: EventEnvelope) -> None:
    """A trainee who attended a cohort abroad is owed travel and subsistence (once per attendance)."""
    event = TraineeAttendedV1.model_validate(envelope.data)
    await allowances.record_attendance(session, await _known(session, event.partnership_id), event)


async def on_commitment_registered(session: AsyncSession, envelope: EventEnvelope) -> None:
    """A money commitment becomes receivable, in instalments over its period (once per commitment)."""
    event = CommitmentRegisteredV1.model_validate(envelope.data)
    if event.kind == "money":
        await schedules.pledge(session, await _known(session, event.partnership_id), event)


async def on_commitment_renewal_concluded(session: AsyncSession, envelope: EventEnvelope) -> None:
    """A lapsed money commitment is owed no further than its last day (the renewal's effect on money)."""
    event = CommitmentRenewalConcludedV1.model_validate(envelope.data)
    if event.kind == "money":
        await schedules.commitment_concluded(session, await _known(session, event.partnership_id), event)


async def _known(session: AsyncSession, partnership_id: str) -> KnownPartnership:
    """The partnership; a commitment's event (keyed by the commitment, on another partition) may be read before
    the partnership's registration: retried until it has been."""
    found = await session.get(KnownPartnership, uuid.UUID(partnership_id))
    if found is None:
        raise LookupError(f"partnership {partnership_id} is unknown here; its registration is late")
    return found


def subscription(settings: ServiceSettings | None = None) -> Subscription:
    """Without settings (some tests), the handlers that reach Temporal are left out."""
    handlers: dict[str, Handler] = {
        FacilityUsedV1.event_type: on_facility_used,
        InstructorAssignmentDeliveredV1.event_type: on_assignment_delivered,
        TraineeAttendedV1.event_type: on_trainee_attended,
        PartnershipRegisteredV1.event_type: on_partnership_registered,
        PartnershipMemberAddedV1.event_type: on_partnership_member_added,
        PartnershipMemberRemovedV1.event_type: on_partnership_member_removed,
        DecisionClosedV1.event_type: on_decision_closed,
        CommitmentRegisteredV1.event_type: on_commitment_registered,
        CommitmentRenewalConcludedV1.event_type: on_commitment_renewal_concluded,
    }
    topics = [FacilityUsedV1.topic, PartnershipRegisteredV1.topic]
    if settings is not None:
        reactions = TrancheReactions(settings)
        handlers |= {
            TranchePlannedV1.event_type: reactions.on_planned,
            IndicatorMeasuredV1.event_type: reactions.on_indicator_measured,
            TrancheExtensionRequestedV1.event_type: reactions.on_extension_requested,
            TrancheExtensionDecidedV1.event_type: reactions.on_extension_decided,
        }
        topics += [TranchePlannedV1.topic, IndicatorMeasuredV1.topic]
    return Subscription(topics=tuple(topics), handlers=handlers)
