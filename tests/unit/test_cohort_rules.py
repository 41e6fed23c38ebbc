"""Seat sharing and placement: every seat given out, in proportion to pledges, never beyond them."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from services.training.cohorts.rules import allocate_seats, placement

COUNTRIES = ("BR", "FR", "GH", "KE", "SN")


def test_seats_follow_the_pledges_and_ties_are_settled_the_same_way_every_time() -> None:
    assert allocate_seats(10, {"FR": Decimal(6), "SN": Decimal(3), "BR": Decimal(3)}) == {
        "FR": 5,
        "SN": 2,
        "BR": 3,
    }
    assert allocate_seats(10, {"BR": Decimal(3), "SN": Decimal(3), "FR": Decimal(6)}) == {
        "BR": 3,
        "SN": 2,
        "FR": 5,
    }
    assert allocate_seats(20, {"FR": Decimal(6), "SN": Decimal(3), "BR": Decimal(0)}) == {
        "FR": 6,
        "SN": 3,
        "BR": 0,
    }
    assert allocate_seats(5, {"FR": Decimal(0)}) == {"FR": 0}
    assert allocate_seats(0, {"FR": Decimal(4)}) == {"FR": 0}


@given(
    capacity=st.integers(min_value=0, max_value=500),
    pledges=st.dictionaries(st.sampled_from(COUNTRIES), st.integers(min_value=0, max_value=300), min_size=1),
)
def test_every_seat_is_given_within_the_pledges_and_in_proportion(
    capacity: int, pledges: dict[str, int]
) -> None:
    shares = allocate_seats(capacity, {c: Decimal(n) for c, n in pledges.items()})
    total = sum(pledges.values())
    assert set(shares) == set(pledges)
    assert sum(shares.values()) == min(capacity, total), "all seats out, unless the pledges are fewer"
    for country, pledged in pledges.items():
        assert 0 <= shares[country] <= pledged
        if total > capacity:  # proportional, off by less than one seat
            assert abs(shares[country] - pledged * capacity / total) < 1


def test_an_approved_nomination_takes_a_free_seat_or_waits() -> None:
    assert placement(seats=2, enrolled=1) == "enrolled"
    assert placement(seats=2, enrolled=2) == "waitlisted"
    assert placement(seats=0, enrolled=0) == "waitlisted"
