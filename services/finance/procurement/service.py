"""Procurement up to the award: the lead (the procuring entity) records the need, publishes the tender with its
evaluation panel, records the bids received while it is open, opens them once it has closed, and awards the
contract to the bid the evaluation ranks first; or cancels the process before a contract is signed."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from backbone.errors import Conflict, field_problem
from backbone.idempotency import Outcome
from services.finance.partnerships import HANDLING, partnership_of
from services.finance.procurement import ocds, rules, stages
from services.finance.procurement.evaluation import evaluation_of
from services.finance.procurement.models import Procurement, ProcurementBid
from services.finance.procurement.schemas import (
    BidIn,
    BidOut,
    CancellationIn,
    ProcurementIn,
    ProcurementOut,
    TenderIn,
)


def _created(row: Procurement, status: int) -> Outcome:
    return Outcome(status, stages.view(row).model_dump(mode="json"))


async def plan(session: AsyncSession, *, partnership_id: uuid.UUID, body: ProcurementIn) -> Outcome:
    """The need: 201; the same id and body again 200; the same id otherwise 409."""
    async with session.begin():
        partnership = await partnership_of(session, partnership_id)
        wanted = body.model_dump(mode="json", exclude={"id"})
        found = await session.get(Procurement, body.id)
        if found is not None:
            mine = {k: getattr(found, k) for k in wanted}
            if found.partnership_id != partnership_id or mine != wanted:
                raise Conflict(f"Procurement {body.id} was recorded otherwise.", code="procurement_id_reused")
            return _created(found, 200)
        now = datetime.now(UTC)
        procurement = Procurement(
            id=body.id,
            partnership_id=partnership_id,
            ocid=ocds.ocid_of(body.id),
            stage="planning",
            evaluators=[],
            shares=[],
            releases=0,
            handling_code=HANDLING,
            created_at=now,
            updated_at=now,
            **wanted,
        )
        session.add(procurement)
        await session.flush()
        await stages.advance(session, procurement, partnership, "planning", amount=body.estimated_amount)
        return _created(procurement, 201)


async def tender(session: AsyncSession, *, procurement_id: uuid.UUID, body: TenderIn) -> ProcurementOut:
    """Publish the tender: bids are received until `ends_at`; the panel scores them once opened."""
    async with session.begin():
        procurement = await stages.get(session, procurement_id, lock=True)
        panel = [e.model_dump() for e in body.evaluators]
        if procurement.method is not None:
            same = (procurement.method, procurement.tender_ends_at, procurement.evaluators) == (
                body.method,
                body.ends_at,
                panel,
            )
            if same and procurement.scores_needed == body.scores_needed:
                return stages.view(procurement)
        stages.require(procurement, "tender")
        if body.ends_at <= datetime.now(UTC):
            raise field_problem(
                "ends_at", "in_the_past", "Bids must be receivable for a while: a future time."
            )
        partnership = await partnership_of(session, procurement.partnership_id)
        for index, evaluator in enumerate(body.evaluators):
            if evaluator.country_code not in partnership.member_countries:
                raise field_problem(
                    f"evaluators.{index}.country_code",
                    "not_a_member",
                    f"{evaluator.country_code} is not a member of the partnership.",
                )
        procurement.method, procurement.tender_ends_at = body.method, body.ends_at
        procurement.evaluators, procurement.scores_needed = panel, body.scores_needed
        await stages.advance(session, procurement, partnership, "tender", amount=procurement.estimated_amount)
        return stages.view(procurement)


def bid_view(row: ProcurementBid) -> BidOut:
    return BidOut.model_validate(row, from_attributes=True)


async def record_bid(session: AsyncSession, *, procurement_id: uuid.UUID, body: BidIn) -> Outcome:
    """A bid received while the tender is open: 201; the same again 200."""
    async with session.begin():
        procurement = await stages.get(session, procurement_id, lock=True)
        wanted = {
            "procurement_id": procurement_id,
            "supplier_name": body.supplier.name,
            "supplier_scheme": body.supplier.scheme,
            "supplier_identifier": body.supplier.identifier,
            "supplier_country_code": body.supplier.country_code,
            "unit_prices": body.unit_prices,
        }
        found = await session.get(ProcurementBid, body.id)
        if found is not None:
            if any(getattr(found, k) != v for k, v in wanted.items()):
                raise Conflict(f"Bid {body.id} was recorded otherwise.", code="bid_id_reused")
            return Outcome(200, bid_view(found).model_dump(mode="json"))
        stages.require(procurement, "bid")
        assert procurement.tender_ends_at is not None
        if datetime.now(UTC) >= procurement.tender_ends_at:
            raise Conflict("The tender closed: no bid is received after its end.", code="tender_closed")
        missing = [item["id"] for item in procurement.items if item["id"] not in body.unit_prices]
        if missing:
            raise field_problem("unit_prices", "item_unpriced", f"The bid prices no unit of {missing[0]}.")
        try:
            amount = rules.bid_amount(procurement.items, body.unit_prices)
        except ValueError as unknown:
            raise field_problem(
                "unit_prices", "unknown_item", f"{unknown} is not an item of the tender."
            ) from None
        bid = ProcurementBid(
            id=body.id,
            partnership_id=procurement.partnership_id,
            amount=amount,
            handling_code=HANDLING,
            received_at=datetime.now(UTC),
            **wanted,
        )
        session.add(bid)
        try:
            async with session.begin_nested():
                await session.flush()
        except IntegrityError:
            raise Conflict(
                f"{body.supplier.name} has already bid in this tender.", code="supplier_already_bid"
            ) from None
        return Outcome(201, bid_view(bid).model_dump(mode="json"))


async def open_bids(session: AsyncSession, *, procurement_id: uuid.UUID) -> ProcurementOut:
    """Once the tender has closed: the bids become visible to the members and the panel; no bid at all makes the
    tender unsuccessful."""
    async with session.begin():
        procurement = await stages.get(session, procurement_id, lock=True)
        if procurement.bids_opened_at is not None:
            return stages.view(procurement)
        stages.require(procurement, "open_bids")
        now = datetime.now(UTC)
        assert procurement.tender_ends_at is not None
        if now < procurement.tender_ends_at:
            raise Conflict(
                f"The tender is open until {procurement.tender_ends_at.isoformat()}.", code="tender_open"
            )
        procurement.bids_opened_at = now
        received = await stages.bids_of(session, procurement_id)
        partnership = await partnership_of(session, procurement.partnership_id)
        stage = "evaluation" if received else "unsuccessful"
        await stages.advance(session, procurement, partnership, stage)
        return stages.view(procurement)


async def award(session: AsyncSession, *, procurement_id: uuid.UUID) -> ProcurementOut:
    """To the bid ranked first (the highest mean score, then the lower price, then the earlier bid), once every
    bid has the scores needed from evaluators free of interest in it."""
    async with session.begin():
        procurement = await stages.get(session, procurement_id, lock=True)
        if procurement.awarded_bid_id is not None:
            return stages.view(procurement)
        stages.require(procurement, "award")
        result = await evaluation_of(session, procurement)
        if result.winner is None:
            short = ", ".join(str(b) for b in result.short_of_scores)
            raise Conflict(
                f"Each bid needs {procurement.scores_needed} scores; short: {short}.",
                code="evaluation_incomplete",
            )
        procurement.awarded_bid_id = result.winner.bid_id
        procurement.awarded_amount, procurement.awarded_at = result.winner.amount, datetime.now(UTC)
        partnership = await partnership_of(session, procurement.partnership_id)
        await stages.advance(session, procurement, partnership, "awarded", amount=result.winner.amount)
        return stages.view(procurement)


async def cancel(session: AsyncSession, *, procurement_id: uuid.UUID, body: CancellationIn) -> ProcurementOut:
    """Before a contract is signed (a signed contract is the supplier's too)."""
    async with session.begin():
        procurement = await stages.get(session, procurement_id, lock=True)
        if procurement.stage == "cancelled":
            return stages.view(procurement)
        if not rules.allows("cancel", procurement.stage):
            raise Conflict(
                f"The procurement is at stage {procurement.stage}: too late to cancel.",
                code="contract_signed" if procurement.contract_signed_on else "wrong_stage",
            )
        procurement.cancellation_reason = body.reason
        partnership = await partnership_of(session, procurement.partnership_id)
        await stages.advance(session, procurement, partnership, "cancelled")
        return stages.view(procurement)
