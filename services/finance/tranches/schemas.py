"""API models of results-gated funding tranches and their deadline extensions."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Literal

from pydantic import AwareDatetime, BaseModel, Field

from backbone.schemas import Strict
from contracts.events.finance import TrancheComparison
from services.finance.ledger.schemas import MAX_AMOUNT

INDICATOR_PATTERN = "^[a-z][a-z0-9_.:-]*$"


class TrancheIn(Strict):
    id: uuid.UUID = Field(description="Chosen by the client: planning the same tranche again changes nothing")
    from_account_id: uuid.UUID = Field(description="Where the money comes from (a grant, a pool)")
    to_account_id: uuid.UUID = Field(
        description="Where it goes when released (committed funds, a spending line)"
    )
    amount: int = Field(gt=0, le=MAX_AMOUNT, description="Minor units of the accounts' currency")
    indicator: str = Field(min_length=1, max_length=100, pattern=INDICATOR_PATTERN)
    target: Decimal = Field(max_digits=24, decimal_places=8, allow_inf_nan=False)
    comparison: TrancheComparison = Field(
        default="at_least", description="at_least: a value to reach; at_most: a value to bring down to"
    )
    deadline: AwareDatetime
    description: str | None = Field(default=None, max_length=4000)


class TrancheOut(BaseModel):
    id: uuid.UUID
    partnership_id: uuid.UUID
    from_account_id: uuid.UUID
    to_account_id: uuid.UUID
    amount: int
    currency: str
    indicator: str
    target: Decimal
    comparison: str
    deadline: datetime
    description: str | None
    status: Literal["planned", "reserved", "released", "voided"]
    pending_transfer_id: uuid.UUID | None
    resolution_transfer_id: uuid.UUID | None
    measurement_id: str | None
    measured_value: Decimal | None
    handling_code: str
    planned_at: datetime
    settled_at: datetime | None


class ExtensionIn(Strict):
    deadline: AwareDatetime = Field(description="The later deadline asked for")
    reason: str = Field(min_length=3, max_length=4000)
    decide_by: AwareDatetime = Field(
        description="The oversight body votes until then; the tranche waits for it"
    )


class ExtensionOut(BaseModel):
    id: uuid.UUID
    tranche_id: uuid.UUID
    requested_deadline: datetime
    reason: str
    decide_by: datetime
    status: Literal["requested", "granted", "refused"]
    decision_id: uuid.UUID | None
    requested_at: datetime
    decided_at: datetime | None


class MeasurementIn(Strict):
    """The measurement that met the target (sent by the tranche's workflow)."""

    measurement_id: str = Field(min_length=1, max_length=100)
    indicator: str = Field(min_length=1, max_length=100)
    value: Decimal = Field(max_digits=24, decimal_places=8, allow_inf_nan=False)
    measured_at: AwareDatetime
