"""Events published by the finance service on `finance.events.v1`."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import ClassVar, Literal

from pydantic import BaseModel, Field

from contracts.envelope import CountryCode, FinanceEvent

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


BudgetCategory = Literal["stipends", "facility_usage", "platforms", "procurement", "travel"]


class BudgetLineV1(BaseModel):
    category: BudgetCategory
    owner_country_code: CountryCode = Field(description="The partner answerable for the line")
    amount: int = Field(gt=0, description="Minor units of the budget's currency")


class BudgetProposedV1(FinanceEvent):
    """The lead put a budget (or a revision of it) to the oversight body.

    The partners service opens a `budget` decision with `subject` as its subject; the decision's
    `partners.decision_closed.v1` (carrying the same subject) adopts or rejects this version.
    """

    event_type: ClassVar[str] = "finance.budget_proposed.v1"
    aggregate: ClassVar[str] = "budget"

    budget_id: str
    version_id: str
    version: int = Field(ge=1)
    partnership_id: str
    fiscal_period: str
    starts_on: date
    ends_on: date
    currency: str = Field(pattern="^[A-Z]{3}$", description="ISO 4217")
    total: int = Field(gt=0)
    lines: list[BudgetLineV1]
    subject: str = Field(description="`finance:budget-version:<version_id>`")
    reason: str | None = Field(default=None, description="Why it changes (every revision has one)")
    decide_by: datetime
    proposed_at: datetime


class BudgetAdoptedV1(FinanceEvent):
    """The oversight body adopted a budget's first version: its lines are what the partnership may spend."""

    event_type: ClassVar[str] = "finance.budget_adopted.v1"
    aggregate: ClassVar[str] = "budget"

    budget_id: str
    version_id: str
    version: int = Field(ge=1)
    partnership_id: str
    fiscal_period: str
    currency: str = Field(pattern="^[A-Z]{3}$")
    total: int = Field(gt=0)
    lines: list[BudgetLineV1]
    decision_id: str
    adopted_at: datetime


class BudgetRevisedV1(BudgetAdoptedV1):
    """The oversight body adopted a revision: it replaces the version adopted before it."""

    event_type: ClassVar[str] = "finance.budget_revised.v1"

    previous_version: int = Field(ge=1)
    reason: str


class BudgetRejectedV1(FinanceEvent):
    """The oversight body did not adopt a proposed version (rejected, vetoed, or no quorum by its due time)."""

    event_type: ClassVar[str] = "finance.budget_rejected.v1"
    aggregate: ClassVar[str] = "budget"

    budget_id: str
    version_id: str
    version: int = Field(ge=1)
    partnership_id: str
    outcome: Literal["rejected", "vetoed", "expired"]
    decision_id: str
    decided_at: datetime


class ContributionShareV1(BaseModel):
    country_code: CountryCode
    share: str = Field(description="The share of the budget, a decimal shown to 8 places")
    amount: int = Field(ge=0, description="Minor units of the budget's currency")


class ContributionScaleComputedV1(FinanceEvent):
    """A budget's contributions were (re)computed from the partnership's contribution basis. The shares add up
    to one and the amounts to the budget's total; the computation's steps are in the finance API."""

    event_type: ClassVar[str] = "finance.contribution_scale_computed.v1"
    aggregate: ClassVar[str] = "budget"

    scale_id: str
    budget_id: str
    budget_version: int = Field(ge=1)
    partnership_id: str
    currency: str = Field(pattern="^[A-Z]{3}$")
    total: int = Field(gt=0)
    reason: str = Field(description="What caused it: budget_adopted, basis_changed, membership_changed, ...")
    shares: list[ContributionShareV1]
    computed_at: datetime


DueKind = Literal["assessed", "pledge"]


class InstalmentV1(BaseModel):
    due_id: str
    number: int = Field(ge=1)
    due_on: date
    amount: int = Field(gt=0, description="Minor units of `currency`")


class ContributionScheduledV1(FinanceEvent):
    """A partner's instalments were (re)scheduled: its share of a budget was assessed or reassessed, a money
    commitment was pledged, or the commitment behind a pledge ended. Open instalments it replaces are listed."""

    event_type: ClassVar[str] = "finance.contribution_scheduled.v1"
    aggregate: ClassVar[str] = "partnership"

    partnership_id: str
    country_code: CountryCode
    kind: DueKind
    budget_id: str | None = Field(default=None, description="For an assessed share")
    commitment_id: str | None = Field(default=None, description="For a pledge")
    currency: str = Field(pattern="^[A-Z]{3}$")
    reason: str = Field(
        description="budget_adopted, basis_changed, membership_changed, pledged, commitment_lapsed…"
    )
    instalments: list[InstalmentV1] = Field(description="The new open instalments (none when all is paid)")
    replaced_due_ids: list[str] = Field(default_factory=list, description="Open instalments no longer owed")
    scheduled_at: datetime


class ContributionDueV1(FinanceEvent):
    """A reminder: an instalment falls due soon and is not paid in full."""

    event_type: ClassVar[str] = "finance.contribution_due.v1"
    aggregate: ClassVar[str] = "partnership"

    due_id: str
    partnership_id: str
    country_code: CountryCode
    kind: DueKind
    due_on: date
    currency: str = Field(pattern="^[A-Z]{3}$")
    amount: int = Field(gt=0)
    outstanding: int = Field(gt=0)
    reminded_at: datetime


class ContributionPaidV1(FinanceEvent):
    """A payment was recorded against an instalment and posted to the ledger (receivable → pool)."""

    event_type: ClassVar[str] = "finance.contribution_paid.v1"
    aggregate: ClassVar[str] = "partnership"

    payment_id: str
    due_id: str
    partnership_id: str
    country_code: CountryCode
    currency: str = Field(pattern="^[A-Z]{3}$", description="The instalment's currency")
    credited: int = Field(gt=0, description="Minor units of `currency` credited to the instalment")
    paid_amount: int = Field(gt=0, description="What was paid, in `paid_currency`")
    paid_currency: str = Field(pattern="^[A-Z]{3}$")
    rate: str | None = Field(
        default=None, description="The partnership's rate used, when the currencies differ"
    )
    outstanding: int = Field(ge=0, description="What the instalment still owes")
    transfer_id: str
    paid_on: date
    recorded_at: datetime


class ContributionOverdueV1(FinanceEvent):
    """An instalment passed its due date without being paid in full: the partner is in arrears."""

    event_type: ClassVar[str] = "finance.contribution_overdue.v1"
    aggregate: ClassVar[str] = "partnership"

    due_id: str
    partnership_id: str
    country_code: CountryCode
    kind: DueKind
    due_on: date
    currency: str = Field(pattern="^[A-Z]{3}$")
    outstanding: int = Field(gt=0)
    overdue_at: datetime


TrancheComparison = Literal["at_least", "at_most"]


class TranchePlannedV1(FinanceEvent):
    """The lead split a grant or budget line into a results-gated tranche: its amount is reserved next (a pending
    transfer) and released when a measurement of `indicator` meets the target before the deadline."""

    event_type: ClassVar[str] = "finance.tranche_planned.v1"
    aggregate: ClassVar[str] = "tranche"

    tranche_id: str
    partnership_id: str
    from_account_id: str
    to_account_id: str
    amount: int = Field(gt=0, description="Minor units of `currency`")
    currency: str = Field(pattern="^[A-Z]{3}$")
    indicator: str
    target: Decimal
    comparison: TrancheComparison
    deadline: datetime
    planned_at: datetime


class TrancheReservedV1(FinanceEvent):
    """The tranche's amount is reserved (a pending transfer) until its release or void."""

    event_type: ClassVar[str] = "finance.tranche_reserved.v1"
    aggregate: ClassVar[str] = "tranche"

    tranche_id: str
    partnership_id: str
    pending_transfer_id: str
    amount: int = Field(gt=0)
    currency: str = Field(pattern="^[A-Z]{3}$")
    deadline: datetime
    reserved_at: datetime


class TrancheReleasedV1(FinanceEvent):
    """A measurement met the target: the reservation was posted."""

    event_type: ClassVar[str] = "finance.tranche_released.v1"
    aggregate: ClassVar[str] = "tranche"

    tranche_id: str
    partnership_id: str
    transfer_id: str
    amount: int = Field(gt=0)
    currency: str = Field(pattern="^[A-Z]{3}$")
    measurement_id: str
    indicator: str
    value: Decimal
    released_at: datetime


class TrancheVoidedV1(FinanceEvent):
    """The deadline passed without a measurement meeting the target (and without an extension granted): the
    reservation was released back to where it came from."""

    event_type: ClassVar[str] = "finance.tranche_voided.v1"
    aggregate: ClassVar[str] = "tranche"

    tranche_id: str
    partnership_id: str
    transfer_id: str
    amount: int = Field(gt=0)
    currency: str = Field(pattern="^[A-Z]{3}$")
    deadline: datetime
    voided_at: datetime


class TrancheExtensionRequestedV1(FinanceEvent):
    """The lead asked the oversight body for a later deadline.

    The partners service opens a `budget` decision with `subject` as its subject; its
    `partners.decision_closed.v1` (same subject) grants or refuses the extension.
    """

    event_type: ClassVar[str] = "finance.tranche_extension_requested.v1"
    aggregate: ClassVar[str] = "tranche"

    extension_id: str
    tranche_id: str
    partnership_id: str
    current_deadline: datetime
    requested_deadline: datetime
    reason: str
    subject: str = Field(description="`finance:tranche-extension:<extension_id>`")
    decide_by: datetime
    requested_at: datetime


class TrancheExtensionDecidedV1(FinanceEvent):
    """The oversight body granted (the tranche now ends at `requested_deadline`) or refused an extension."""

    event_type: ClassVar[str] = "finance.tranche_extension_decided.v1"
    aggregate: ClassVar[str] = "tranche"

    extension_id: str
    tranche_id: str
    partnership_id: str
    granted: bool
    requested_deadline: datetime
    decision_id: str
    decided_at: datetime


class StipendPayableV1(FinanceEvent):
    """A delivered instructor assignment made a stipend payable from the partnership's budget (spent_stipends),
    priced by the rate card in force: per role and day. Released to the lead and the instructor's country."""

    event_type: ClassVar[str] = "finance.stipend_payable.v1"
    aggregate: ClassVar[str] = "stipend"

    stipend_id: str
    partnership_id: str
    cohort_id: str
    assignment_id: str
    instructor_country_code: CountryCode
    role: Literal["lead", "co"]
    days: int = Field(ge=1)
    per_day: int = Field(gt=0, description="Minor units of `currency`")
    amount: int = Field(gt=0)
    currency: str = Field(pattern="^[A-Z]{3}$")
    payable_at: datetime


class StipendPaidV1(FinanceEvent):
    """The lead paid a payable stipend: posted from the shared pool to the stipends spending account."""

    event_type: ClassVar[str] = "finance.stipend_paid.v1"
    aggregate: ClassVar[str] = "stipend"

    stipend_id: str
    partnership_id: str
    amount: int = Field(gt=0)
    currency: str = Field(pattern="^[A-Z]{3}$")
    transfer_id: str
    paid_at: datetime


class AllowancePayableV1(FinanceEvent):
    """A trainee who attended a cohort away from home is owed a travel and subsistence allowance from the
    partnership's budget (spent_travel), priced by the rate card in force for the venue's country. Released to the
    lead, who pays it, and the trainee's country; the trainee is an id only."""

    event_type: ClassVar[str] = "finance.allowance_payable.v1"
    aggregate: ClassVar[str] = "allowance"

    allowance_id: str
    partnership_id: str
    cohort_id: str
    nomination_id: str
    trainee_country_code: CountryCode
    venue_country_code: CountryCode
    days: int = Field(ge=1)
    travel: int = Field(ge=0, description="One return trip, minor units of `currency`")
    subsistence: int = Field(ge=0, description="Per diem times the days")
    amount: int = Field(gt=0)
    currency: str = Field(pattern="^[A-Z]{3}$")
    payable_at: datetime


class AllowancePaidV1(FinanceEvent):
    """The lead paid a payable allowance: posted from the shared pool to the trainee country's travel account."""

    event_type: ClassVar[str] = "finance.allowance_paid.v1"
    aggregate: ClassVar[str] = "allowance"

    allowance_id: str
    partnership_id: str
    amount: int = Field(gt=0)
    currency: str = Field(pattern="^[A-Z]{3}$")
    transfer_id: str
    paid_at: datetime


class PlatformChargedV1(FinanceEvent):
    """A digital learning platform's cost for one period was paid from the shared pool (spent_platforms), and
    split between the members by the contribution scale in force for the period: each member's part of it."""

    event_type: ClassVar[str] = "finance.platform_charged.v1"
    aggregate: ClassVar[str] = "platform"

    platform_id: str
    charge_id: str
    partnership_id: str
    name: str
    period_start: date
    period_end: date = Field(description="Exclusive: the next period's start")
    amount: int = Field(gt=0, description="Minor units of `currency`")
    currency: str = Field(pattern="^[A-Z]{3}$")
    scale_id: str = Field(description="The contribution scale the split follows")
    shares: list[ContributionShareV1]
    transfer_id: str
    charged_at: datetime


class FacilityUseShareV1(BaseModel):
    country_code: CountryCode
    amount: int = Field(gt=0, description="Minor units of the settlement's currency")


class FacilityUsageSettledV1(FinanceEvent):
    """The facility use accrued for one host was paid from the shared pool (one transfer per host and run):
    reciprocity in money terms."""

    event_type: ClassVar[str] = "finance.facility_usage_settled.v1"
    aggregate: ClassVar[str] = "partnership"

    partnership_id: str
    settlement_id: str
    host_country_code: CountryCode
    currency: str = Field(pattern="^[A-Z]{3}$")
    amount: int = Field(gt=0)
    hours: Decimal
    bookings: int = Field(ge=1)
    by_user: list[FacilityUseShareV1] = Field(description="Per using country, its use in this payment")
    transfer_id: str
    settled_at: datetime
