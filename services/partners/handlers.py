"""Events the partners service acts on.

Gate criteria are learnt from events, never by polling: when a capacity profile is recorded, every partnership
of that agency whose voting member agencies are now all mapped tells its onboarding workflow that the
familiarization gate's criterion is met (a signal; repeating it changes nothing). An agency joining mid-phase
without a capacity profile takes that criterion back; an approved curriculum decision meets the co-design one, and
a drill of the partnership debriefed (as the incidents service announces it) meets the exercises one.
Each handler signals what the database says when the event is handled, so events read out of order across
partitions still leave the workflow with the current truth once the last of them is handled.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from backbone.consumer import PermanentError, Subscription, in_turn
from backbone.errors import DomainError
from backbone.settings import ServiceSettings
from backbone.temporal import LazyClient
from contracts.envelope import EventEnvelope
from contracts.events.assessment import RUBRIC_SUBJECT_PREFIX, RubricSubmittedV1
from contracts.events.commitments import CommitmentRegisteredV1
from contracts.events.finance import BudgetProposedV1, TrancheExtensionRequestedV1
from contracts.events.incidents import DrillEventV1
from contracts.events.partners import (
    CapacityProfileRecordedV1,
    DecisionClosedV1,
    DecisionOpenedV1,
    PartnershipMemberAddedV1,
)
from contracts.events.training import CurriculumSubmittedV1, ExchangeCompletedV1
from services.partners import processes
from services.partners.capacity.service import partnerships_with_every_agency_mapped
from services.partners.commitments.service import get_commitment
from services.partners.decisions import service as decisions
from services.partners.decisions.schemas import DecisionIn
from services.partners.disputes import service as disputes
from services.partners.reciprocity import service as reciprocity

CAPACITY_MAPPED = "capacity_profiles_mapped"
CURRICULUM_APPROVED = "curriculum_approved"
DRILL_DEBRIEFED = "drill_completed_and_debriefed"


class GateCriteria:
    """The consumer's reactions that reach workflows: gate criteria, renewals, decision deadlines."""

    def __init__(self, settings: ServiceSettings) -> None:
        self.settings = settings
        self.client = LazyClient(settings)

    async def on_capacity_profile_recorded(self, session: AsyncSession, envelope: EventEnvelope) -> None:
        event = CapacityProfileRecordedV1.model_validate(envelope.data)
        for partnership_id in await partnerships_with_every_agency_mapped(
            session, agency_id=uuid.UUID(event.agency_id)
        ):
            await self.signal(partnership_id, CAPACITY_MAPPED)

    async def on_member_added(self, session: AsyncSession, envelope: EventEnvelope) -> None:
        event = PartnershipMemberAddedV1.model_validate(envelope.data)
        if event.role == "observer" or event.phase != "familiarization":
            return
        partnership_id = uuid.UUID(event.partnership_id)
        mapped = await partnerships_with_every_agency_mapped(session, agency_id=uuid.UUID(event.agency_id))
        await self.signal(partnership_id, CAPACITY_MAPPED, met=partnership_id in mapped)

    async def on_decision_closed(self, session: AsyncSession, envelope: EventEnvelope) -> None:
        event = DecisionClosedV1.model_validate(envelope.data)
        # A curriculum approved is the co-design gate's criterion; a rubric approved (same kind of decision) is not.
        about_curriculum = not (event.subject or "").startswith(RUBRIC_SUBJECT_PREFIX)
        if event.kind == "curriculum_approval" and event.outcome == "approved" and about_curriculum:
            await self.signal(uuid.UUID(event.partnership_id), CURRICULUM_APPROVED)

    async def on_drill_event(self, session: AsyncSession, envelope: EventEnvelope) -> None:
        """A drill of the partnership debriefed (so completed first): the exercises gate's criterion is met."""
        event = DrillEventV1.model_validate(envelope.data)
        if event.stage == "debriefed":
            await self.signal(uuid.UUID(event.partnership_id), DRILL_DEBRIEFED)

    async def signal(self, partnership_id: uuid.UUID, criterion: str, *, met: bool = True) -> None:
        await processes.gate_criterion(await self.client(), str(partnership_id), criterion, met=met)

    async def on_commitment_registered(self, session: AsyncSession, envelope: EventEnvelope) -> None:
        """Every announced commitment gets its renewal (so none committed is left without one, even if the
        API process died right after the commit)."""
        event = CommitmentRegisteredV1.model_validate(envelope.data)
        commitment = await get_commitment(session, commitment_id=uuid.UUID(event.commitment_id))
        if commitment.status in ("active", "renewal_pending"):
            await processes.start_renewal(
                await self.client(), task_queue=self.settings.temporal_task_queue, commitment=commitment
            )

    async def on_decision_opened(self, session: AsyncSession, envelope: EventEnvelope) -> None:
        event = DecisionOpenedV1.model_validate(envelope.data)
        if event.kind in processes.TIMED_HERE:
            await processes.start_decision_deadline(
                await self.client(),
                task_queue=self.settings.temporal_task_queue,
                decision_id=event.decision_id,
                partnership_id=event.partnership_id,
                opened_at=event.opened_at,
                due_at=event.due_at,
            )

    async def on_decision_closed_timer(self, session: AsyncSession, envelope: EventEnvelope) -> None:
        event = DecisionClosedV1.model_validate(envelope.data)
        if event.kind in processes.TIMED_HERE:
            await processes.decision_closed(await self.client(), event.decision_id, event.outcome)


def subscription(settings: ServiceSettings) -> Subscription:
    criteria = GateCriteria(settings)
    return Subscription(
        topics=(
            CapacityProfileRecordedV1.topic,
            DecisionClosedV1.topic,
            ExchangeCompletedV1.topic,
            BudgetProposedV1.topic,
            RubricSubmittedV1.topic,
            DrillEventV1.topic,
        ),
        handlers={
            CapacityProfileRecordedV1.event_type: criteria.on_capacity_profile_recorded,
            CommitmentRegisteredV1.event_type: criteria.on_commitment_registered,
            PartnershipMemberAddedV1.event_type: criteria.on_member_added,
            CurriculumSubmittedV1.event_type: on_curriculum_submitted,
            RubricSubmittedV1.event_type: on_rubric_submitted,
            BudgetProposedV1.event_type: on_budget_proposed,
            TrancheExtensionRequestedV1.event_type: on_tranche_extension_requested,
            ExchangeCompletedV1.event_type: on_exchange_completed,
            DrillEventV1.event_type: criteria.on_drill_event,
            DecisionOpenedV1.event_type: criteria.on_decision_opened,
            DecisionClosedV1.event_type: in_turn(
                on_decision_closed, criteria.on_decision_closed, criteria.on_decision_closed_timer
            ),
        },
    )


SHORTEST_VOTE = timedelta(hours=1)
"""A submission read late (consumer down) still leaves the oversight body this long to vote."""


async def on_decision_closed(session: AsyncSession, envelope: EventEnvelope) -> None:
    """A `dispute_resolution` decision closed: its dispute is resolved (approved) or open again."""
    event = DecisionClosedV1.model_validate(envelope.data)
    if event.kind != "dispute_resolution":
        return
    await disputes.settle_by_decision(
        session, decision_id=uuid.UUID(event.decision_id), outcome=event.outcome, closed_at=event.closed_at
    )


async def on_exchange_completed(session: AsyncSession, envelope: EventEnvelope) -> None:
    """An officer's exchange completed: it enters the reciprocity ledger (once per exchange id)."""
    event = ExchangeCompletedV1.model_validate(envelope.data)
    try:
        await reciprocity.record_exchange(session, exchange=event, event_id=envelope.id)
    except reciprocity.UnknownPartnership as exc:
        raise PermanentError(str(exc)) from exc


async def on_curriculum_submitted(session: AsyncSession, envelope: EventEnvelope) -> None:
    """Training put a curriculum version to the oversight body: a `curriculum_approval` decision opens (once)."""
    event = CurriculumSubmittedV1.model_validate(envelope.data)
    await _open_requested(
        session,
        event.partnership_id,
        DecisionIn(
            kind="curriculum_approval",
            title=f"Approve curriculum {event.code} version {event.version}: {event.title}"[:300],
            description=event.reason,
            due_at=max(event.decide_by, datetime.now(UTC) + SHORTEST_VOTE),
            subject=event.subject,
        ),
    )


async def on_rubric_submitted(session: AsyncSession, envelope: EventEnvelope) -> None:
    """Assessment put a rubric version to the oversight body (co-designed like curricula): a
    `curriculum_approval` decision opens (once)."""
    event = RubricSubmittedV1.model_validate(envelope.data)
    await _open_requested(
        session,
        event.partnership_id,
        DecisionIn(
            kind="curriculum_approval",
            title=f"Approve the assessment rubric {event.competency} version {event.version}: {event.title}"[
                :300
            ],
            description="Rubric of the partnership's assessments: dimensions, criteria, levels and pass rule.",
            due_at=max(event.decide_by, datetime.now(UTC) + SHORTEST_VOTE),
            subject=event.subject,
        ),
    )


async def on_budget_proposed(session: AsyncSession, envelope: EventEnvelope) -> None:
    """Finance put a budget version to the oversight body: a `budget` decision opens (once)."""
    event = BudgetProposedV1.model_validate(envelope.data)
    lines = "; ".join(f"{line.category} ({line.owner_country_code}) {line.amount}" for line in event.lines)
    await _open_requested(
        session,
        event.partnership_id,
        DecisionIn(
            kind="budget",
            title=f"Adopt budget {event.fiscal_period} version {event.version}: {event.total} "
            f"{event.currency} (minor units)"[:300],
            description=(f"{event.reason}\n\n" if event.reason else "") + f"Lines: {lines}"[:9000],
            due_at=max(event.decide_by, datetime.now(UTC) + SHORTEST_VOTE),
            subject=event.subject,
        ),
    )


async def on_tranche_extension_requested(session: AsyncSession, envelope: EventEnvelope) -> None:
    """Finance asked for a later deadline of a results-gated tranche: a `budget` decision opens (once)."""
    event = TrancheExtensionRequestedV1.model_validate(envelope.data)
    await _open_requested(
        session,
        event.partnership_id,
        DecisionIn(
            kind="budget",
            title=f"Extend funding tranche {event.tranche_id[:8]} to {event.requested_deadline:%Y-%m-%d}",
            description=f"{event.reason}\n\nCurrent deadline: {event.current_deadline.isoformat()}"[:10_000],
            due_at=max(event.decide_by, datetime.now(UTC) + SHORTEST_VOTE),
            subject=event.subject,
        ),
    )


async def _open_requested(session: AsyncSession, partnership_id: str, proposal: DecisionIn) -> None:
    try:
        await decisions.open_requested_decision(
            session, partnership_id=uuid.UUID(partnership_id), proposal=proposal
        )
    except DomainError as exc:  # unknown partnership, or a body that cannot decide: retrying changes nothing
        raise PermanentError(f"{proposal.subject}: {exc}") from exc
