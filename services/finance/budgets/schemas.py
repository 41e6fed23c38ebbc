"""API models of budgets: a partnership's budget per fiscal period, its versions (proposals and revisions put to
the oversight body) and where it stands (budget vs committed vs actual, from the ledger)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, Field, model_validator

from backbone.schemas import Strict
from contracts.events.finance import BudgetCategory
from rules.currencies import Currency
from services.finance.ledger.schemas import MAX_AMOUNT

PlanDate = Annotated[date, Field(ge=date(2000, 1, 1), le=date(2100, 12, 31))]
VersionStatus = Literal["proposed", "adopted", "rejected", "superseded"]


class BudgetLineIn(Strict):
    category: BudgetCategory
    owner_country_code: str = Field(pattern="^[A-Za-z]{2}$", description="The member answerable for the line")
    amount: int = Field(gt=0, le=MAX_AMOUNT, description="Minor units of the budget's currency")


def _distinct(lines: list[BudgetLineIn]) -> list[BudgetLineIn]:
    keys = [(line.category, line.owner_country_code.upper()) for line in lines]
    if len(keys) != len(set(keys)):
        raise ValueError("one line per category and owner")
    if sum(line.amount for line in lines) > MAX_AMOUNT:
        raise ValueError(f"the lines add up to more than {MAX_AMOUNT}")
    return lines


class BudgetIn(Strict):
    id: uuid.UUID = Field(description="Chosen by the client: proposing the same budget again changes nothing")
    fiscal_period: str = Field(min_length=1, max_length=40, pattern="^[A-Za-z0-9][A-Za-z0-9 ._/-]*$")
    starts_on: PlanDate
    ends_on: PlanDate
    currency: Currency
    lines: list[BudgetLineIn] = Field(min_length=1, max_length=100)
    decide_by: AwareDatetime = Field(description="The oversight body votes until then")

    @model_validator(mode="after")
    def _shape(self) -> BudgetIn:
        if self.ends_on < self.starts_on:
            raise ValueError("ends_on: the period ends on or after it starts")
        _distinct(self.lines)
        return self


class RevisionIn(Strict):
    lines: list[BudgetLineIn] = Field(min_length=1, max_length=100)
    reason: str = Field(min_length=3, max_length=4000, description="Why the budget changes")
    decide_by: AwareDatetime

    @model_validator(mode="after")
    def _shape(self) -> RevisionIn:
        _distinct(self.lines)
        return self


class BudgetLineOut(BaseModel):
    category: BudgetCategory
    owner_country_code: str
    amount: int


class VersionOut(BaseModel):
    id: uuid.UUID
    number: int
    status: VersionStatus
    total: int
    lines: list[BudgetLineOut]
    reason: str | None
    decide_by: datetime
    proposed_at: datetime
    decision_id: uuid.UUID | None
    outcome: str | None
    decided_at: datetime | None


class BudgetOut(BaseModel):
    id: uuid.UUID
    partnership_id: uuid.UUID
    fiscal_period: str
    starts_on: date
    ends_on: date
    currency: str
    adopted_version: int | None
    handling_code: str
    created_at: datetime
    versions: list[VersionOut]


class CategoryStatus(BaseModel):
    category: BudgetCategory
    budget: int = Field(description="What the adopted version allows (minor units)")
    committed: int = Field(description="Reserved by pending transfers to the category's spending accounts")
    actual: int = Field(description="Posted to the category's spending accounts within the period")
    available: int = Field(description="budget - committed - actual (negative: overspent)")
    transfers: str = Field(description="The transfers that make up committed and actual (drill-down, paged)")


class BudgetStatusOut(BaseModel):
    budget_id: uuid.UUID
    currency: str
    adopted_version: int | None
    categories: list[CategoryStatus]
    as_of: datetime
