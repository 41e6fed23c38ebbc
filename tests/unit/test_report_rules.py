"""The public report's rules: the periods it covers, which groups' outcomes it shows and when the totals would
give a hidden group away, and its charts' geometry."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rules.disclosure import MIN_GROUP
from services.assessment.reports.rules import CHART_WIDTH, Outcomes, bars, period, shown_outcomes


@pytest.mark.parametrize(
    ("name", "start", "end"),
    [
        ("2027", date(2027, 1, 1), date(2027, 12, 31)),
        ("2027-H1", date(2027, 1, 1), date(2027, 6, 30)),
        ("2027-H2", date(2027, 7, 1), date(2027, 12, 31)),
        ("2028-Q1", date(2028, 1, 1), date(2028, 3, 31)),
        ("2027-Q4", date(2027, 10, 1), date(2027, 12, 31)),
    ],
)
def test_a_period_is_a_year_a_half_or_a_quarter(name: str, start: date, end: date) -> None:
    covered = period(name)
    assert covered is not None and (covered.start, covered.end) == (start, end)


@pytest.mark.parametrize("name", ["27", "2027-Q5", "2027-H3", "2027-01", "1999", "2027-q1", "2027 "])
def test_anything_else_is_no_period(name: str) -> None:
    assert period(name) is None


def test_small_groups_are_withheld_and_the_totals_with_them_when_they_would_reveal_one() -> None:
    shown, total = shown_outcomes({"SN": Outcomes(3, 2), "BR": Outcomes(1, 0)})
    assert (list(shown), total) == (["SN"], None), "totals minus Senegal's row is Brazil's one trainee"
    shown, total = shown_outcomes({"SN": Outcomes(3, 2), "BR": Outcomes(1, 0), "GH": Outcomes(2, 2)})
    assert (list(shown), total) == (["SN"], None), "Brazil subtracts Senegal's row and its own: Ghana's two"
    shown, total = shown_outcomes(
        {"SN": Outcomes(3, 2), "BR": Outcomes(2, 0), "GH": Outcomes(2, 2), "CI": Outcomes(2, 1)}
    )
    assert list(shown) == ["SN"] and total == Outcomes(9, 5), (
        "any withheld member subtracting its own leaves four"
    )
    assert shown_outcomes({"SN": Outcomes(2, 1), "BR": Outcomes(2, 2), "GH": Outcomes(2, 0)})[1] == Outcomes(
        6, 3
    )
    shown, total = shown_outcomes({"SN": Outcomes(6, 5), "BR": Outcomes(2, 1)})
    assert (list(shown), total) == (["SN"], None), "Senegal would subtract its six and see Brazil's two"
    assert shown_outcomes({"SN": Outcomes(2, 2)}) == ({}, None)
    assert shown_outcomes({"SN": Outcomes(4, 3), "BR": Outcomes(3, 3)})[1] == Outcomes(7, 6)


def test_bars_share_one_scale_with_the_baseline_and_the_target() -> None:
    drawn, baseline, target = bars(
        {"SN": Decimal(6), "BR": Decimal(-2)}, baseline=Decimal(2), target=Decimal(8)
    )
    assert [(b.label, b.width) for b in drawn] == [("SN", CHART_WIDTH * 6 // 8), ("BR", 0)]
    assert (baseline, target) == (CHART_WIDTH // 4, CHART_WIDTH)


@given(
    st.dictionaries(
        st.sampled_from(["SN", "BR", "GH", "FR"]),
        st.integers(min_value=1, max_value=7).map(lambda n: Outcomes(n, n // 2)),
    )
)
def test_no_member_can_work_a_withheld_group_out_of_what_is_shown(groups: dict[str, Outcomes]) -> None:
    """Whatever a member subtracts from the totals (the rows shown and its own group), what is left is nobody
    or at least MIN_GROUP trainees."""
    shown, total = shown_outcomes(groups)
    assert all(o.assessed >= MIN_GROUP for o in shown.values())
    if total is None:
        return
    for viewer in [*groups, "outsider"]:
        left = total.assessed - sum(o.assessed for o in shown.values())
        left -= groups[viewer].assessed if viewer in groups and viewer not in shown else 0
        assert left == 0 or left >= MIN_GROUP
