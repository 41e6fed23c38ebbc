"""API models of the ledger: accounts (with balances) and transfers, amounts in minor units."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field, model_validator

from backbone.schemas import Strict
from rules.currencies import Currency
from services.finance.ledger.rules import Kind

AccountKind = Literal[
    "contributions_receivable",
    "shared_pool",
    "regional_pool",
    "grant",
    "committed",
    "spent_stipends",
    "spent_facility_usage",
    "spent_platforms",
    "spent_procurement",
    "spent_travel",
    "settlement",
]
MAX_AMOUNT = 10**15
"""Minor units (10^13 in a two-decimal currency): far above any budget, far below the bigint limit."""


class AccountIn(Strict):
    id: uuid.UUID = Field(description="Chosen by the client: opening the same account again changes nothing")
    kind: AccountKind
    name: str = Field(min_length=1, max_length=200)
    country_code: str | None = Field(
        default=None, pattern="^[A-Za-z]{2}$", description="The partner it belongs to (receivables, shares)"
    )
    currency: Currency
    debits_must_not_exceed_credits: bool = Field(
        default=False, description="A pool: never pays out more than came in (no overdraft)"
    )
    credits_must_not_exceed_debits: bool = False

    @model_validator(mode="after")
    def _one_limit(self) -> AccountIn:
        if self.debits_must_not_exceed_credits and self.credits_must_not_exceed_debits:
            raise ValueError("an account limits its debits or its credits, not both")
        return self


class AccountOut(BaseModel):
    id: uuid.UUID
    partnership_id: uuid.UUID
    kind: AccountKind
    name: str
    country_code: str | None
    currency: str
    debits_must_not_exceed_credits: bool
    credits_must_not_exceed_debits: bool
    debits_pending: int
    debits_posted: int
    credits_pending: int
    credits_posted: int
    handling_code: str
    created_at: datetime


class TransferIn(Strict):
    id: uuid.UUID = Field(description="Chosen by the client: sending the same transfer again changes nothing")
    kind: Kind = "single"
    debit_account_id: uuid.UUID | None = Field(
        default=None, description="Required unless resolving a pending"
    )
    credit_account_id: uuid.UUID | None = Field(
        default=None, description="Required unless resolving a pending"
    )
    amount: int | None = Field(
        default=None,
        gt=0,
        le=MAX_AMOUNT,
        description="Minor units; required unless resolving a pending (a post without it posts all)",
    )
    pending_id: uuid.UUID | None = Field(
        default=None, description="The pending transfer a post or void resolves"
    )
    timeout_seconds: int | None = Field(
        default=None, ge=1, le=366 * 86400, description="A pending transfer voids itself after this long"
    )
    code: str = Field(min_length=1, max_length=60, pattern="^[a-z][a-z0-9_]*$", examples=["contribution"])
    user_data: str | None = Field(default=None, max_length=200, description="The business record it links to")

    @model_validator(mode="after")
    def _shape(self) -> TransferIn:
        resolving = self.kind in ("post_pending", "void_pending")
        if self.kind == "expire_pending":
            raise ValueError("expiry is the ledger's own: a pending transfer's timeout voids it")
        if resolving and self.pending_id is None:
            raise ValueError("pending_id: a post or void names the pending transfer it resolves")
        if not resolving:
            missing = [
                name
                for name in ("debit_account_id", "credit_account_id", "amount")
                if getattr(self, name) is None
            ]
            if missing:
                raise ValueError(f"{', '.join(missing)}: required for a {self.kind} transfer")
            if self.pending_id is not None:
                raise ValueError("pending_id: only a post or void names a pending transfer")
        if self.timeout_seconds is not None and self.kind != "pending":
            raise ValueError("timeout_seconds: only a pending transfer times out")
        if self.kind == "void_pending" and self.amount is not None:
            raise ValueError("amount: a void releases the whole reservation")
        return self


class TransferOut(BaseModel):
    id: uuid.UUID
    partnership_id: uuid.UUID
    kind: Kind
    debit_account_id: uuid.UUID
    credit_account_id: uuid.UUID
    amount: int
    currency: str
    pending_id: uuid.UUID | None
    expires_at: datetime | None
    code: str
    user_data: str | None
    created_at: datetime


MAX_BATCH = 1000


class TransferBatchIn(Strict):
    transfers: list[TransferIn] = Field(
        min_length=1,
        max_length=MAX_BATCH,
        description="Recorded in this order, all or none; a refusal names the transfer (`transfers.3.amount`)",
    )


class TransferResult(TransferOut):
    outcome: Literal["created", "existing"] = Field(
        description="`existing`: recorded before under this id (a retry), answered with the original"
    )


class TransferBatchOut(BaseModel):
    transfers: list[TransferResult]
