"""Exchange visits: planned by the sending country, completed by either side, announced for reciprocity."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from backbone.errors import NotFound
from backbone.idempotency import IdempotentRequest, Outcome, answer_once
from backbone.outbox import add_event
from contracts.events.training import ExchangeCompletedV1
from rules.releasability import Release
from services.training import SOURCE
from services.training.exchanges.schemas import ExchangeIn, ExchangeOut
from services.training.models import ExchangeVisit


async def plan(
    session: AsyncSession,
    *,
    exchange: ExchangeIn,
    officer_country: str,
    host_country: str,
    idempotency: IdempotentRequest | None,
) -> Outcome:
    async def record() -> Outcome:
        row = ExchangeVisit(
            id=uuid.uuid4(),
            partnership_id=exchange.partnership_id,
            officer_id=exchange.officer_id,
            officer_agency_id=exchange.officer_agency_id,
            officer_country_code=officer_country,
            host_agency_id=exchange.host_agency_id,
            host_country_code=host_country,
            kind=exchange.kind,
            starts_on=exchange.starts_on,
            ends_on=exchange.ends_on,
            status="planned",
            planned_at=datetime.now(UTC),
        )
        session.add(row)
        await session.flush()
        return Outcome(
            201, ExchangeOut.model_validate(row).model_dump(mode="json"), {"Location": f"/exchanges/{row.id}"}
        )

    async with session.begin():
        return await answer_once(session, idempotency, record)


async def get(session: AsyncSession, *, exchange_id: uuid.UUID, lock: bool = False) -> ExchangeVisit:
    found = await session.get(ExchangeVisit, exchange_id, with_for_update=lock)
    if found is None:
        raise NotFound(f"No exchange with id {exchange_id}.", code="exchange_not_found")
    return found


async def complete(session: AsyncSession, *, exchange_id: uuid.UUID) -> ExchangeOut:
    """Completed once: a repeated completion answers the same and announces nothing more."""
    async with session.begin():
        exchange = await get(session, exchange_id=exchange_id, lock=True)
        if exchange.status == "completed":
            return ExchangeOut.model_validate(exchange)
        exchange.status, exchange.completed_at = "completed", datetime.now(UTC)
        await session.flush()
        await add_event(
            session,
            ExchangeCompletedV1(
                exchange_id=str(exchange.id),
                partnership_id=str(exchange.partnership_id),
                officer_country_code=exchange.officer_country_code,
                host_country_code=exchange.host_country_code,
                host_agency_id=str(exchange.host_agency_id),
                kind=exchange.kind,  # the table's check constraint holds it to the two kinds
                days=(exchange.ends_on - exchange.starts_on).days + 1,
                completed_at=exchange.completed_at,
            ),
            aggregate_id=str(exchange.id),
            source=SOURCE,
            release=Release.of(
                f"countries:{exchange.host_country_code}", originator=exchange.officer_country_code
            ),
        )
        return ExchangeOut.model_validate(exchange)
