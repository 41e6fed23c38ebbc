"""Results-gated funding tranches: the lead plans one, its FundingTrancheWorkflow (started from the planning
event) has finance reserve it, then release or void it; the lead may ask the oversight body for a later
deadline (a partners `budget` decision about the extension)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from backbone.errors import Conflict, DomainError, field_problem
from backbone.idempotency import Outcome
from backbone.outbox import add_event
from contracts.events.finance import (
    TrancheExtensionDecidedV1,
    TrancheExtensionRequestedV1,
    TranchePlannedV1,
    TrancheReleasedV1,
    TrancheReservedV1,
    TrancheVoidedV1,
)
from contracts.events.partners import DecisionClosedV1
from services.finance import SOURCE
from services.finance.ledger.service import account_pair, apply_transfer
from services.finance.models import (
    FundingTranche,
    KnownPartnership,
    LedgerTransfer,
    TrancheExtension,
)
from services.finance.partnerships import HANDLING, partnership_of, release
from services.finance.tranches.schemas import ExtensionIn, ExtensionOut, MeasurementIn, TrancheIn, TrancheOut

SUBJECT_PREFIX = "finance:tranche-extension:"


def tranche_view(row: FundingTranche) -> TrancheOut:
    return TrancheOut.model_validate(row, from_attributes=True)


def extension_view(row: TrancheExtension) -> ExtensionOut:
    return ExtensionOut.model_validate(row, from_attributes=True)


async def get_tranche(session: AsyncSession, tranche_id: uuid.UUID, *, lock: bool = False) -> FundingTranche:
    found = await session.get(FundingTranche, tranche_id, with_for_update=lock)
    if found is None:
        raise DomainError(f"No tranche with id {tranche_id}.", status=404, code="tranche_not_found")
    return found


async def plan_tranche(session: AsyncSession, *, partnership_id: uuid.UUID, body: TrancheIn) -> Outcome:
    async with session.begin():
        partnership = await partnership_of(session, partnership_id)
        existing = await session.get(FundingTranche, body.id)
        wanted: dict[str, Any] = {
            **body.model_dump(exclude={"id"}),
            "partnership_id": partnership_id,
        }
        if existing is not None:
            if any(getattr(existing, name) != value for name, value in wanted.items()):
                raise Conflict(f"Tranche {body.id} exists with other fields.", code="tranche_exists")
            return Outcome(200, tranche_view(existing).model_dump(mode="json"))
        now = datetime.now(UTC)
        if body.deadline <= now:
            raise field_problem("deadline", "deadline_in_past", "The deadline must be in the future.")
        source, _ = await account_pair(
            session,
            partnership_id,
            body.from_account_id,
            body.to_account_id,
            fields=("from_account_id", "to_account_id"),
            lock=False,
        )
        currency = source.currency
        row = FundingTranche(
            id=body.id,
            **wanted,
            currency=currency,
            status="planned",
            handling_code=HANDLING,
            planned_at=now,
        )
        session.add(row)
        await session.flush()
        await _announce(
            session,
            partnership,
            TranchePlannedV1(
                tranche_id=str(row.id),
                partnership_id=str(partnership_id),
                from_account_id=str(row.from_account_id),
                to_account_id=str(row.to_account_id),
                amount=row.amount,
                currency=currency,
                indicator=row.indicator,
                target=row.target,
                comparison=body.comparison,
                deadline=row.deadline,
                planned_at=now,
            ),
            row.id,
        )
        return Outcome(201, tranche_view(row).model_dump(mode="json"), {"Location": f"/tranches/{row.id}"})


async def _announce(
    session: AsyncSession, partnership: KnownPartnership, event: Any, tranche_id: uuid.UUID
) -> None:
    await add_event(session, event, aggregate_id=str(tranche_id), source=SOURCE, release=release(partnership))


def _transfer_id(tranche: FundingTranche, step: str) -> uuid.UUID:
    return uuid.uuid5(tranche.id, step)


async def reserve(session: AsyncSession, *, tranche_id: uuid.UUID) -> TrancheOut:
    """The workflow's first step: the amount reserved as a pending transfer (once, however often asked)."""
    async with session.begin():
        tranche = await get_tranche(session, tranche_id, lock=True)
        if tranche.status != "planned":
            return tranche_view(tranche)
        partnership = await partnership_of(session, tranche.partnership_id)
        pending = await apply_transfer(
            session,
            partnership,
            transfer_id=_transfer_id(tranche, "reserve"),
            kind="pending",
            debit_id=tranche.from_account_id,
            credit_id=tranche.to_account_id,
            amount=tranche.amount,
            code="tranche",
            user_data=f"tranche {tranche.id}",
        )
        tranche.status, tranche.pending_transfer_id = "reserved", pending.id
        now = datetime.now(UTC)
        await _announce(
            session,
            partnership,
            TrancheReservedV1(
                tranche_id=str(tranche.id),
                partnership_id=str(tranche.partnership_id),
                pending_transfer_id=str(pending.id),
                amount=tranche.amount,
                currency=tranche.currency,
                deadline=tranche.deadline,
                reserved_at=now,
            ),
            tranche.id,
        )
        return tranche_view(tranche)


async def settle(
    session: AsyncSession, *, tranche_id: uuid.UUID, measurement: MeasurementIn | None
) -> TrancheOut:
    """The workflow's last step: post the reservation (a measurement met the target) or void it (none did by the
    deadline). Once: asked again, it answers what was done."""
    async with session.begin():
        tranche = await get_tranche(session, tranche_id, lock=True)
        if tranche.status in ("released", "voided"):
            if (tranche.status == "released") != (measurement is not None):
                raise Conflict(f"The tranche is already {tranche.status}.", code="tranche_settled")
            return tranche_view(tranche)
        if tranche.status != "reserved" or tranche.pending_transfer_id is None:
            raise Conflict("The tranche is not reserved yet.", code="tranche_not_reserved")
        if measurement is not None and measurement.indicator != tranche.indicator:
            raise field_problem(
                "indicator", "other_indicator", f"The tranche is gated by {tranche.indicator}."
            )
        partnership = await partnership_of(session, tranche.partnership_id)
        step = "release" if measurement is not None else "void"
        resolution = await apply_transfer(
            session,
            partnership,
            transfer_id=_transfer_id(tranche, step),
            kind="post_pending" if measurement is not None else "void_pending",
            debit_id=tranche.from_account_id,
            credit_id=tranche.to_account_id,
            amount=tranche.amount,
            code="tranche",
            user_data=f"tranche {tranche.id}",
            pending=await _pending_of(session, tranche),
        )
        now = datetime.now(UTC)
        tranche.resolution_transfer_id, tranche.settled_at = resolution.id, now
        common = {
            "tranche_id": str(tranche.id),
            "partnership_id": str(tranche.partnership_id),
            "transfer_id": str(resolution.id),
            "amount": tranche.amount,
            "currency": tranche.currency,
        }
        if measurement is not None:
            tranche.status = "released"
            tranche.measurement_id, tranche.measured_value = measurement.measurement_id, measurement.value
            event: Any = TrancheReleasedV1(
                **common,
                measurement_id=measurement.measurement_id,
                indicator=measurement.indicator,
                value=measurement.value,
                released_at=now,
            )
        else:
            tranche.status = "voided"
            event = TrancheVoidedV1(**common, deadline=tranche.deadline, voided_at=now)
        await _announce(session, partnership, event, tranche.id)
        return tranche_view(tranche)


async def _pending_of(session: AsyncSession, tranche: FundingTranche) -> LedgerTransfer:
    found = await session.get(LedgerTransfer, tranche.pending_transfer_id)
    assert found is not None, "a reserved tranche has its pending transfer"
    return found


async def request_extension(
    session: AsyncSession, *, tranche_id: uuid.UUID, body: ExtensionIn
) -> ExtensionOut:
    async with session.begin():
        tranche = await get_tranche(session, tranche_id, lock=True)
        if tranche.status not in ("planned", "reserved"):
            raise Conflict(f"The tranche is already {tranche.status}.", code="tranche_settled")
        now = datetime.now(UTC)
        if body.deadline <= tranche.deadline:
            raise field_problem(
                "deadline", "not_later", f"The tranche's deadline is {tranche.deadline.isoformat()}."
            )
        if not now < body.decide_by <= body.deadline:
            raise field_problem(
                "decide_by", "decide_by_out_of_range", "decide_by falls between now and the deadline."
            )
        partnership = await partnership_of(session, tranche.partnership_id)
        row = TrancheExtension(
            id=uuid.uuid4(),
            tranche_id=tranche.id,
            partnership_id=tranche.partnership_id,
            requested_deadline=body.deadline,
            reason=body.reason,
            decide_by=body.decide_by,
            status="requested",
            requested_at=now,
        )
        session.add(row)
        try:
            await session.flush()
        except IntegrityError as exc:
            raise Conflict(
                "An extension of this tranche awaits its decision.", code="extension_pending"
            ) from exc
        await _announce(
            session,
            partnership,
            TrancheExtensionRequestedV1(
                extension_id=str(row.id),
                tranche_id=str(tranche.id),
                partnership_id=str(tranche.partnership_id),
                current_deadline=tranche.deadline,
                requested_deadline=body.deadline,
                reason=body.reason,
                subject=f"{SUBJECT_PREFIX}{row.id}",
                decide_by=body.decide_by,
                requested_at=now,
            ),
            tranche.id,
        )
        return extension_view(row)


async def settle_extension(session: AsyncSession, event: DecisionClosedV1) -> TrancheExtension | None:
    """The oversight body decided about an extension (consumer of partners.decision_closed.v1): the extension,
    granted or refused, once; None when this decision was applied already."""
    assert event.subject is not None
    row = await session.scalar(
        select(TrancheExtension)
        .where(TrancheExtension.id == uuid.UUID(event.subject.removeprefix(SUBJECT_PREFIX)))
        .with_for_update()
    )
    if row is None or row.status != "requested":
        return None
    tranche = await get_tranche(session, row.tranche_id, lock=True)
    partnership = await partnership_of(session, tranche.partnership_id)
    granted = event.outcome == "approved" and tranche.status in ("planned", "reserved")
    row.status, row.decision_id, row.decided_at = (
        ("granted" if granted else "refused"),
        uuid.UUID(event.decision_id),
        event.closed_at,
    )
    if granted:
        tranche.deadline = max(tranche.deadline, row.requested_deadline)
    await _announce(
        session,
        partnership,
        TrancheExtensionDecidedV1(
            extension_id=str(row.id),
            tranche_id=str(tranche.id),
            partnership_id=str(tranche.partnership_id),
            granted=granted,
            requested_deadline=row.requested_deadline,
            decision_id=event.decision_id,
            decided_at=event.closed_at,
        ),
        tranche.id,
    )
    return row
