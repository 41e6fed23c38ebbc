"""Events that move disputes and the reciprocity ledger: each handler maps one event to one domain change.

Both run inside the consumer's transaction (with its inbox row), and both are idempotent on their own as
well: a resolution decision is applied once, and an exchange is in the ledger once, whatever the event id.
"""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from backbone.consumer import Handler, PermanentError
from contracts.envelope import EventEnvelope
from contracts.events.partners import DecisionClosedV1
from contracts.events.training import ExchangeCompletedV1
from services.partners import disputes, reciprocity


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


TOPICS: tuple[str, ...] = (DecisionClosedV1.topic, ExchangeCompletedV1.topic)
HANDLERS: dict[str, Handler] = {
    DecisionClosedV1.event_type: on_decision_closed,
    ExchangeCompletedV1.event_type: on_exchange_completed,
}
