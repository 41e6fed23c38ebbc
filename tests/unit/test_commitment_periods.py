"""The period a renewed commitment covers: calendar months stay calendar months, other periods keep their days."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from services.partners.commitments.service import next_period


def test_a_calendar_year_renews_for_the_next_calendar_year_leap_or_not() -> None:
    assert next_period(date(2027, 1, 1), date(2027, 12, 31)) == (date(2028, 1, 1), date(2028, 12, 31))
    assert next_period(date(2028, 1, 1), date(2028, 12, 31)) == (date(2029, 1, 1), date(2029, 12, 31))


def test_quarters_and_months_follow_the_calendar() -> None:
    assert next_period(date(2027, 1, 1), date(2027, 3, 31)) == (date(2027, 4, 1), date(2027, 6, 30))
    assert next_period(date(2027, 1, 1), date(2027, 1, 31)) == (date(2027, 2, 1), date(2027, 2, 28))
    assert next_period(date(2026, 7, 15), date(2027, 7, 14)) == (date(2027, 7, 15), date(2028, 7, 14))


def test_an_irregular_period_keeps_its_length_in_days() -> None:
    assert next_period(date(2027, 1, 10), date(2027, 2, 20)) == (date(2027, 2, 21), date(2027, 4, 3))


@given(
    st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 1, 1)),
    st.integers(min_value=1, max_value=3000),
)
def test_the_next_period_starts_the_day_after_and_is_never_empty(starts_on: date, days: int) -> None:
    ends_on = starts_on + timedelta(days=days)
    new_start, new_end = next_period(starts_on, ends_on)
    assert new_start == ends_on + timedelta(days=1)
    assert new_end > new_start
    # Whole-month periods keep their months, not their days: n consecutive months differ from the next n by
    # at most 3 days (28 against 31), plus one when only one of them holds a 29 February.
    assert abs((new_end - new_start) - (ends_on - starts_on)) <= timedelta(days=4)
