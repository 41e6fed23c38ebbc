"""Findings without I/O: when an assessment failed a criterion, and how often each criterion of a rubric version
was failed across assessments (with what may be published of it: rules.disclosure)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from rules.disclosure import disclosable


def criterion_failed(version: Mapping[str, Any], criterion_id: str, level: int) -> bool:
    """A criterion is failed when its level, as a share of the top level, is below what its dimension needs
    (the dimension's own minimum, else the rubric's dimension minimum)."""
    criterion = next(c for c in version["criteria"] if c["id"] == criterion_id)
    rule = version["pass_rule"]
    minimum = int(rule.get("dimension_minimums", {}).get(criterion["dimension"], rule["dimension_minimum"]))
    top = max(int(level_["score"]) for level_ in version["levels"])
    return level * 100 < minimum * top


@dataclass(frozen=True)
class Scored:
    """One assessment as the tally needs it: the trainee's country and each criterion's level."""

    country: str
    levels: Mapping[str, int]


@dataclass(frozen=True)
class Tally:
    criterion_id: str
    dimension: str
    text: str
    failed_by_country: Mapping[str, int]
    assessed_by_country: Mapping[str, int]

    @property
    def failed(self) -> int:
        return sum(self.failed_by_country.values())

    @property
    def assessed(self) -> int:
        return sum(self.assessed_by_country.values())

    @property
    def publishable(self) -> bool:
        """Whether the counts may go to every member: both the assessed group and the failed group are
        disclosable (no failure is a count of nobody)."""
        return disclosable(self.assessed_by_country) and (
            not self.failed or disclosable(self.failed_by_country)
        )


def tally(version: Mapping[str, Any], assessments: Iterable[Scored]) -> list[Tally]:
    """Each criterion's failures among the assessments (those the caller may see), most failed first."""
    every = list(assessments)
    assessed = Counter(a.country for a in every)
    out = [
        Tally(
            criterion_id=criterion["id"],
            dimension=criterion["dimension"],
            text=criterion["text"],
            failed_by_country=dict(
                Counter(
                    a.country
                    for a in every
                    if criterion["id"] in a.levels
                    and criterion_failed(version, criterion["id"], a.levels[criterion["id"]])
                )
            ),
            assessed_by_country=dict(assessed),
        )
        for criterion in version["criteria"]
    ]
    return sorted(out, key=lambda t: (-t.failed, t.criterion_id))
