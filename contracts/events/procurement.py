"""Joint procurement events, published by the finance service on `finance.events.v1`."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar, Literal

from pydantic import Field

from contracts.envelope import FinanceEvent
from contracts.events.finance import ContributionShareV1

ProcurementStage = Literal[
    "planning",
    "tender",
    "evaluation",
    "unsuccessful",
    "awarded",
    "contracted",
    "delivering",
    "delivered",
    "paid",
    "cancelled",
]


class ProcurementStageChangedV1(FinanceEvent):
    """A joint procurement of training materials moved to its next stage (need → tender → bids opened for
    evaluation → award → contract → deliveries → payment, as in the Open Contracting Data Standard; or cancelled,
    or unsuccessful when no bid came). The OCDS release published for the change is in the finance API
    (`GET /procurements/{id}/ocds`, release `release_id`)."""

    event_type: ClassVar[str] = "finance.procurement_stage_changed.v1"
    aggregate: ClassVar[str] = "procurement"

    procurement_id: str
    partnership_id: str
    ocid: str = Field(description="The Open Contracting ID of the process")
    release_id: str = Field(description="The OCDS release published for this change")
    stage: ProcurementStage
    previous_stage: ProcurementStage | None = Field(description="None when the need was first recorded")
    title: str
    currency: str = Field(pattern="^[A-Z]{3}$")
    amount: int | None = Field(
        ge=0,
        description="Minor units: the estimate while planned or tendered, the awarded or contracted value, the "
        "amount paid once paid; None when cancelled or unsuccessful",
    )
    supplier_name: str | None = Field(description="From the award on: who won the contract")
    bids: int | None = Field(ge=0, description="From the bids' opening on: how many bids were received")
    shares: list[ContributionShareV1] = Field(
        description="From the contract on: each member's part of the amount by the contribution scale in force "
        "(the committed value at the contract, the amount paid at payment)"
    )
    transfer_id: str | None = Field(
        description="The ledger transfer of the change: the reservation at the contract, the posting at payment"
    )
    changed_at: datetime
