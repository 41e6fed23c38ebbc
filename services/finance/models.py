"""Tables of the finance service: the partnerships read model, facility usage, and the ledger (accounts with
their balances, immutable transfers)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Identity,
    Integer,
    Numeric,
    String,
    Text,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID
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


class Budget(FinanceBase):
    """A partnership's budget for one fiscal period, in the partnership's reporting currency. Its lines live in
    versions: the lead proposes, the oversight body adopts (a partners `budget` decision), revisions likewise."""

    __tablename__ = "budgets"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    partnership_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), index=True)
    fiscal_period: Mapped[str] = mapped_column(String(40))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    currency: Mapped[str] = mapped_column(String(3))
    adopted_version: Mapped[int | None] = mapped_column(Integer)
    handling_code: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class BudgetVersion(FinanceBase):
    """One proposal of a budget's lines: `proposed` until its decision closes, then `adopted` or `rejected`;
    an adopted version is `superseded` when a revision is adopted."""

    __tablename__ = "budget_versions"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    budget_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), ForeignKey("budgets.id"), index=True)
    partnership_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    number: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20))
    total: Mapped[int] = mapped_column(BigInteger)
    lines: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    """[{category, owner_country_code, amount}], amounts in minor units."""
    reason: Mapped[str | None] = mapped_column(Text)
    decide_by: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    proposed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    decision_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    outcome: Mapped[str | None] = mapped_column(String(20))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ContributionBasis(FinanceBase):
    """What a partnership's contribution scale is computed from: each partner's capacity indicator (an agreed
    index or GNI share), the floor, the ceiling and the minimum amount, set by the lead."""

    __tablename__ = "contribution_bases"

    partnership_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    indicator: Mapped[str] = mapped_column(String(200))
    source: Mapped[str] = mapped_column(String(300))
    indicators: Mapped[dict[str, str]] = mapped_column(JSONB)
    """Country code → indicator value (a decimal, as text: exact)."""
    floor: Mapped[Decimal] = mapped_column(Numeric(9, 8))
    ceiling: Mapped[Decimal] = mapped_column(Numeric(9, 8))
    minimum_amount: Mapped[int] = mapped_column(BigInteger)
    installments: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ContributionScale(FinanceBase):
    """One computation of an adopted budget's contributions (inputs, each step, the amounts). Recomputed when
    the budget is revised, the membership changes or a commitment's renewal concludes; the newest is current."""

    __tablename__ = "contribution_scales"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    budget_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), ForeignKey("budgets.id"), index=True)
    partnership_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    budget_version: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(200))
    inputs: Mapped[dict[str, Any]] = mapped_column(JSONB)
    steps: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    amounts: Mapped[dict[str, int]] = mapped_column(JSONB)
    computed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    sequence: Mapped[int] = mapped_column(BigInteger, Identity(always=True), unique=True)


class ContributionDue(FinanceBase):
    """An instalment a partner owes: `assessed` (its share of an adopted budget, from a scale) or `pledge` (a money
    commitment it made). `open` until paid in full; `superseded` when the scale changed (what it had been paid
    stays as a paid instalment), `cancelled` when the commitment behind it ended."""

    __tablename__ = "contribution_dues"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    partnership_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), index=True)
    country_code: Mapped[str] = mapped_column(String(2))
    kind: Mapped[str] = mapped_column(String(20))
    budget_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True), ForeignKey("budgets.id"))
    scale_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    commitment_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    number: Mapped[int] = mapped_column(Integer)
    due_on: Mapped[date] = mapped_column(Date)
    currency: Mapped[str] = mapped_column(String(3))
    amount: Mapped[int] = mapped_column(BigInteger)
    paid: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(20))
    closed_reason: Mapped[str | None] = mapped_column(String(200))
    reminded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    overdue_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    handling_code: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ContributionPayment(FinanceBase):
    """Money a partner paid against one instalment, posted to the ledger as one transfer (receivable → pool).
    Paid in another currency, it is credited at the partnership's recorded rate of the payment's date."""

    __tablename__ = "contribution_payments"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    due_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("contribution_dues.id"), index=True
    )
    partnership_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    country_code: Mapped[str] = mapped_column(String(2))
    paid_amount: Mapped[int] = mapped_column(BigInteger)
    paid_currency: Mapped[str] = mapped_column(String(3))
    credited: Mapped[int] = mapped_column(BigInteger)
    """In the instalment's currency (minor units)."""
    rate: Mapped[Decimal | None] = mapped_column(Numeric(24, 12))
    rate_as_of: Mapped[date | None] = mapped_column(Date)
    rate_source: Mapped[str | None] = mapped_column(String(300))
    paid_on: Mapped[date] = mapped_column(Date)
    reference: Mapped[str | None] = mapped_column(String(200))
    transfer_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    handling_code: Mapped[str] = mapped_column(String(80))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ExchangeRate(FinanceBase):
    """A partnership's agreed rate on a day: one unit of `currency` is worth `rate` units of `to_currency`."""

    __tablename__ = "exchange_rates"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    partnership_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    currency: Mapped[str] = mapped_column(String(3))
    to_currency: Mapped[str] = mapped_column(String(3))
    as_of: Mapped[date] = mapped_column(Date)
    rate: Mapped[Decimal] = mapped_column(Numeric(24, 12))
    source: Mapped[str] = mapped_column(String(300))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class FundingTranche(FinanceBase):
    """A results-gated part of a grant or budget line: reserved as a pending transfer (from `from_account_id` to
    `to_account_id`), released when a measurement of `indicator` meets `target` before `deadline`, else voided.
    Its FundingTrancheWorkflow (one per tranche) decides; this row is what finance did on its word."""

    __tablename__ = "funding_tranches"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    partnership_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), index=True)
    from_account_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), ForeignKey("ledger_accounts.id"))
    to_account_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), ForeignKey("ledger_accounts.id"))
    amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    indicator: Mapped[str] = mapped_column(String(100))
    target: Mapped[Decimal] = mapped_column(Numeric(24, 8))
    comparison: Mapped[str] = mapped_column(String(10))
    deadline: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    description: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20))
    pending_transfer_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    resolution_transfer_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    measurement_id: Mapped[str | None] = mapped_column(String(100))
    measured_value: Mapped[Decimal | None] = mapped_column(Numeric(24, 8))
    handling_code: Mapped[str] = mapped_column(String(80))
    planned_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    settled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class TrancheExtension(FinanceBase):
    """A later deadline the lead asked the oversight body for (a partners `budget` decision about it)."""

    __tablename__ = "tranche_extensions"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    tranche_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("funding_tranches.id"), index=True
    )
    partnership_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    requested_deadline: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    reason: Mapped[str] = mapped_column(Text)
    decide_by: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    status: Mapped[str] = mapped_column(String(20))
    decision_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    requested_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class RateCard(FinanceBase):
    """What the partnership pays for what training uses: per facility kind (and host, or any host) an hourly
    rate, per instructor role a daily stipend, per venue country (or any) a trainee's trip and per diem. A new
    version applies to what happens from then on."""

    __tablename__ = "rate_cards"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    partnership_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    version: Mapped[int] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(3))
    facility_rates: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    stipend_rates: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    allowance_rates: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, default=list)
    handling_code: Mapped[str] = mapped_column(String(80))
    valid_from: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class FacilityCharge(FinanceBase):
    """A booking's use by a partnership's cohort, priced (or waiting for a rate), then settled to the host."""

    __tablename__ = "facility_charges"

    booking_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    partnership_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), index=True)
    cohort_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    facility_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    kind: Mapped[str] = mapped_column(String(20))
    host_country_code: Mapped[str] = mapped_column(String(2))
    user_country_code: Mapped[str] = mapped_column(String(2))
    hours: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    used_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    rate_card_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True), ForeignKey("rate_cards.id"))
    per_hour: Mapped[int | None] = mapped_column(BigInteger)
    currency: Mapped[str | None] = mapped_column(String(3))
    amount: Mapped[int | None] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(10))
    settlement_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    transfer_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    event_id: Mapped[str] = mapped_column(String(200))
    handling_code: Mapped[str] = mapped_column(String(80))
    accrued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    settled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Stipend(FinanceBase):
    """An instructor's stipend for a delivered assignment: payable from the shared pool, then paid by the lead."""

    __tablename__ = "stipends"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    partnership_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), index=True)
    cohort_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    assignment_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), unique=True)
    instructor_country_code: Mapped[str] = mapped_column(String(2))
    role: Mapped[str] = mapped_column(String(4))
    days: Mapped[int] = mapped_column(Integer)
    rate_card_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True), ForeignKey("rate_cards.id"))
    per_day: Mapped[int | None] = mapped_column(BigInteger)
    currency: Mapped[str | None] = mapped_column(String(3))
    amount: Mapped[int | None] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(10))
    transfer_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    handling_code: Mapped[str] = mapped_column(String(80))
    delivered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    paid_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Allowance(FinanceBase):
    """A trainee's travel and subsistence for a cohort attended abroad: payable from the shared pool, then paid
    by the lead to the trainee's country (which pays its officer)."""

    __tablename__ = "allowances"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    partnership_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), index=True)
    cohort_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    nomination_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), unique=True)
    trainee_country_code: Mapped[str] = mapped_column(String(2))
    venue_country_code: Mapped[str] = mapped_column(String(2))
    days: Mapped[int] = mapped_column(Integer)
    rate_card_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True), ForeignKey("rate_cards.id"))
    travel: Mapped[int | None] = mapped_column(BigInteger)
    subsistence: Mapped[int | None] = mapped_column(BigInteger)
    currency: Mapped[str | None] = mapped_column(String(3))
    amount: Mapped[int | None] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(10))
    transfer_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    handling_code: Mapped[str] = mapped_column(String(80))
    attended_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    paid_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Platform(FinanceBase):
    """A digital learning platform the partnership subscribes to: a cost per period, charged from the shared pool
    and split between the members by the contribution scale."""

    __tablename__ = "platforms"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    partnership_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), index=True)
    name: Mapped[str] = mapped_column(String(200))
    vendor: Mapped[str] = mapped_column(String(200))
    currency: Mapped[str] = mapped_column(String(3))
    amount_per_period: Mapped[int] = mapped_column(BigInteger)
    period_months: Mapped[int] = mapped_column(Integer)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    handling_code: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class PlatformCharge(FinanceBase):
    """One period of a platform, paid: the transfer and each member's part by the scale it followed."""

    __tablename__ = "platform_charges"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    platform_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("platforms.id"), index=True)
    partnership_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    scale_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    shares: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    transfer_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    handling_code: Mapped[str] = mapped_column(String(80))
    charged_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class GrantAgreement(FinanceBase):
    """Money a donor agreed to give the partnership, on conditions; received into the grant's own account, then
    moved to the shared pool receipt by receipt (or reserved by results-gated tranches from that account)."""

    __tablename__ = "grant_agreements"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    partnership_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), index=True)
    donor_name: Mapped[str] = mapped_column(String(200))
    donor_kind: Mapped[str] = mapped_column(String(20))
    donor_ref: Mapped[str | None] = mapped_column(String(100))
    reference: Mapped[str | None] = mapped_column(String(200))
    currency: Mapped[str] = mapped_column(String(3))
    amount: Mapped[int] = mapped_column(BigInteger)
    received: Mapped[int] = mapped_column(BigInteger)
    conditions: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    """Each {id, text, precedent, due_on, met_on, evidence}."""
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    account_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), ForeignKey("ledger_accounts.id"))
    handling_code: Mapped[str] = mapped_column(String(80))
    agreed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class GrantReceipt(FinanceBase):
    __tablename__ = "grant_receipts"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    grant_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("grant_agreements.id"), index=True
    )
    partnership_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    amount: Mapped[int] = mapped_column(BigInteger)
    received_on: Mapped[date] = mapped_column(Date)
    reference: Mapped[str | None] = mapped_column(String(200))
    transfer_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    handling_code: Mapped[str] = mapped_column(String(80))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
