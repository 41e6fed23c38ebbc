"""What the transparency exports are made of, read in one transaction: the partnership, its adopted budgets, its
published transactions (posted transfers that brought money in, spent it or released a tranche), the results
its tranches were tied to, and the contributions due and paid per partner."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from services.finance.budgets.queries import CATEGORIES, POSTED
from services.finance.models import (
    Budget,
    BudgetVersion,
    ContributionDue,
    FundingTranche,
    GrantAgreement,
    KnownPartnership,
    LedgerAccount,
    LedgerTransfer,
)
from services.finance.partnerships import partnership_of
from services.finance.transparency import rules


@dataclass(frozen=True)
class BudgetFigure:
    budget_id: uuid.UUID
    fiscal_period: str
    starts_on: date
    ends_on: date
    currency: str
    version: int
    by_category: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.by_category.values())


@dataclass(frozen=True)
class Donor:
    name: str
    org_type: str
    """IATI OrganisationType code."""
    ref: str | None


DONOR_TYPES = {
    "multilateral": "40",
    "regional_pool": "40",
    "government": "10",
    "foundation": "60",
    "academic": "80",
}


@dataclass(frozen=True)
class Transaction:
    transfer_id: uuid.UUID
    type_code: str
    on: date
    amount: int
    """Minor units; negative for a correction."""
    currency: str
    partner: str | None
    category: str | None
    donor: Donor | None = None


@dataclass(frozen=True)
class Result:
    tranche_id: uuid.UUID
    indicator: str
    comparison: str
    target: Decimal
    measured: Decimal | None
    status: str
    planned_on: date
    deadline: date


@dataclass(frozen=True)
class Contribution:
    country_code: str
    currency: str
    due: int
    paid: int


@dataclass(frozen=True)
class Activity:
    partnership: KnownPartnership
    budgets: list[BudgetFigure]
    transactions: list[Transaction]
    results: list[Result]
    contributions: list[Contribution]
    as_of: datetime
    donors: list[Donor]

    @property
    def currency(self) -> str:
        return self.budgets[0].currency if self.budgets else "EUR"


async def activity(session: AsyncSession, *, partnership_id: uuid.UUID) -> Activity:
    async with session.begin():
        partnership = await partnership_of(session, partnership_id)
        donors = await _donors(session, partnership_id)
        return Activity(
            partnership=partnership,
            budgets=await _budgets(session, partnership_id),
            transactions=await _transactions(session, partnership_id, donors),
            results=await _results(session, partnership_id),
            contributions=await _contributions(session, partnership_id),
            as_of=datetime.now(UTC),
            donors=list(dict.fromkeys(donors.values())),
        )


async def _donors(session: AsyncSession, partnership_id: uuid.UUID) -> dict[uuid.UUID, Donor]:
    """Per grant account, its donor."""
    rows = await session.scalars(
        select(GrantAgreement)
        .where(GrantAgreement.partnership_id == partnership_id)
        .order_by(GrantAgreement.agreed_at)
    )
    return {
        row.account_id: Donor(row.donor_name, DONOR_TYPES.get(row.donor_kind, "90"), row.donor_ref)
        for row in rows
    }


async def _budgets(session: AsyncSession, partnership_id: uuid.UUID) -> list[BudgetFigure]:
    rows = await session.execute(
        select(Budget, BudgetVersion)
        .join(
            BudgetVersion,
            (BudgetVersion.budget_id == Budget.id) & (BudgetVersion.number == Budget.adopted_version),
        )
        .where(Budget.partnership_id == partnership_id)
        .order_by(Budget.starts_on, Budget.id)
    )
    figures = []
    for budget, version in rows.tuples():
        by_category: dict[str, int] = dict.fromkeys(CATEGORIES, 0)
        for line in version.lines:
            by_category[line["category"]] += line["amount"]
        figures.append(
            BudgetFigure(
                budget.id,
                budget.fiscal_period,
                budget.starts_on,
                budget.ends_on,
                budget.currency,
                version.number,
                by_category,
            )
        )
    return figures


async def _transactions(
    session: AsyncSession, partnership_id: uuid.UUID, donors: dict[uuid.UUID, Donor]
) -> list[Transaction]:
    debit, credit = aliased(LedgerAccount), aliased(LedgerAccount)
    rows = await session.execute(
        select(LedgerTransfer, debit.kind, debit.country_code, credit.kind, credit.country_code)
        .join(debit, debit.id == LedgerTransfer.debit_account_id)
        .join(credit, credit.id == LedgerTransfer.credit_account_id)
        .where(LedgerTransfer.partnership_id == partnership_id, LedgerTransfer.kind.in_(POSTED))
        .order_by(LedgerTransfer.sequence)
    )
    found = []
    for transfer, debit_kind, debit_country, credit_kind, credit_country in rows.tuples():
        published = rules.published_as(debit_kind, credit_kind, code=transfer.code)
        if published is None:
            continue
        partner = {"debit": debit_country, "credit": credit_country}.get(published.partner_side or "")
        found.append(
            Transaction(
                transfer.id,
                published.type_code,
                transfer.created_at.date(),
                published.sign * transfer.amount,
                transfer.currency,
                partner,
                published.category,
                donors.get(transfer.debit_account_id) if debit_kind == "grant" else None,
            )
        )
    return found


async def _results(session: AsyncSession, partnership_id: uuid.UUID) -> list[Result]:
    rows = await session.scalars(
        select(FundingTranche)
        .where(FundingTranche.partnership_id == partnership_id)
        .order_by(FundingTranche.planned_at, FundingTranche.id)
    )
    return [
        Result(
            row.id,
            row.indicator,
            row.comparison,
            row.target,
            row.measured_value,
            row.status,
            row.planned_at.date(),
            row.deadline.date(),
        )
        for row in rows
    ]


async def _contributions(session: AsyncSession, partnership_id: uuid.UUID) -> list[Contribution]:
    rows = await session.execute(
        select(
            ContributionDue.country_code,
            ContributionDue.currency,
            # A superseded or cancelled instalment is owed no more; what was paid on it stays paid.
            func.sum(case((ContributionDue.status.in_(("open", "paid")), ContributionDue.amount), else_=0)),
            func.sum(ContributionDue.paid),
        )
        .where(ContributionDue.partnership_id == partnership_id)
        .group_by(ContributionDue.country_code, ContributionDue.currency)
        .order_by(ContributionDue.country_code, ContributionDue.currency)
    )
    return [
        Contribution(country, currency, int(due), int(paid)) for country, currency, due, paid in rows.tuples()
    ]
