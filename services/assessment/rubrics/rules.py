"""Rubrics without I/O: what makes a rubric version well formed, and what an assessment's scores come to
(each dimension's percentage, the overall one, and the pass rule: the overall minimum and every dimension's
minimum, so a brilliant technician who fails human rights fails)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any

MANDATORY_DIMENSIONS = ("technical_proficiency", "ethical_judgement", "cultural_sensitivity", "human_rights")


@dataclass(frozen=True)
class Problem:
    field: str
    code: str
    message: str


def problems(version: Mapping[str, Any]) -> list[Problem]:
    """Every reason the version (dimensions, criteria, levels, pass_rule, as the API takes them) is not a
    rubric; empty when it is one."""
    found: list[Problem] = []
    dimensions = [d["key"] for d in version["dimensions"]]
    for key in MANDATORY_DIMENSIONS:
        if key not in dimensions:
            found.append(Problem("dimensions", "dimension_missing", f"Every rubric assesses {key}."))
    if len(set(dimensions)) != len(dimensions):
        found.append(Problem("dimensions", "dimension_repeated", "Each dimension once."))
    criteria = version["criteria"]
    ids = [c["id"] for c in criteria]
    if len(set(ids)) != len(ids):
        found.append(Problem("criteria", "criterion_repeated", "Each criterion id once."))
    for index, criterion in enumerate(criteria):
        if criterion["dimension"] not in dimensions:
            found.append(
                Problem(f"criteria.{index}.dimension", "unknown_dimension", "Not a dimension of the rubric.")
            )
    for key in dimensions:
        if not any(c["dimension"] == key for c in criteria):
            found.append(Problem("criteria", "dimension_without_criteria", f"{key} has no criterion."))
    scores = [level["score"] for level in version["levels"]]
    if scores != sorted(set(scores)) or scores[0] != 0:
        found.append(
            Problem(
                "levels", "levels_not_ascending", "Levels score 0 upwards, each higher than the one before."
            )
        )
    minima = version["pass_rule"].get("dimension_minimums", {})
    for key in minima:
        if key not in dimensions:
            found.append(
                Problem(
                    f"pass_rule.dimension_minimums.{key}",
                    "unknown_dimension",
                    "Not a dimension of the rubric.",
                )
            )
    return found


@dataclass(frozen=True)
class DimensionResult:
    key: str
    percent: Fraction
    minimum: int
    passed: bool


@dataclass(frozen=True)
class Result:
    dimensions: list[DimensionResult]
    percent: Fraction
    overall_minimum: int
    passed: bool

    @property
    def failed_dimensions(self) -> list[str]:
        return [d.key for d in self.dimensions if not d.passed]


def unscored(version: Mapping[str, Any], scores: Mapping[str, int]) -> tuple[list[str], list[str]]:
    """(criteria of the version without a score, scored ids that are no criterion of it)."""
    ids = [c["id"] for c in version["criteria"]]
    return [i for i in ids if i not in scores], [i for i in scores if i not in ids]


def result(version: Mapping[str, Any], scores: Mapping[str, int]) -> Result:
    """Each criterion's level as a share of the top level, weighted within its dimension; the dimensions weighted
    into the overall percentage. Every criterion must be scored at a level the rubric has."""
    top = max(level["score"] for level in version["levels"])
    rule = version["pass_rule"]
    dimensions = []
    overall = Fraction(0)
    total_weight = sum(int(d["weight"]) for d in version["dimensions"])
    for dimension in version["dimensions"]:
        criteria = [c for c in version["criteria"] if c["dimension"] == dimension["key"]]
        weight = sum(int(c["weight"]) for c in criteria)
        earned = sum((Fraction(int(c["weight"]) * scores[c["id"]], top) for c in criteria), Fraction(0))
        percent = earned / weight * 100
        minimum = int(rule.get("dimension_minimums", {}).get(dimension["key"], rule["dimension_minimum"]))
        dimensions.append(DimensionResult(dimension["key"], percent, minimum, percent >= minimum))
        overall += percent * Fraction(int(dimension["weight"]), total_weight)
    passed = overall >= rule["overall_minimum"] and all(d.passed for d in dimensions)
    return Result(dimensions, overall, int(rule["overall_minimum"]), passed)


def shown(percent: Fraction) -> str:
    """A percentage to one decimal place, rounded half up (as a report prints it)."""
    value = Decimal(percent.numerator) / Decimal(percent.denominator)
    return str(value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def levels_of(version: Mapping[str, Any]) -> Sequence[int]:
    return [int(level["score"]) for level in version["levels"]]
