"""Events published by the finance service on `finance.events.v1`."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar, Literal

from pydantic import Field

from contracts.envelope import FinanceEvent

TransferKind = Literal["single", "pending", "post_pending", "void_pending", "expire_pending"]


class TransferRecordedV1(FinanceEvent):
    """A transfer entered a partnership's ledger: posted at once (`single`), reserved (`pending`), or the
    resolution of a reservation (posted in full or in part, voided, or expired at its timeout). Amounts are
    integers in the currency's minor units; the ledger balances (every debit has its credit)."""

    event_type: ClassVar[str] = "finance.transfer_recorded.v1"
    aggregate: ClassVar[str] = "transfer"

    transfer_id: str = Field(description="The client-chosen id (UUID): recording it again changes nothing")
    partnership_id: str
    kind: TransferKind
    debit_account_id: str
    credit_account_id: str
    amount: int = Field(gt=0, description="Minor units of `currency` (cents for EUR), never a float")
    currency: str = Field(pattern="^[A-Z]{3}$", description="ISO 4217")
    pending_id: str | None = Field(description="For a resolution: the pending transfer it resolves")
    code: str = Field(description="Why: the business reason (e.g. contribution, stipend, correction)")
    user_data: str | None = Field(description="The business record it links to (e.g. a payment's id)")
    recorded_at: datetime
