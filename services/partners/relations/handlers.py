"""Events that move disputes and the reciprocity ledger: each handler maps one event to one domain change.

Both run inside the consumer's transaction (with its inbox row), and both are idempotent on their own as
well: a resolution decision is applied once, and an exchange is in the ledger once, whatever the event id.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from backbone.consumer import Handler, PermanentError
from backbone.errors import DomainError
from contracts.envelope import EventEnvelope
from contracts.events.partners import DecisionClosedV1
from contracts.events.training import CurriculumSubmittedV1, ExchangeCompletedV1
from services.partners.agencies.schemas import DecisionIn
from services.partners.disputes import service as disputes
from services.partners.partnerships import service as partnerships
from services.partners.reciprocity import service as reciprocity

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
    proposal = DecisionIn(
        kind="curriculum_approval",
        title=f"Approve curriculum {event.code} version {event.version}: {event.title}"[:300],
        description=event.reason,
        due_at=max(event.decide_by, datetime.now(UTC) + SHORTEST_VOTE),
        subject=event.subject,
    )
    try:
        await partnerships.open_requested_decision(
            session, partnership_id=uuid.UUID(event.partnership_id), proposal=proposal
        )
    except DomainError as exc:  # unknown partnership, or a body that cannot decide: retrying changes nothing
        raise PermanentError(f"curriculum {event.curriculum_id} v{event.version}: {exc}") from exc


TOPICS: tuple[str, ...] = (DecisionClosedV1.topic, ExchangeCompletedV1.topic)
HANDLERS: dict[str, Handler] = {
    CurriculumSubmittedV1.event_type: on_curriculum_submitted,
    DecisionClosedV1.event_type: on_decision_closed,
    ExchangeCompletedV1.event_type: on_exchange_completed,
}
