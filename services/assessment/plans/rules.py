"""Evaluation rounds without I/O: who reviews each member country's reports (an evaluator of another country,
as the conflict rules of assignments want) and who has not reported yet. When rounds open and fall due is
`rules.evaluation_schedule` (the workflow's too)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Candidate:
    evaluator_id: str
    country: str


def reviewers(countries: Sequence[str], candidates: Sequence[Candidate]) -> dict[str, str | None]:
    """For each member country, the evaluator who reviews its reports: never one of its own country, and the
    load spread (the candidate with the fewest countries so far, then in registration order)."""
    load = {c.evaluator_id: 0 for c in candidates}
    chosen: dict[str, str | None] = {}
    for country in sorted(countries):
        eligible = [c for c in candidates if c.country != country]
        if not eligible:
            chosen[country] = None
            continue
        pick = min(eligible, key=lambda c: load[c.evaluator_id])
        load[pick.evaluator_id] += 1
        chosen[country] = pick.evaluator_id
    return chosen


def missing(countries: Sequence[str], indicators: Sequence[str], reported: set[tuple[str, str]]) -> list[str]:
    """The countries that have not reported every indicator (`reported`: (country, indicator code))."""
    return sorted(c for c in countries if any((c, code) not in reported for code in indicators))
