"""A partnership's scale of contributions, like the UN scale of assessments: each partner's share of the budget
follows its capacity indicator (an agreed index or GNI share), no share above the ceiling, none below the floor,
no amount below the minimum; the amounts add up to the budget to the minor unit.

Exact arithmetic (fractions) throughout, so every partner recomputing its share from the published inputs gets
the same amounts; each step is kept so the computation can be shown.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

SHOWN_DIGITS = 8
"""Shares are shown to this many decimals (the amounts come from the exact fractions)."""


class ScaleInfeasible(ValueError):
    """No scale satisfies the inputs (a floor or minimum too high, or a ceiling too low, for this many)."""

    def __init__(self, field: str, detail: str) -> None:
        super().__init__(detail)
        self.field = field


@dataclass(frozen=True)
class Step:
    name: str
    explanation: str
    shares: dict[str, Fraction]

    def shown(self) -> dict[str, str]:
        return {country: shown(share) for country, share in self.shares.items()}


@dataclass(frozen=True)
class Scale:
    total: int
    steps: tuple[Step, ...]
    amounts: dict[str, int]

    @property
    def shares(self) -> dict[str, Fraction]:
        return self.steps[-1].shares


def shown(share: Fraction) -> str:
    return str(round(Decimal(share.numerator) / Decimal(share.denominator), SHOWN_DIGITS))


def compute(
    *,
    indicators: dict[str, Decimal],
    total: int,
    floor: Decimal,
    ceiling: Decimal,
    minimum_amount: int,
) -> Scale:
    """The scale for `total` minor units among the partners of `indicators` (country code → indicator > 0)."""
    if not indicators:
        raise ScaleInfeasible("indicators", "A scale needs at least one partner's indicator.")
    if total <= 0:
        raise ScaleInfeasible("total", "The budget to share must be positive.")
    count = len(indicators)
    low, high = Fraction(floor), Fraction(ceiling)
    if high * count < 1:
        raise ScaleInfeasible("ceiling", f"{count} partners capped at {ceiling} cannot cover the budget.")
    effective_floor = max(low, Fraction(minimum_amount, total))
    if effective_floor * count > 1:
        raise ScaleInfeasible(
            "minimum_amount" if effective_floor > low else "floor",
            f"{count} partners at a floor of {shown(effective_floor)} would pay more than the budget.",
        )
    whole = sum((Fraction(value) for value in indicators.values()), Fraction(0))
    raw = {country: Fraction(value) / whole for country, value in sorted(indicators.items())}
    steps = [Step("capacity", "Each partner's indicator divided by the sum of the indicators.", raw)]
    capped = _cap(raw, high)
    steps.append(
        Step(
            "ceiling",
            f"Shares above the ceiling ({ceiling}) are cut to it; the excess is shared among the others in "
            "proportion to their shares, until none exceeds it.",
            capped,
        )
    )
    floored = _lift(capped, effective_floor)
    steps.append(
        Step(
            "floor",
            f"Shares below the floor ({shown(effective_floor)}: the larger of the agreed floor {floor} and the "
            f"minimum amount {minimum_amount} over the budget {total}) are raised to it; the difference is "
            "taken from the others in proportion to their shares above the floor.",
            floored,
        )
    )
    return Scale(total=total, steps=tuple(steps), amounts=largest_remainder(floored, total))


def _cap(shares: dict[str, Fraction], ceiling: Fraction) -> dict[str, Fraction]:
    result = dict(shares)
    fixed: set[str] = set()
    while over := [country for country, share in result.items() if share > ceiling]:
        for country in over:
            result[country] = ceiling
            fixed.add(country)
        free = [country for country in result if country not in fixed]
        excess = 1 - sum(result.values(), Fraction(0))
        base = sum((result[country] for country in free), Fraction(0))
        for country in free:
            result[country] += excess * result[country] / base
    return result


def _lift(shares: dict[str, Fraction], floor: Fraction) -> dict[str, Fraction]:
    result = dict(shares)
    fixed: set[str] = set()
    while under := [country for country, share in result.items() if share < floor and country not in fixed]:
        for country in under:
            result[country] = floor
            fixed.add(country)
        free = [country for country in result if country not in fixed]
        deficit = sum(result.values(), Fraction(0)) - 1
        room = sum((result[country] - floor for country in free), Fraction(0))
        for country in free:
            result[country] -= deficit * (result[country] - floor) / room
    return result


def largest_remainder(shares: dict[str, Fraction], total: int) -> dict[str, int]:
    """Whole minor units adding up to `total`: each partner's floor, then one more unit to the largest
    remainders (ties by country code, so everyone computes the same)."""
    exact = {country: share * total for country, share in shares.items()}
    amounts = {country: int(value) for country, value in exact.items()}
    left = total - sum(amounts.values())
    by_remainder = sorted(exact, key=lambda country: (-(exact[country] - amounts[country]), country))
    for country in by_remainder[:left]:
        amounts[country] += 1
    return amounts
