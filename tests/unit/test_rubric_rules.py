"""Rubric rules: a version must assess the four mandatory dimensions, each with criteria, on levels from 0
upwards; the result weights criteria within a dimension and dimensions overall, and the pass rule needs both the
overall minimum and every dimension's (a brilliant technician who fails human rights fails)."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from services.assessment.rubrics import rules


def version(**changes: Any) -> dict[str, Any]:
    content: dict[str, Any] = {
        "dimensions": [{"key": k, "name": k, "weight": 1} for k in rules.MANDATORY_DIMENSIONS],
        "criteria": [
            {"id": "imaging", "dimension": "technical_proficiency", "text": "Images a disk", "weight": 3},
            {
                "id": "chain",
                "dimension": "technical_proficiency",
                "text": "Keeps the chain of custody",
                "weight": 1,
            },
            {"id": "privacy", "dimension": "ethical_judgement", "text": "Limits the search", "weight": 1},
            {
                "id": "language",
                "dimension": "cultural_sensitivity",
                "text": "Uses an interpreter",
                "weight": 1,
            },
            {
                "id": "rights",
                "dimension": "human_rights",
                "text": "Respects the suspect's rights",
                "weight": 1,
            },
        ],
        "levels": [{"score": s, "name": str(s), "descriptor": str(s)} for s in range(5)],
        "pass_rule": {"overall_minimum": 60, "dimension_minimum": 50, "dimension_minimums": {}},
    }
    return {**content, **changes}


def test_a_version_without_human_rights_is_no_rubric() -> None:
    content = version()
    content["dimensions"] = content["dimensions"][:3]
    content["criteria"] = [c for c in content["criteria"] if c["dimension"] != "human_rights"]
    assert [(p.field, p.code) for p in rules.problems(content)] == [("dimensions", "dimension_missing")]


def test_each_problem_names_its_field() -> None:
    content = version(
        levels=[{"score": 1, "name": "a", "descriptor": "a"}, {"score": 1, "name": "b", "descriptor": "b"}]
    )
    content["criteria"].append({"id": "x", "dimension": "tactics", "text": "?", "weight": 1})
    content["pass_rule"]["dimension_minimums"] = {"stealth": 10}
    assert {(p.field, p.code) for p in rules.problems(content)} == {
        ("criteria.5.dimension", "unknown_dimension"),
        ("levels", "levels_not_ascending"),
        ("pass_rule.dimension_minimums.stealth", "unknown_dimension"),
    }
    assert rules.problems(version()) == []


def test_a_brilliant_technician_who_fails_human_rights_fails() -> None:
    scores = {"imaging": 4, "chain": 4, "privacy": 4, "language": 4, "rights": 1}
    result = rules.result(version(), scores)
    assert result.percent == Fraction(325, 4) and not result.passed  # 81.25 overall
    assert result.failed_dimensions == ["human_rights"]
    assert rules.shown(result.percent) == "81.3"


def test_criteria_weigh_within_their_dimension() -> None:
    scores = {"imaging": 4, "chain": 0, "privacy": 2, "language": 2, "rights": 2}
    technical = rules.result(version(), scores).dimensions[0]
    assert (technical.key, technical.percent) == ("technical_proficiency", Fraction(75))


def test_a_dimension_may_have_its_own_minimum() -> None:
    scores = {"imaging": 4, "chain": 4, "privacy": 4, "language": 4, "rights": 3}
    strict = version(
        pass_rule={"overall_minimum": 60, "dimension_minimum": 50, "dimension_minimums": {"human_rights": 80}}
    )
    assert rules.result(version(), scores).passed and not rules.result(strict, scores).passed


@given(st.lists(st.integers(min_value=0, max_value=4), min_size=5, max_size=5))
def test_percentages_stay_between_0_and_100_and_top_marks_pass(levels: list[int]) -> None:
    scores = dict(zip(["imaging", "chain", "privacy", "language", "rights"], levels, strict=True))
    result = rules.result(version(), scores)
    assert 0 <= result.percent <= 100 and all(0 <= d.percent <= 100 for d in result.dimensions)
    if min(levels) == 4:
        assert result.passed and result.percent == 100


def test_unscored_and_unknown_criteria_are_named() -> None:
    assert rules.unscored(version(), {"imaging": 1, "drone": 2}) == (
        ["chain", "privacy", "language", "rights"],
        ["drone"],
    )
