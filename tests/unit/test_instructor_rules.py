"""Instructor rules: qualification per role, language, availability windows, train-the-trainer eligibility."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from services.training.instructors.rules import (
    Window,
    available,
    missing_qualifications,
    required_levels,
    speaks,
    trainer_candidate_problem,
)

T0 = datetime(2031, 1, 1, tzinfo=UTC)


def at(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


def test_a_lead_covers_every_competency_at_its_highest_level_a_co_instructor_one() -> None:
    modules = [
        {"competencies": [{"code": "cf:a", "level": 2}, {"code": "cf:b", "level": 1}]},
        {"competencies": [{"code": "cf:a", "level": 4}]},
    ]
    required = required_levels(modules)
    assert required == {"cf:a": 4, "cf:b": 1}
    assert missing_qualifications({"cf:a": 4, "cf:b": 2}, required, "lead") == []
    assert missing_qualifications({"cf:a": 3, "cf:b": 2}, required, "lead") == ["cf:a"]
    assert missing_qualifications({"cf:b": 1}, required, "co") == []
    assert missing_qualifications({"cf:z": 5}, required, "co") == ["cf:a", "cf:b"]


def test_the_primary_language_decides() -> None:
    assert speaks(["pt"], "pt-BR") and speaks(["pt-BR"], "pt") and speaks(["EN"], "en")
    assert not speaks(["fr", "wo"], "en")


def test_availability_windows_join_when_they_touch_or_overlap() -> None:
    windows = [Window(at(0), at(10)), Window(at(10), at(20)), Window(at(15), at(30))]
    assert available(windows, at(2), at(29))
    assert not available(windows, at(2), at(31))
    assert not available([Window(at(0), at(10)), Window(at(11), at(20))], at(5), at(15)), "a gap"
    assert not available([], at(0), at(1))


def test_only_a_valid_high_level_well_passed_certification_makes_a_candidate() -> None:
    assert trainer_candidate_problem(status="valid", level=3, score=Decimal(80)) is None
    assert trainer_candidate_problem(status="expired", level=5, score=Decimal(99)) is not None
    assert trainer_candidate_problem(status="valid", level=2, score=Decimal(99)) is not None
    assert trainer_candidate_problem(status="valid", level=4, score=Decimal("79.9")) is not None
