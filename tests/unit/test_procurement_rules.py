"""Joint procurement's pure rules and its OCDS releases: the ranking that names the winner, the deliveries
against the order, and a release package that the vendored OCDS 1.1 schema accepts (and one it refuses)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.finance.models import KnownPartnership
from services.finance.procurement import ocds, rules
from services.finance.procurement.models import Procurement, ProcurementBid, ProcurementDelivery

A, B, C = (uuid.UUID(int=n) for n in (1, 2, 3))
ITEMS = [{"id": "kit", "description": "Kit", "quantity": 10, "unit": "kit"}]


def test_the_best_mean_wins_then_the_lower_price_then_the_earlier_bid() -> None:
    scores = [rules.Score(A, "x", 70), rules.Score(B, "x", 80), rules.Score(C, "x", 80)]
    result = rules.evaluate([(A, 10), (B, 30), (C, 20)], scores, needed=1)
    assert [r.bid_id for r in result.ranking] == [C, B, A] and result.winner is not None
    tie = rules.evaluate([(B, 20), (C, 20)], [rules.Score(B, "x", 5), rules.Score(C, "x", 5)], needed=1)
    assert tie.winner is not None and tie.winner.bid_id == B, "the earlier bid"


def test_no_winner_while_a_bid_is_short_of_scores() -> None:
    result = rules.evaluate([(A, 10), (B, 20)], [rules.Score(A, "x", 90), rules.Score(A, "y", 90)], needed=2)
    assert result.short_of_scores == [B] and result.winner is None


@given(st.lists(st.integers(min_value=0, max_value=100), min_size=1, max_size=6))
def test_the_mean_is_exact(marks: list[int]) -> None:
    scores = [rules.Score(A, f"e{i}", m) for i, m in enumerate(marks)]
    (ranked,) = rules.evaluate([(A, 1)], scores, needed=len(marks)).ranking
    assert ranked.mean * len(marks) == sum(marks)


def test_deliveries_never_exceed_the_order_and_complete_it_exactly() -> None:
    items = [*ITEMS, {"id": "licence", "description": "L", "quantity": 2, "unit": "licence"}]
    so_far = rules.delivered([[{"item_id": "kit", "quantity": 4}]])
    assert rules.excess(items, so_far, [{"item_id": "kit", "quantity": 6}]) is None
    assert (
        rules.excess(
            items, so_far, [{"item_id": "licence", "quantity": 1}, {"item_id": "kit", "quantity": 7}]
        )
        == 1
    )
    assert rules.excess(items, so_far, [{"item_id": "drone", "quantity": 1}]) == 0
    done = rules.delivered([[{"item_id": "kit", "quantity": 10}], [{"item_id": "licence", "quantity": 2}]])
    assert rules.complete(items, done) and not rules.complete(items, so_far)
    assert rules.value_of([{"item_id": "kit", "quantity": 3}], {"kit": 250}) == 750


def test_a_bid_prices_only_tendered_items() -> None:
    assert rules.bid_amount(ITEMS, {"kit": 7}) == 70
    with pytest.raises(ValueError, match="drone"):
        rules.bid_amount(ITEMS, {"kit": 7, "drone": 1})


def _process(
    stage: str,
) -> tuple[Procurement, KnownPartnership, list[ProcurementBid], list[ProcurementDelivery]]:
    now = datetime.now(UTC)
    pid = uuid.uuid4()
    procurement = Procurement(
        id=uuid.uuid4(),
        partnership_id=pid,
        ocid="",
        title="Kits",
        description="Kits for the lab",
        category="goods",
        currency="EUR",
        estimated_amount=12_345,
        items=ITEMS,
        stage=stage,
        method="open",
        tender_ends_at=now - timedelta(hours=1),
        bids_opened_at=now,
        evaluators=[],
        scores_needed=1,
        awarded_bid_id=A,
        awarded_amount=10_000,
        awarded_at=now,
        contract_signed_on=date.today(),
        contract_ends_on=date.today() + timedelta(days=30),
        paid_amount=10_000,
        paid_at=now,
        payment_transfer_id=uuid.uuid4(),
        releases=0,
    )
    procurement.ocid = ocds.ocid_of(procurement.id)
    partnership = KnownPartnership(
        partnership_id=pid,
        name="Sahel cyber",
        lead_country_code="FR",
        member_countries=["FR", "SN"],
        member_agencies=[],
    )
    bid = ProcurementBid(
        id=A,
        supplier_name="Alpha",
        supplier_scheme="FR-RCS",
        supplier_identifier="111",
        supplier_country_code="FR",
        unit_prices={"kit": 1_000},
        amount=10_000,
        received_at=now,
    )
    delivery = ProcurementDelivery(
        id=uuid.uuid4(), delivered_on=date.today(), lines=[{"item_id": "kit", "quantity": 10}], value=10_000
    )
    return procurement, partnership, [bid], [delivery]


@pytest.mark.parametrize(
    "stage", ["planning", "tender", "evaluation", "awarded", "contracted", "delivered", "paid", "cancelled"]
)
def test_every_stage_publishes_a_release_the_schema_accepts(stage: str) -> None:
    procurement, partnership, bids, deliveries = _process(stage)
    release = ocds.release(
        procurement, partnership, bids, deliveries, release_id=f"r-{stage}", at=datetime.now(UTC)
    )
    package = ocds.package(
        [release], uri="https://finance.example/procurements/x/ocds", publisher="Sahel cyber"
    )
    assert ocds.schema_errors(package) == []
    assert release["tag"] == [rules.OCDS_TAG[stage]]
    if stage == "paid":
        assert release["contracts"][0]["implementation"]["transactions"][0]["value"] == {
            "amount": 100,
            "currency": "EUR",
        }


def test_a_package_that_breaks_the_schema_is_refused() -> None:
    procurement, partnership, bids, deliveries = _process("planning")
    release = ocds.release(procurement, partnership, bids, deliveries, release_id="r", at=datetime.now(UTC))
    release["tag"] = ["shopping"]
    with pytest.raises(ocds.InvalidReleasePackage, match="tag"):
        ocds.package([release], uri="https://finance.example/x", publisher="p")
    assert ocds.schema_errors({"uri": "x", "releases": []}) != []
