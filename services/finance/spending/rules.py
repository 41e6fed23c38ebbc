"""Pricing and reciprocity, without I/O: what a facility's use, a delivered assignment and a trainee's attendance
abroad cost, where each partner stands (what its cohorts used of others' facilities against what its facilities
hosted), and a platform's periods and each member's part of them by the contribution scale."""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any

from rules.contribution_scale import largest_remainder


def facility_rate(rates: Sequence[Mapping[str, Any]], kind: str, host: str) -> int | None:
    """The hourly rate of a kind of facility at this host: the host's own rate if the card names one, else the
    kind's rate for any host; None when the card prices neither."""
    for wanted in (host, None):
        for rate in rates:
            if rate["kind"] == kind and rate.get("host_country_code") == wanted:
                return int(rate["per_hour"])
    return None


def stipend_rate(rates: Sequence[Mapping[str, Any]], role: str) -> int | None:
    return next((int(rate["per_day"]) for rate in rates if rate["role"] == role), None)


def allowance(rates: Sequence[Mapping[str, Any]], venue: str, days: int) -> tuple[int, int] | None:
    """(travel, subsistence) for a trainee who spent `days` at a cohort in `venue`: the venue's own rate if the
    card names one, else the rate for any venue; None when the card prices neither."""
    for wanted in (venue, None):
        for rate in rates:
            if rate.get("venue_country_code") == wanted:
                return int(rate["travel_per_trip"]), int(rate["subsistence_per_day"]) * days
    return None


def facility_amount(hours: Decimal, per_hour: int) -> int:
    """Minor units, rounded half up to the unit (5.25 h at 1,001 = 5,255.25 -> 5,255)."""
    return int((hours * per_hour).quantize(Decimal(1), rounding=ROUND_HALF_UP))


@dataclass(frozen=True)
class Use:
    user: str
    host: str
    amount: int


@dataclass(frozen=True)
class Position:
    country_code: str
    used: int
    """What its cohorts' use of other partners' facilities cost."""
    hosted: int
    """What other partners' cohorts paid for using its facilities."""

    @property
    def net(self) -> int:
        return self.hosted - self.used


def positions(uses: Iterable[Use]) -> list[Position]:
    """Per country, used against hosted; a partner using its own facility is neither (it pays itself)."""
    used: dict[str, int] = {}
    hosted: dict[str, int] = {}
    for use in uses:
        if use.user == use.host:
            continue
        used[use.user] = used.get(use.user, 0) + use.amount
        hosted[use.host] = hosted.get(use.host, 0) + use.amount
    return [Position(c, used.get(c, 0), hosted.get(c, 0)) for c in sorted(used.keys() | hosted.keys())]


def add_months(day: date, months: int) -> date:
    """The same day `months` later, or the month's last day when it has no such day (31 Jan + 1 = 28/29 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def platform_periods(
    starts_on: date, ends_on: date | None, months: int, today: date
) -> list[tuple[date, date]]:
    """The periods [start, end) that have begun by `today`, from `starts_on`, never past `ends_on` (a last period
    cut short by it is a whole period: subscriptions are bought by the period)."""
    periods: list[tuple[date, date]] = []
    index = 0
    while True:
        start = add_months(starts_on, months * index)
        if start > today or (ends_on is not None and start >= ends_on):
            return periods
        periods.append((start, add_months(starts_on, months * (index + 1))))
        index += 1


def split_by_scale(amount: int, weights: Mapping[str, int]) -> dict[str, tuple[Fraction, int]]:
    """Each member's (share, part) of `amount`: shares in proportion to its assessed contribution, parts in whole
    minor units adding up to `amount` (largest remainder)."""
    total = sum(weights.values())
    if total <= 0:
        raise ValueError("a scale with nothing assessed splits nothing")
    shares = {country: Fraction(weight, total) for country, weight in weights.items() if weight > 0}
    parts = largest_remainder(shares, amount)
    return {country: (shares[country], parts[country]) for country in sorted(shares)}
