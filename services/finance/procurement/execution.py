"""Procurement from the contract on: signing reserves the contract value in the ledger (a pending transfer from
the shared pool to the procurement spending account, so no other spending can take it), deliveries record what
arrived against the order, and the payment posts what was delivered (the rest of the reservation returns to the
pool). At the contract and at the payment, each member's part by the contribution scale in force."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from backbone.errors import Conflict, field_problem
from backbone.idempotency import Outcome
from services.finance.contributions.scales import scale_in_force, shares_of
from services.finance.ledger.service import apply_transfer, ensure_account, shared_pool
from services.finance.models import ContributionScale, LedgerTransfer
from services.finance.partnerships import HANDLING, partnership_of
from services.finance.procurement import rules, stages
from services.finance.procurement.models import Procurement, ProcurementBid, ProcurementDelivery
from services.finance.procurement.schemas import ContractIn, DeliveryIn, DeliveryOut, ProcurementOut

ACCOUNT_KIND = "spent_procurement"


async def sign_contract(
    session: AsyncSession, *, procurement_id: uuid.UUID, body: ContractIn
) -> ProcurementOut:
    async with session.begin():
        procurement = await stages.get(session, procurement_id, lock=True)
        signed = (procurement.contract_signed_on, procurement.contract_ends_on)
        if signed == (body.signed_on, body.ends_on):
            return stages.view(procurement)
        stages.require(procurement, "contract")
        assert procurement.awarded_amount is not None and procurement.awarded_at is not None
        if body.signed_on < procurement.awarded_at.date():
            raise field_problem("signed_on", "before_award", "A contract is signed after its award.")
        scale = await scale_in_force(session, procurement.partnership_id, body.signed_on)
        if scale is None:
            raise field_problem(
                "signed_on",
                "no_contribution_scale",
                "No adopted budget with a contribution scale covers this day: the members' parts are unknown.",
            )
        partnership = await partnership_of(session, procurement.partnership_id)
        reservation = await apply_transfer(
            session,
            partnership,
            transfer_id=uuid.uuid5(procurement.id, "contract"),
            kind="pending",
            debit_id=await shared_pool(session, partnership, procurement.currency),
            credit_id=await ensure_account(
                session, partnership, kind=ACCOUNT_KIND, currency=procurement.currency, country_code=None
            ),
            amount=procurement.awarded_amount,
            code="procurement",
            user_data=f"procurement {procurement.id}",
        )
        procurement.contract_signed_on, procurement.contract_ends_on = body.signed_on, body.ends_on
        procurement.reservation_transfer_id, procurement.scale_id = reservation.id, scale.id
        shares = shares_of(procurement.awarded_amount, scale)
        procurement.shares = [s.model_dump() for s in shares]
        await stages.advance(
            session,
            procurement,
            partnership,
            "contracted",
            amount=procurement.awarded_amount,
            shares=shares,
            transfer_id=reservation.id,
        )
        return stages.view(procurement)


def delivery_view(row: ProcurementDelivery) -> DeliveryOut:
    return DeliveryOut.model_validate(row, from_attributes=True)


async def record_delivery(session: AsyncSession, *, procurement_id: uuid.UUID, body: DeliveryIn) -> Outcome:
    """201; the same delivery again 200. A line beyond what the order leaves of its item is refused."""
    async with session.begin():
        procurement = await stages.get(session, procurement_id, lock=True)
        lines = [line.model_dump() for line in body.lines]
        found = await session.get(ProcurementDelivery, body.id)
        if found is not None:
            same = (found.procurement_id, found.delivered_on, found.lines, found.note) == (
                procurement_id,
                body.delivered_on,
                lines,
                body.note,
            )
            if not same:
                raise Conflict(f"Delivery {body.id} was recorded otherwise.", code="delivery_id_reused")
            return Outcome(200, delivery_view(found).model_dump(mode="json"))
        stages.require(procurement, "deliver")
        assert procurement.contract_signed_on is not None
        if body.delivered_on < procurement.contract_signed_on:
            raise field_problem(
                "delivered_on", "before_contract", "A delivery follows the contract's signature."
            )
        earlier = await stages.deliveries_of(session, procurement_id)
        so_far = rules.delivered(d.lines for d in earlier)
        beyond = rules.excess(procurement.items, so_far, lines)
        if beyond is not None:
            raise field_problem(
                f"lines.{beyond}.quantity",
                "exceeds_order",
                f"The order leaves less of {lines[beyond]['item_id']} to deliver (or orders none).",
            )
        winner = await _winner(session, procurement)
        delivery = ProcurementDelivery(
            id=body.id,
            procurement_id=procurement_id,
            partnership_id=procurement.partnership_id,
            delivered_on=body.delivered_on,
            lines=lines,
            value=rules.value_of(lines, winner.unit_prices),
            note=body.note,
            handling_code=HANDLING,
            recorded_at=datetime.now(UTC),
        )
        session.add(delivery)
        await session.flush()
        after = rules.delivered([*(d.lines for d in earlier), lines])
        stage = "delivered" if rules.complete(procurement.items, after) else "delivering"
        if stage != procurement.stage:
            partnership = await partnership_of(session, procurement.partnership_id)
            value = sum(d.value for d in earlier) + delivery.value
            await stages.advance(session, procurement, partnership, stage, amount=value)
        return Outcome(201, delivery_view(delivery).model_dump(mode="json"))


async def pay(session: AsyncSession, *, procurement_id: uuid.UUID) -> ProcurementOut:
    """Pay the supplier what was delivered at the contract's unit prices: the reservation is posted for that
    amount (a partial delivery releases the rest to the pool, and the contract ends with it)."""
    async with session.begin():
        procurement = await stages.get(session, procurement_id, lock=True)
        if procurement.stage == "paid":
            return stages.view(procurement)
        stages.require(procurement, "pay")
        assert procurement.reservation_transfer_id is not None and procurement.scale_id is not None
        amount = sum(d.value for d in await stages.deliveries_of(session, procurement_id))
        partnership = await partnership_of(session, procurement.partnership_id)
        reservation = await session.get(LedgerTransfer, procurement.reservation_transfer_id)
        assert reservation is not None
        posting = await apply_transfer(
            session,
            partnership,
            transfer_id=uuid.uuid5(procurement.id, "payment"),
            kind="post_pending",
            debit_id=reservation.debit_account_id,
            credit_id=reservation.credit_account_id,
            amount=amount,
            code="procurement",
            user_data=f"procurement {procurement.id}",
            pending=reservation,
        )
        now = datetime.now(UTC)
        scale = await scale_in_force(session, procurement.partnership_id, now.date())
        if scale is None:  # the budget that covered the contract has ended: its scale still splits it
            scale = await session.get(ContributionScale, procurement.scale_id)
            assert scale is not None
        shares = shares_of(amount, scale)
        procurement.paid_amount, procurement.payment_transfer_id, procurement.paid_at = (
            amount,
            posting.id,
            now,
        )
        procurement.scale_id, procurement.shares = scale.id, [s.model_dump() for s in shares]
        await stages.advance(
            session, procurement, partnership, "paid", amount=amount, shares=shares, transfer_id=posting.id
        )
        return stages.view(procurement)


async def deliveries(session: AsyncSession, *, procurement_id: uuid.UUID) -> list[DeliveryOut]:
    async with session.begin():
        await stages.get(session, procurement_id)
        return [delivery_view(d) for d in await stages.deliveries_of(session, procurement_id)]


async def _winner(session: AsyncSession, procurement: Procurement) -> ProcurementBid:
    found = await session.get(ProcurementBid, procurement.awarded_bid_id)
    assert found is not None, "a contracted procurement has its awarded bid"
    return found
