"""API models of grant agreements and their receipts."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from pydantic import BaseModel, Field, model_validator

from backbone.schemas import Strict
from contracts.events.grants import DonorKind
from rules.currencies import Currency
from services.finance.ledger.schemas import MAX_AMOUNT


class ConditionIn(Strict):
    id: str = Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9._-]+$")
    text: str = Field(min_length=1, max_length=1000)
    precedent: bool = Field(
        default=False,
        description="A condition precedent: no money is received under the grant until it is met",
    )
    due_on: date | None = Field(default=None, description="When the donor expects it met (reporting, say)")


class GrantIn(Strict):
    id: uuid.UUID = Field(
        description="Chosen by the client: recording the same agreement again changes nothing"
    )
    donor_name: str = Field(min_length=2, max_length=200)
    donor_kind: DonorKind
    donor_ref: str | None = Field(
        default=None,
        max_length=100,
        pattern="^[A-Za-z0-9][A-Za-z0-9_.:-]*$",
        description="IATI organisation id",
    )
    reference: str | None = Field(default=None, max_length=200, description="The agreement's own reference")
    currency: Currency
    amount: int = Field(gt=0, le=MAX_AMOUNT, description="Minor units agreed")
    conditions: list[ConditionIn | str] = Field(
        default_factory=list,
        max_length=50,
        description="Each with its id, text, whether it is a condition precedent, and a due date; a bare text is "
        "condition c<n> (its place from 1), not precedent",
    )
    starts_on: date
    ends_on: date

    @model_validator(mode="after")
    def _period(self) -> GrantIn:
        if self.ends_on < self.starts_on:
            raise ValueError("ends_on: the agreement ends after it starts")
        texts = [c for c in self.conditions if isinstance(c, str)]
        if any(not c.strip() or len(c) > 1000 for c in texts):
            raise ValueError("conditions: each a text of 1 to 1,000 characters")
        ids = [c.id for c in self.stated_conditions()]
        if len(set(ids)) != len(ids):
            raise ValueError("conditions: each condition id once")
        return self

    def stated_conditions(self) -> list[ConditionIn]:
        return [
            ConditionIn(id=f"c{n}", text=c) if isinstance(c, str) else c
            for n, c in enumerate(self.conditions, start=1)
        ]


class ConditionOut(BaseModel):
    id: str
    text: str
    precedent: bool
    due_on: date | None
    met_on: date | None
    evidence: str | None


class FulfilmentIn(Strict):
    met_on: date
    evidence: str = Field(
        min_length=1, max_length=4000, description="What shows it met: a report, a decision"
    )


class GrantOut(BaseModel):
    id: uuid.UUID
    partnership_id: uuid.UUID
    donor_name: str
    donor_kind: str
    donor_ref: str | None
    reference: str | None
    currency: str
    amount: int
    received: int
    outstanding: int
    conditions: list[ConditionOut]
    precedents_unmet: int = Field(
        description="Conditions precedent not met yet: no receipt until none is left"
    )
    starts_on: date
    ends_on: date
    account_id: uuid.UUID = Field(description="The grant's ledger account: tranches may be planned from it")
    agreed_at: datetime


class ReceiptIn(Strict):
    id: uuid.UUID = Field(description="Chosen by the client: the same receipt again changes nothing")
    amount: int = Field(gt=0, le=MAX_AMOUNT)
    received_on: date
    reference: str | None = Field(default=None, max_length=200)


class ReceiptOut(BaseModel):
    id: uuid.UUID
    grant_id: uuid.UUID
    amount: int
    received_on: date
    reference: str | None
    transfer_id: uuid.UUID
    recorded_at: datetime
