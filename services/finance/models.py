"""Tables of the finance service: the partnerships read model, facility usage, and the ledger (accounts with
their balances, immutable transfers)."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

from sqlalchemy import BigInteger, Boolean, DateTime, Identity, Integer, Numeric, String
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from backbone.db import Base
from services.kernel.partnership_members import PartnershipMembers


class FinanceBase(Base):
    __abstract__ = True


class FacilityUsage(FinanceBase):
    """How a shared facility was used (from training's events): what finance charges to the shared budget.
    One row per booking, however often its event is delivered."""

    __tablename__ = "facility_usage"

    booking_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    facility_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), index=True)
    owner_country_code: Mapped[str] = mapped_column(String(2))
    booked_by_country_code: Mapped[str] = mapped_column(String(2))
    kind: Mapped[str] = mapped_column(String(20))
    hours: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    attendees: Mapped[int] = mapped_column(Integer)
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    event_id: Mapped[str] = mapped_column(String(200))
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class KnownPartnership(PartnershipMembers, FinanceBase):
    """Read model of the partners service's partnerships: whose ledger is whose (members read, the lead keeps it)."""

    __tablename__ = "finance_partnerships"  # table names are unique across services (one metadata)


class LedgerAccount(FinanceBase):
    """One account of a partnership's ledger, in one currency. Its balances are the sums of its transfers, kept
    here in the transfer's own transaction (TigerBeetle's account: pending and posted debits and credits)."""

    __tablename__ = "ledger_accounts"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    partnership_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(200))
    country_code: Mapped[str | None] = mapped_column(String(2))
    currency: Mapped[str] = mapped_column(String(3))
    debits_must_not_exceed_credits: Mapped[bool] = mapped_column(Boolean)
    credits_must_not_exceed_debits: Mapped[bool] = mapped_column(Boolean)
    debits_pending: Mapped[int] = mapped_column(BigInteger, default=0)
    debits_posted: Mapped[int] = mapped_column(BigInteger, default=0)
    credits_pending: Mapped[int] = mapped_column(BigInteger, default=0)
    credits_posted: Mapped[int] = mapped_column(BigInteger, default=0)
    handling_code: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class LedgerTransfer(FinanceBase):
    """An immutable movement of `amount` minor units from the debit to the credit account (both of one partnership
    and one currency). `single` posts at once; `pending` reserves until a `post_pending` (all or part) or a
    `void_pending` names it, or its timeout voids it (`expire_pending`, written by the platform)."""

    __tablename__ = "ledger_transfers"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    partnership_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), index=True)
    debit_account_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), index=True)
    credit_account_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), index=True)
    amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    kind: Mapped[str] = mapped_column(String(20))
    pending_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    code: Mapped[str] = mapped_column(String(60))
    user_data: Mapped[str | None] = mapped_column(String(200))
    handling_code: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    sequence: Mapped[int] = mapped_column(BigInteger, Identity(always=True), unique=True)
    """The order transfers were recorded in (the database's own numbering)."""
