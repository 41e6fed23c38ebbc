"""Reciprocity: per country, what it hosted against what its officers received abroad.

The ledger is fed by `training.exchange_completed.v1` (the training service runs the exchanges): one row per
exchange id, so an event delivered twice, or published twice under new event ids, counts once. The figures
are sums over the ledger, grouped in the database into flows (sending country → host country); the
arithmetic on flows is the pure part below.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import Select, func, or_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from backbone.errors import DomainError
from contracts.events.training import ExchangeCompletedV1
from services.partners.agencies.service import get_country
from services.partners.models import Partnership, PartnershipMember, ReciprocityExchange
from services.partners.partnerships.service import _partnership
from services.partners.reciprocity.schemas import (
    CountryReciprocityOut,
    PartnershipReciprocityOut,
    ReciprocityOut,
)


@dataclass(frozen=True)
class Flow:
    """Exchanges of officers of `sending` hosted by `host`: how many, and their days in total."""

    sending: str
    host: str
    count: int
    days: int


@dataclass
class Balance:
    country_code: str
    hosted_count: int = 0
    hosted_days: int = 0
    received_count: int = 0
    received_days: int = 0

    @property
    def balance(self) -> int:
        """Positive when the country hosted more days than its officers spent abroad."""
        return self.hosted_days - self.received_days

    def out(self) -> ReciprocityOut:
        return ReciprocityOut(
            country_code=self.country_code,
            hosted_count=self.hosted_count,
            hosted_days=self.hosted_days,
            received_count=self.received_count,
            received_days=self.received_days,
            balance=self.balance,
        )


def balances(flows: Iterable[Flow], *, countries: Iterable[str] = ()) -> list[Balance]:
    """Each country's totals, sorted by code; `countries` appear even without any exchange."""
    by_country = {code: Balance(code) for code in countries}
    for flow in flows:
        host = by_country.setdefault(flow.host, Balance(flow.host))
        host.hosted_count += flow.count
        host.hosted_days += flow.days
        sender = by_country.setdefault(flow.sending, Balance(flow.sending))
        sender.received_count += flow.count
        sender.received_days += flow.days
    return [by_country[code] for code in sorted(by_country)]


def counterparts(country: str, flows: Iterable[Flow]) -> list[Balance]:
    """`country`'s figures with each other country: hosted = their officers here, received = ours there."""
    by_other: dict[str, Balance] = {}
    for flow in flows:
        if flow.host == country and flow.sending != country:
            line = by_other.setdefault(flow.sending, Balance(flow.sending))
            line.hosted_count += flow.count
            line.hosted_days += flow.days
        elif flow.sending == country and flow.host != country:
            line = by_other.setdefault(flow.host, Balance(flow.host))
            line.received_count += flow.count
            line.received_days += flow.days
    return [by_other[code] for code in sorted(by_other)]


class UnknownPartnership(LookupError):
    """An exchange names a partnership this service does not have: the event cannot be applied."""


async def record_exchange(session: AsyncSession, *, exchange: ExchangeCompletedV1, event_id: str) -> bool:
    """Add the exchange to the ledger inside the caller's transaction; False when it was already there."""
    partnership_id = uuid.UUID(exchange.partnership_id)
    if await session.get(Partnership, partnership_id) is None:
        raise UnknownPartnership(f"exchange {exchange.exchange_id}: no partnership {partnership_id}")
    inserted = await session.execute(
        pg_insert(ReciprocityExchange)
        .values(
            exchange_id=exchange.exchange_id,
            partnership_id=partnership_id,
            officer_country_code=exchange.officer_country_code,
            host_country_code=exchange.host_country_code,
            host_agency_id=uuid.UUID(exchange.host_agency_id) if exchange.host_agency_id else None,
            kind=exchange.kind,
            days=exchange.days,
            completed_at=exchange.completed_at,
            event_id=event_id,
            recorded_at=datetime.now(UTC),
        )
        .on_conflict_do_nothing(index_elements=[ReciprocityExchange.exchange_id])
        .returning(ReciprocityExchange.exchange_id)
    )
    return inserted.first() is not None


def _flows_query(kind: str | None, since: date | None, until: date | None) -> Select[str, str, int, int]:
    if since and until and since > until:
        raise DomainError(
            "since must not be after until.",
            code="empty_period",
            status=422,
            title="The request cannot be applied",
            errors=[{"field": "until", "in": "query", "code": "empty_period", "message": "before since"}],
        )
    query = select(
        ReciprocityExchange.officer_country_code,
        ReciprocityExchange.host_country_code,
        func.count(),
        func.coalesce(func.sum(ReciprocityExchange.days), 0),
    ).group_by(ReciprocityExchange.officer_country_code, ReciprocityExchange.host_country_code)
    if kind:
        query = query.where(ReciprocityExchange.kind == kind)
    if since:
        query = query.where(ReciprocityExchange.completed_at >= datetime.combine(since, time(), UTC))
    if until:  # inclusive: up to the end of that day (UTC)
        query = query.where(
            ReciprocityExchange.completed_at < datetime.combine(until + timedelta(days=1), time(), UTC)
        )
    return query


async def _flows(session: AsyncSession, query: Select[str, str, int, int]) -> list[Flow]:
    return [
        Flow(sending=sending, host=host, count=int(count), days=int(days))
        for sending, host, count, days in (await session.execute(query)).all()
    ]


async def country_reciprocity(
    session: AsyncSession, *, code: str, kind: str | None, since: date | None, until: date | None
) -> CountryReciprocityOut:
    country = await get_country(session, code=code)
    query = _flows_query(kind, since, until).where(
        or_(
            ReciprocityExchange.officer_country_code == country.code,
            ReciprocityExchange.host_country_code == country.code,
        )
    )
    flows = await _flows(session, query)
    total = next(b for b in balances(flows, countries=[country.code]) if b.country_code == country.code)
    return CountryReciprocityOut(
        **total.out().model_dump(), counterparts=[b.out() for b in counterparts(country.code, flows)]
    )


async def partnership_reciprocity(
    session: AsyncSession,
    *,
    partnership_id: uuid.UUID,
    kind: str | None,
    since: date | None,
    until: date | None,
) -> PartnershipReciprocityOut:
    partnership = await _partnership(session, partnership_id)
    members = await session.scalars(
        select(PartnershipMember.country_code)
        .where(PartnershipMember.partnership_id == partnership.id)
        .distinct()
    )
    flows = await _flows(
        session, _flows_query(kind, since, until).where(ReciprocityExchange.partnership_id == partnership.id)
    )
    return PartnershipReciprocityOut(
        partnership_id=partnership.id, countries=[b.out() for b in balances(flows, countries=members)]
    )
