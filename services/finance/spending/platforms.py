"""Digital learning platforms: the lead records a subscription (a cost per period); a daily run
(`python -m services.finance charge-platforms`) pays each period that has begun from the shared pool into
spent_platforms and splits it between the members by the contribution scale in force at the period's start (the
latest computed for the adopted budget covering that day). A period with no scale yet waits for one; a pool that
cannot pay leaves the period for the next run and holds back no other platform."""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, date, datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from backbone.errors import Conflict, DomainError, field_problem
from backbone.idempotency import Outcome
from backbone.outbox import add_event
from contracts.events.finance import PlatformChargedV1
from services.finance import SOURCE
from services.finance.contributions.scales import scale_in_force, shares_of
from services.finance.models import ContributionScale, KnownPartnership, Platform, PlatformCharge
from services.finance.partnerships import HANDLING, partnership_of, release
from services.finance.spending import rules
from services.finance.spending.payouts import pay_out
from services.finance.spending.schemas import PlatformChargeOut, PlatformEndIn, PlatformIn, PlatformOut

log = logging.getLogger(__name__)


async def subscribe(session: AsyncSession, *, partnership_id: uuid.UUID, body: PlatformIn) -> Outcome:
    """201 with the subscription; the same id and body again 200; the same id with another body 409."""
    async with session.begin():
        await partnership_of(session, partnership_id)
        wanted = body.model_dump()
        found = await session.get(Platform, body.id)
        if found is not None:
            same = found.partnership_id == partnership_id and all(
                getattr(found, k) == v for k, v in wanted.items()
            )
            if not same:
                raise Conflict(f"Platform {body.id} was recorded otherwise.", code="platform_id_reused")
            return Outcome(
                200, PlatformOut.model_validate(found, from_attributes=True).model_dump(mode="json")
            )
        platform = Platform(
            **wanted, partnership_id=partnership_id, handling_code=HANDLING, created_at=datetime.now(UTC)
        )
        session.add(platform)
        await session.flush()
        return Outcome(
            201, PlatformOut.model_validate(platform, from_attributes=True).model_dump(mode="json")
        )


async def end(session: AsyncSession, *, platform_id: uuid.UUID, body: PlatformEndIn) -> PlatformOut:
    """The lead ends the subscription: no period starts on or after `ends_on`. It cannot end before it started,
    nor before a period already charged has begun (what was paid stays paid); the same end again changes nothing."""
    async with session.begin():
        platform = await session.get(Platform, platform_id, with_for_update=True)
        if platform is None:
            raise DomainError(f"No platform with id {platform_id}.", status=404, code="platform_not_found")
        charged = await session.scalar(
            select(func.max(PlatformCharge.period_start)).where(PlatformCharge.platform_id == platform_id)
        )
        earliest = max(platform.starts_on, charged) if charged else platform.starts_on
        if body.ends_on <= earliest:
            raise field_problem(
                "ends_on",
                "ends_before_charged",
                f"The subscription runs at least past {earliest.isoformat()} (its start or a period charged).",
            )
        platform.ends_on = body.ends_on
        return PlatformOut.model_validate(platform, from_attributes=True)


async def platforms(session: AsyncSession, *, partnership_id: uuid.UUID) -> list[PlatformOut]:
    async with session.begin():
        await partnership_of(session, partnership_id)
        rows = await session.scalars(
            select(Platform).where(Platform.partnership_id == partnership_id).order_by(Platform.created_at)
        )
        return [PlatformOut.model_validate(r, from_attributes=True) for r in rows]


async def charges(session: AsyncSession, *, platform_id: uuid.UUID) -> list[PlatformChargeOut]:
    async with session.begin():
        if await session.get(Platform, platform_id) is None:
            raise DomainError(f"No platform with id {platform_id}.", status=404, code="platform_not_found")
        rows = await session.scalars(
            select(PlatformCharge)
            .where(PlatformCharge.platform_id == platform_id)
            .order_by(PlatformCharge.period_start)
        )
        return [PlatformChargeOut.model_validate(r, from_attributes=True) for r in rows]


async def charge_platforms(session: AsyncSession, *, today: date) -> tuple[int, int, int]:
    """Every begun period not yet charged (the platform's run, `*`); returns (charged, waiting for a scale,
    refused by a pool that cannot pay)."""
    charged = waiting = refused = 0
    async with session.begin():
        for platform in list(await session.scalars(select(Platform).order_by(Platform.created_at))):
            done = set(
                await session.scalars(
                    select(PlatformCharge.period_start).where(PlatformCharge.platform_id == platform.id)
                )
            )
            partnership = await partnership_of(session, platform.partnership_id)
            periods = rules.platform_periods(
                platform.starts_on, platform.ends_on, platform.period_months, today
            )
            for start, end in (p for p in periods if p[0] not in done):
                scale = await scale_in_force(session, platform.partnership_id, start)
                if scale is None:
                    waiting += 1
                    continue
                try:
                    async with session.begin_nested():
                        await _charge(session, partnership, platform, scale, start, end)
                    charged += 1
                except Conflict as refusal:
                    refused += 1
                    log.warning(
                        "platform period not charged",
                        extra={"platform_id": str(platform.id), "why": refusal.detail},
                    )
                    break  # its later periods wait behind this one
    return charged, waiting, refused


async def _charge(
    session: AsyncSession,
    partnership: KnownPartnership,
    platform: Platform,
    scale: ContributionScale,
    start: date,
    end: date,
) -> None:
    charge_id = uuid.uuid5(platform.id, start.isoformat())
    transfer = await pay_out(
        session,
        partnership,
        payout_id=charge_id,
        currency=platform.currency,
        amount=platform.amount_per_period,
        account_kind="spent_platforms",
        country_code=None,
        code="platform",
    )
    now = datetime.now(UTC)
    shares = shares_of(platform.amount_per_period, scale)
    session.add(
        PlatformCharge(
            id=charge_id,
            platform_id=platform.id,
            partnership_id=platform.partnership_id,
            period_start=start,
            period_end=end,
            amount=platform.amount_per_period,
            currency=platform.currency,
            scale_id=scale.id,
            shares=[s.model_dump() for s in shares],
            transfer_id=transfer.id,
            handling_code=HANDLING,
            charged_at=now,
        )
    )
    await session.flush()
    await add_event(
        session,
        PlatformChargedV1(
            platform_id=str(platform.id),
            charge_id=str(charge_id),
            partnership_id=str(platform.partnership_id),
            name=platform.name,
            period_start=start,
            period_end=end,
            amount=platform.amount_per_period,
            currency=platform.currency,
            scale_id=str(scale.id),
            shares=shares,
            transfer_id=str(transfer.id),
            charged_at=now,
        ),
        aggregate_id=str(platform.id),
        source=SOURCE,
        release=release(partnership),
    )
