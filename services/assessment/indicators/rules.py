"""Indicators without I/O: whether a measured value meets the target, given which way is better."""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

Direction = Literal["increase", "decrease"]


def meets(value: Decimal, target: Decimal, direction: Direction) -> bool:
    """At or beyond the target, in the direction that is better (more arrests; fewer days to an outcome)."""
    return value >= target if direction == "increase" else value <= target


def progress(value: Decimal, baseline: Decimal, target: Decimal) -> Decimal | None:
    """How far from the baseline to the target the value has come (1 = the target), to 4 places; None when
    the baseline is the target."""
    span = target - baseline
    if span == 0:
        return None
    return ((value - baseline) / span).quantize(Decimal("0.0001"))
