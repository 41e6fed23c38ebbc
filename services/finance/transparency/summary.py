"""The public summary of an activity: budgets as adopted, spending per category withheld where it is made of
too few transfers (and the total with it when it would give them away), contributions per partner."""

from __future__ import annotations

from services.finance.transparency import rules
from services.finance.transparency.queries import Activity, BudgetFigure
from services.finance.transparency.schemas import ContributionSummary, PeriodSummary, PublicSummaryOut


def public_summary(activity: Activity) -> PublicSummaryOut:
    partnership = activity.partnership
    return PublicSummaryOut(
        partnership_id=partnership.partnership_id,
        name=partnership.name,
        lead_country_code=partnership.lead_country_code,
        member_countries=sorted(partnership.member_countries),
        periods=[_period(activity, budget) for budget in activity.budgets],
        contributions=[
            ContributionSummary(country_code=c.country_code, currency=c.currency, due=c.due, paid=c.paid)
            for c in activity.contributions
        ],
        as_of=activity.as_of,
    )


def _period(activity: Activity, budget: BudgetFigure) -> PeriodSummary:
    spent = dict.fromkeys(budget.by_category, 0)
    counted = dict.fromkeys(budget.by_category, 0)
    for t in activity.transactions:
        in_period = budget.starts_on <= t.on <= budget.ends_on and t.currency == budget.currency
        if in_period and t.type_code == rules.EXPENDITURE and t.category in spent:
            spent[t.category] += t.amount
            counted[t.category] += 1
    disclosure = rules.disclosed(counted)
    return PeriodSummary(
        fiscal_period=budget.fiscal_period,
        starts_on=budget.starts_on,
        ends_on=budget.ends_on,
        currency=budget.currency,
        budget=budget.by_category,
        budget_total=budget.total,
        actual={c: amount if c in disclosure.shown else None for c, amount in spent.items()},
        actual_total=sum(spent.values()) if disclosure.total_shown else None,
        withheld=sorted(set(spent) - disclosure.shown),
    )
