"""API models of joint procurement."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, Field, model_validator

from backbone.schemas import Strict
from contracts.envelope import CountryCode
from contracts.events.finance import ContributionShareV1
from contracts.events.procurement import ProcurementStage
from rules.currencies import Currency
from services.finance.ledger.schemas import MAX_AMOUNT

ItemId = Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9._-]+$")


class ItemIn(Strict):
    id: str = ItemId
    description: str = Field(min_length=1, max_length=500)
    quantity: int = Field(gt=0, le=1_000_000)
    unit: str = Field(min_length=1, max_length=40, description="e.g. kit, licence, hour")


class ProcurementIn(Strict):
    """The need: what the partnership wants to buy, its estimate and currency."""

    id: uuid.UUID = Field(description="Client-chosen: the same id and body again changes nothing")
    title: str = Field(min_length=1, max_length=200)
    description: str = Field(min_length=1, max_length=4000)
    category: Literal["goods", "services"]
    currency: Currency
    estimated_amount: int = Field(gt=0, le=MAX_AMOUNT, description="Minor units of `currency`")
    items: list[ItemIn] = Field(min_length=1, max_length=100)

    @model_validator(mode="after")
    def _items_named_once(self) -> ProcurementIn:
        ids = [item.id for item in self.items]
        if len(set(ids)) != len(ids):
            raise ValueError("items: each item id once")
        return self


class EvaluatorIn(Strict):
    subject: str = Field(min_length=1, max_length=200, description="The evaluator's user id (token `sub`)")
    country_code: CountryCode


class TenderIn(Strict):
    method: Literal["open", "selective", "limited"]
    ends_at: AwareDatetime = Field(description="Bids are received until then; they are opened after it")
    evaluators: list[EvaluatorIn] = Field(min_length=1, max_length=20)
    scores_needed: int = Field(
        default=2, ge=1, le=20, description="Each bid needs this many scores from evaluators free of interest"
    )

    @model_validator(mode="after")
    def _enough_evaluators(self) -> TenderIn:
        subjects = [e.subject for e in self.evaluators]
        if len(set(subjects)) != len(subjects):
            raise ValueError("evaluators: each evaluator once")
        if self.scores_needed > len(subjects):
            raise ValueError("scores_needed: more scores than evaluators")
        return self


class SupplierIn(Strict):
    name: str = Field(min_length=1, max_length=200)
    scheme: str = Field(
        min_length=1, max_length=40, description="org-id.guide list of the identifier, e.g. FR-RCS, GB-COH"
    )
    identifier: str = Field(min_length=1, max_length=100)
    country_code: CountryCode


class BidIn(Strict):
    id: uuid.UUID
    supplier: SupplierIn
    unit_prices: dict[str, int] = Field(
        min_length=1, description="Per tendered item id, the price of one unit in minor units"
    )

    @model_validator(mode="after")
    def _prices_positive(self) -> BidIn:
        for item, price in self.unit_prices.items():
            if not 0 < price <= MAX_AMOUNT:
                raise ValueError(f"unit_prices: {item} must be above 0 and at most {MAX_AMOUNT}")
        return self


class BidOut(BaseModel):
    id: uuid.UUID
    procurement_id: uuid.UUID
    supplier_name: str
    supplier_scheme: str
    supplier_identifier: str
    supplier_country_code: str
    unit_prices: dict[str, int]
    amount: int
    received_at: datetime


class InterestIn(Strict):
    bid_id: uuid.UUID
    nature: str = Field(min_length=1, max_length=500, description="e.g. former employer, family tie, shares")


class DeclarationIn(Strict):
    interests: list[InterestIn] = Field(
        max_length=50, description="Every bid the evaluator has an interest in (empty: none)"
    )
    no_other_interest: Literal[True] = Field(
        description="The evaluator affirms it has no interest in any other bidder"
    )


class DeclarationOut(BaseModel):
    procurement_id: uuid.UUID
    evaluator_subject: str
    evaluator_country_code: str
    interests: list[dict[str, Any]]
    declared_at: datetime


class ScoreIn(Strict):
    bid_id: uuid.UUID
    score: int = Field(ge=0, le=100)
    rationale: str = Field(min_length=1, max_length=4000)


class ScoreOut(BaseModel):
    bid_id: uuid.UUID
    evaluator_subject: str
    evaluator_country_code: str
    score: int
    rationale: str
    scored_at: datetime


class RankedOut(BaseModel):
    bid_id: uuid.UUID
    supplier_name: str
    amount: int
    mean_score: str | None = Field(
        description="The mean of its scores, to 2 places; hidden while the evaluators are scoring"
    )
    scores: int


class EvaluationOut(BaseModel):
    procurement_id: uuid.UUID
    scores_needed: int
    ranking: list[RankedOut]
    short_of_scores: list[uuid.UUID]
    declared: list[str] = Field(description="The evaluators who declared their interests")
    undeclared: list[str]


class ContractIn(Strict):
    signed_on: date
    ends_on: date

    @model_validator(mode="after")
    def _dates(self) -> ContractIn:
        if self.ends_on <= self.signed_on:
            raise ValueError("ends_on: must be after signed_on")
        return self


class DeliveryLineIn(Strict):
    item_id: str = ItemId
    quantity: int = Field(gt=0, le=1_000_000)


class DeliveryIn(Strict):
    id: uuid.UUID
    delivered_on: date
    lines: list[DeliveryLineIn] = Field(min_length=1, max_length=100)
    note: str | None = Field(default=None, max_length=2000)


class DeliveryOut(BaseModel):
    id: uuid.UUID
    procurement_id: uuid.UUID
    delivered_on: date
    lines: list[dict[str, Any]]
    value: int
    note: str | None
    recorded_at: datetime


class CancellationIn(Strict):
    reason: str = Field(min_length=1, max_length=2000)


class ProcurementOut(BaseModel):
    id: uuid.UUID
    partnership_id: uuid.UUID
    ocid: str
    title: str
    description: str
    category: str
    currency: str
    estimated_amount: int
    items: list[dict[str, Any]]
    stage: ProcurementStage
    method: str | None
    tender_ends_at: datetime | None
    evaluators: list[dict[str, Any]]
    scores_needed: int | None
    awarded_bid_id: uuid.UUID | None
    awarded_amount: int | None
    awarded_at: datetime | None
    contract_signed_on: date | None
    contract_ends_on: date | None
    scale_id: uuid.UUID | None
    shares: list[ContributionShareV1] = Field(
        description="Each member's part by the contribution scale: of the contract value once contracted, of "
        "the amount paid once paid"
    )
    reservation_transfer_id: uuid.UUID | None
    paid_amount: int | None
    payment_transfer_id: uuid.UUID | None
    paid_at: datetime | None
    cancellation_reason: str | None
    created_at: datetime
    updated_at: datetime
