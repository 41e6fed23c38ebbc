"""Indicator rules: a target is met in the direction that is better, and progress runs from the baseline (0) to
the target (1) whichever way that is."""

from __future__ import annotations

from decimal import Decimal as D

from services.assessment.indicators.rules import meets, progress


def test_a_target_is_met_in_the_better_direction() -> None:
    assert meets(D("12"), D("10"), "increase") and meets(D("10"), D("10"), "increase")
    assert not meets(D("9.99"), D("10"), "increase")
    assert meets(D("30"), D("45"), "decrease") and not meets(D("46"), D("45"), "decrease")


def test_progress_runs_from_the_baseline_to_the_target() -> None:
    assert progress(D("7"), D("4"), D("10")) == D("0.5000")
    assert progress(D("60"), D("90"), D("30")) == D("0.5000"), "fewer days is progress too"
    assert progress(D("3"), D("4"), D("10")) == D("-0.1667"), "going backwards shows"
    assert progress(D("5"), D("5"), D("5")) is None
