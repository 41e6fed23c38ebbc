"""Spending rules without I/O: allowances per venue, platform periods and a platform's split by the scale."""

from __future__ import annotations

from datetime import date
from fractions import Fraction
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from services.finance.spending.rules import add_months, allowance, platform_periods, split_by_scale


def test_an_allowance_is_the_venues_rate_else_any_venues() -> None:
    rates: list[dict[str, Any]] = [
        {"venue_country_code": "SN", "travel_per_trip": 90, "subsistence_per_day": 8},
        {"venue_country_code": None, "travel_per_trip": 60, "subsistence_per_day": 10},
    ]
    assert allowance(rates, "SN", 5) == (90, 40)
    assert allowance(rates, "FR", 3) == (60, 30)
    assert allowance(rates[:1], "FR", 3) is None


def test_months_are_added_to_the_day_or_the_months_last() -> None:
    assert add_months(date(2027, 1, 31), 1) == date(2027, 2, 28)
    assert add_months(date(2028, 1, 31), 1) == date(2028, 2, 29)
    assert add_months(date(2026, 11, 30), 3) == date(2027, 2, 28)
    assert add_months(date(2026, 12, 15), 1) == date(2027, 1, 15)


def test_periods_begun_by_today_never_past_the_end() -> None:
    assert platform_periods(date(2026, 1, 31), None, 1, date(2026, 3, 30)) == [
        (date(2026, 1, 31), date(2026, 2, 28)),
        (date(2026, 2, 28), date(2026, 3, 31)),
    ], "from the start date each time: no drift after a short month"
    assert platform_periods(date(2026, 1, 1), date(2026, 7, 1), 3, date(2027, 1, 1)) == [
        (date(2026, 1, 1), date(2026, 4, 1)),
        (date(2026, 4, 1), date(2026, 7, 1)),
    ]
    assert platform_periods(date(2027, 1, 1), None, 12, date(2026, 12, 31)) == []


@given(
    amount=st.integers(min_value=1, max_value=10**12),
    weights=st.dictionaries(
        st.sampled_from(["BR", "FR", "GH", "KE", "SN"]), st.integers(0, 10**9), min_size=1
    ),
)
def test_a_split_adds_up_and_follows_the_weights(amount: int, weights: dict[str, int]) -> None:
    if sum(weights.values()) == 0:
        return
    split = split_by_scale(amount, weights)
    assert sum(part for _, part in split.values()) == amount
    assert sum(share for share, _ in split.values()) == Fraction(1)
    for share, part in split.values():
        assert abs(part - share * amount) < 1, "each part within one minor unit of its exact share"
