"""Grant use cases: the lead records an agreement (the grant's ledger account opens with it) and each receipt,
posted from the grant's account to the partnership's shared pool, never beyond what was agreed."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from backbone.errors import Conflict, DomainError, field_problem
from backbone.idempotency import Outcome
from backbone.outbox import add_event
from contracts.events.grants import GrantAgreedV1, GrantConditionMetV1, GrantReceivedV1
from services.finance import SOURCE
from services.finance.grants.schemas import FulfilmentIn, GrantIn, GrantOut, ReceiptIn, ReceiptOut
from services.finance.ledger.service import apply_transfer, ensure_account, shared_pool
from services.finance.models import GrantAgreement, GrantReceipt
from services.finance.partnerships import HANDLING, partnership_of, release


def grant_view(row: GrantAgreement) -> GrantOut:
    return GrantOut.model_validate(
        {
            **{c.key: getattr(row, c.key) for c in GrantAgreement.__table__.columns},
            "outstanding": row.amount - row.received,
            "precedents_unmet": len(_unmet_precedents(row)),
        }
    )


def _unmet_precedents(row: GrantAgreement) -> list[str]:
    return [c["id"] for c in row.conditions if c["precedent"] and c["met_on"] is None]


def _stated(conditions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """What the agreement says of each condition (not whether it was met since)."""
    return [{k: c[k] for k in ("id", "text", "precedent", "due_on")} for c in conditions]


async def get_grant(session: AsyncSession, grant_id: uuid.UUID, *, lock: bool = False) -> GrantAgreement:
    found = await session.get(GrantAgreement, grant_id, with_for_update=lock)
    if found is None:
        raise DomainError(f"No grant with id {grant_id}.", status=404, code="grant_not_found")
    return found


async def record_grant(session: AsyncSession, *, partnership_id: uuid.UUID, body: GrantIn) -> Outcome:
    async with session.begin():
        partnership = await partnership_of(session, partnership_id)
        conditions = [
            {**c.model_dump(mode="json"), "met_on": None, "evidence": None} for c in body.stated_conditions()
        ]
        wanted = {
            **body.model_dump(exclude={"id", "conditions"}),
            "partnership_id": partnership_id,
            "conditions": conditions,
        }
        existing = await session.get(GrantAgreement, body.id)
        if existing is not None:
            same = all(getattr(existing, k) == v for k, v in wanted.items() if k != "conditions")
            if not same or _stated(existing.conditions) != _stated(conditions):
                raise Conflict(f"Grant {body.id} exists with other fields.", code="grant_exists")
            return Outcome(200, grant_view(existing).model_dump(mode="json"))
        now = datetime.now(UTC)
        account = await ensure_account(
            session,
            partnership,
            kind="grant",
            currency=body.currency,
            key=uuid.uuid5(body.id, "account"),
            name=f"grant {body.donor_name}"[:200],
        )
        row = GrantAgreement(
            id=body.id, **wanted, received=0, account_id=account, handling_code=HANDLING, agreed_at=now
        )
        session.add(row)
        await session.flush()
        await add_event(
            session,
            GrantAgreedV1(
                grant_id=str(row.id),
                partnership_id=str(partnership_id),
                donor_name=row.donor_name,
                donor_kind=body.donor_kind,
                donor_ref=row.donor_ref,
                currency=row.currency,
                amount=row.amount,
                conditions=[c["text"] for c in row.conditions],
                starts_on=row.starts_on,
                ends_on=row.ends_on,
                account_id=str(account),
                agreed_at=now,
            ),
            aggregate_id=str(row.id),
            source=SOURCE,
            release=release(partnership),
        )
        return Outcome(201, grant_view(row).model_dump(mode="json"), {"Location": f"/grants/{row.id}"})


async def record_receipt(session: AsyncSession, *, grant_id: uuid.UUID, body: ReceiptIn) -> Outcome:
    async with session.begin():
        grant = await get_grant(session, grant_id, lock=True)
        existing = await session.get(GrantReceipt, body.id)
        if existing is not None:
            if (existing.grant_id, existing.amount, existing.received_on) != (
                grant.id,
                body.amount,
                body.received_on,
            ):
                raise Conflict(f"Receipt {body.id} exists with other fields.", code="receipt_exists")
            return Outcome(
                200, ReceiptOut.model_validate(existing, from_attributes=True).model_dump(mode="json")
            )
        unmet = _unmet_precedents(grant)
        if unmet:
            raise Conflict(
                f"Conditions precedent not met yet: {', '.join(unmet)}.", code="conditions_precedent_unmet"
            )
        outstanding = grant.amount - grant.received
        if body.amount > outstanding:
            raise field_problem(
                "amount", "exceeds_grant", f"{outstanding} {grant.currency} is still to come."
            )
        partnership = await partnership_of(session, grant.partnership_id)
        pool = await shared_pool(session, partnership, grant.currency)
        transfer = await apply_transfer(
            session,
            partnership,
            transfer_id=uuid.uuid5(body.id, "received"),
            kind="single",
            debit_id=grant.account_id,
            credit_id=pool,
            amount=body.amount,
            code="grant",
            user_data=f"grant {grant.id} receipt {body.id}",
        )
        grant.received += body.amount
        now = datetime.now(UTC)
        receipt = GrantReceipt(
            id=body.id,
            grant_id=grant.id,
            partnership_id=grant.partnership_id,
            amount=body.amount,
            received_on=body.received_on,
            reference=body.reference,
            transfer_id=transfer.id,
            handling_code=HANDLING,
            recorded_at=now,
        )
        session.add(receipt)
        await session.flush()
        await add_event(
            session,
            GrantReceivedV1(
                grant_id=str(grant.id),
                partnership_id=str(grant.partnership_id),
                receipt_id=str(receipt.id),
                amount=body.amount,
                currency=grant.currency,
                received=grant.received,
                outstanding=grant.amount - grant.received,
                transfer_id=str(transfer.id),
                received_on=body.received_on,
            ),
            aggregate_id=str(grant.id),
            source=SOURCE,
            release=release(partnership),
        )
        out = ReceiptOut.model_validate(receipt, from_attributes=True)
        return Outcome(201, out.model_dump(mode="json"))


async def fulfil_condition(
    session: AsyncSession, *, grant_id: uuid.UUID, condition_id: str, body: FulfilmentIn
) -> GrantOut:
    """The lead records a condition met with its evidence; the same again changes nothing."""
    async with session.begin():
        grant = await get_grant(session, grant_id, lock=True)
        found = next((c for c in grant.conditions if c["id"] == condition_id), None)
        if found is None:
            raise DomainError(
                f"The grant has no condition {condition_id}.", status=404, code="condition_not_found"
            )
        met = {"met_on": body.met_on.isoformat(), "evidence": body.evidence}
        if found["met_on"] is not None:
            if {k: found[k] for k in met} != met:
                raise Conflict(f"Condition {condition_id} was recorded met otherwise.", code="condition_met")
            return grant_view(grant)
        if body.met_on > datetime.now(UTC).date():
            raise field_problem("met_on", "in_the_future", "A condition is recorded met once it is.")
        grant.conditions = [{**c, **met} if c["id"] == condition_id else c for c in grant.conditions]
        partnership = await partnership_of(session, grant.partnership_id)
        now = datetime.now(UTC)
        await add_event(
            session,
            GrantConditionMetV1(
                grant_id=str(grant.id),
                partnership_id=str(grant.partnership_id),
                condition_id=condition_id,
                text=found["text"],
                precedent=found["precedent"],
                met_on=body.met_on,
                evidence=body.evidence,
                precedents_unmet=len(_unmet_precedents(grant)),
                recorded_at=now,
            ),
            aggregate_id=str(grant.id),
            source=SOURCE,
            release=release(partnership),
        )
        return grant_view(grant)
