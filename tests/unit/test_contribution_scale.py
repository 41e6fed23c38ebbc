"""The contribution scale (hypothesis over indicators, floors, ceilings and minimums): the amounts add up to the
budget, no share passes the ceiling or falls below the floor or the minimum, a larger indicator never pays a
smaller share, and impossible inputs are refused naming the input at fault."""

from __future__ import annotations

import itertools
from decimal import ROUND_DOWN, ROUND_UP, Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rules.contribution_scale import ScaleInfeasible, compute, largest_remainder

countries = st.sampled_from(["BR", "FR", "JP", "SN", "DE", "KE", "MX", "IN", "CA", "GH"])
indicators = st.dictionaries(
    countries, st.decimals(min_value="0.001", max_value="1000", places=3), min_size=1, max_size=10
)
fractions = st.decimals(min_value="0", max_value="1", places=4)


@given(
    indicators=indicators,
    total=st.integers(min_value=1, max_value=10**13),
    floor_part=fractions,
    ceiling_part=fractions,
    minimum_part=fractions,
)
def test_a_feasible_scale_adds_up_and_keeps_its_bounds(
    indicators: dict[str, Decimal],
    total: int,
    floor_part: Decimal,
    ceiling_part: Decimal,
    minimum_part: Decimal,
) -> None:
    count = len(indicators)
    floor = (floor_part / count).quantize(Decimal("0.0001"), rounding=ROUND_DOWN)
    ceiling = min(Decimal(1), (1 + ceiling_part * (count - 1)) / count).quantize(
        Decimal("0.0001"), rounding=ROUND_UP
    )
    minimum = int(minimum_part * total) // count
    scale = compute(indicators=indicators, total=total, floor=floor, ceiling=ceiling, minimum_amount=minimum)
    assert sum(scale.amounts.values()) == total
    assert sum(scale.shares.values()) == 1
    for country, share in scale.shares.items():
        assert share <= Fraction(ceiling)
        assert share >= Fraction(floor) and scale.amounts[country] >= minimum
    ranked = sorted(indicators, key=lambda country: indicators[country])
    for smaller, larger in itertools.pairwise(ranked):
        assert scale.shares[smaller] <= scale.shares[larger]


def test_the_computation_is_shown_step_by_step() -> None:
    scale = compute(
        indicators={"FR": Decimal("70"), "SN": Decimal("1"), "BR": Decimal("29")},
        total=1_000_000,
        floor=Decimal("0.05"),
        ceiling=Decimal("0.6"),
        minimum_amount=0,
    )
    names = [step.name for step in scale.steps]
    assert names == ["capacity", "ceiling", "floor"]
    assert scale.steps[0].shown() == {"BR": "0.29000000", "FR": "0.70000000", "SN": "0.01000000"}
    capped = scale.steps[1].shares
    assert capped["FR"] == Fraction(6, 10) and capped["BR"] + capped["SN"] == Fraction(4, 10)
    floored = scale.steps[2].shares
    assert floored["SN"] == Fraction(5, 100), "lifted to the floor"
    assert floored["FR"] < capped["FR"] and floored["BR"] < capped["BR"], "the others paid for the lift"
    assert scale.amounts["SN"] == 50_000 and sum(scale.amounts.values()) == 1_000_000


def test_the_minimum_amount_lifts_a_small_partner_above_the_agreed_floor() -> None:
    scale = compute(
        indicators={"FR": Decimal("99"), "SN": Decimal("1")},
        total=10_000,
        floor=Decimal("0"),
        ceiling=Decimal("1"),
        minimum_amount=500,
    )
    assert scale.amounts == {"FR": 9_500, "SN": 500}


@pytest.mark.parametrize(
    ("floor", "ceiling", "minimum", "field"),
    [
        (Decimal("0.4"), Decimal("1"), 0, "floor"),
        (Decimal("0"), Decimal("0.3"), 0, "ceiling"),
        (Decimal("0"), Decimal("1"), 400, "minimum_amount"),
    ],
)
def test_impossible_inputs_name_the_input_at_fault(
    floor: Decimal, ceiling: Decimal, minimum: int, field: str
) -> None:
    with pytest.raises(ScaleInfeasible) as refused:
        compute(
            indicators={"FR": Decimal(1), "SN": Decimal(1), "BR": Decimal(1)},
            total=1_000,
            floor=floor,
            ceiling=ceiling,
            minimum_amount=minimum,
        )
    assert refused.value.field == field


def test_remainders_go_to_the_largest_fractions_then_by_country() -> None:
    thirds = {"BR": Fraction(1, 3), "FR": Fraction(1, 3), "SN": Fraction(1, 3)}
    assert largest_remainder(thirds, 100) == {"BR": 34, "FR": 33, "SN": 33}
