"""Grant events, published by the finance service on `finance.events.v1`: agreements with their conditions, the
conditions met, and the money received."""

from __future__ import annotations

from datetime import date, datetime
from typing import ClassVar, Literal

from pydantic import Field

from contracts.envelope import FinanceEvent

DonorKind = Literal["multilateral", "regional_pool", "government", "foundation", "academic"]


class GrantAgreedV1(FinanceEvent):
    """A donor agreed a grant to the partnership, on conditions; its money arrives receipt by receipt."""

    event_type: ClassVar[str] = "finance.grant_agreed.v1"
    aggregate: ClassVar[str] = "grant"

    grant_id: str
    partnership_id: str
    donor_name: str
    donor_kind: DonorKind
    donor_ref: str | None = Field(default=None, description="The donor's IATI organisation identifier")
    currency: str = Field(pattern="^[A-Z]{3}$")
    amount: int = Field(gt=0)
    conditions: list[str] = Field(
        description="The conditions' texts (their ids and kinds in the finance API)"
    )
    starts_on: date
    ends_on: date
    account_id: str
    agreed_at: datetime


class GrantReceivedV1(FinanceEvent):
    """Money of a grant arrived: posted from the grant's account to the partnership's shared pool."""

    event_type: ClassVar[str] = "finance.grant_received.v1"
    aggregate: ClassVar[str] = "grant"

    grant_id: str
    partnership_id: str
    receipt_id: str
    amount: int = Field(gt=0)
    currency: str = Field(pattern="^[A-Z]{3}$")
    received: int = Field(description="Received so far, this receipt included")
    outstanding: int = Field(ge=0)
    transfer_id: str
    received_on: date


class GrantConditionMetV1(FinanceEvent):
    """The lead recorded a grant condition as met, with its evidence. Once every condition precedent is met, the
    grant's money may be received."""

    event_type: ClassVar[str] = "finance.grant_condition_met.v1"
    aggregate: ClassVar[str] = "grant"

    grant_id: str
    partnership_id: str
    condition_id: str
    text: str
    precedent: bool = Field(description="A condition precedent: no receipt until it is met")
    met_on: date
    evidence: str
    precedents_unmet: int = Field(ge=0, description="Conditions precedent of the grant still unmet")
    recorded_at: datetime
