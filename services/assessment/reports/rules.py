"""Public reports without I/O: which period a report covers, which groups' outcomes it may show (and whether the
totals may be shown next to them), and the geometry of its charts."""

from __future__ import annotations

import re
from calendar import monthrange
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from rules.disclosure import MIN_GROUP, disclosable

PERIOD = re.compile(r"^(?P<year>\d{4})(?:-(?P<part>H[12]|Q[1-4]))?$")


@dataclass(frozen=True)
class Period:
    name: str
    start: date
    end: date


def period(name: str) -> Period | None:
    """`2027` (the year), `2027-H1`/`2027-H2` (halves), `2027-Q1`..`2027-Q4` (quarters); None otherwise."""
    found = PERIOD.match(name)
    if found is None:
        return None
    year, part = int(found["year"]), found["part"]
    if year < 2000 or year > 2100:
        return None
    if part is None:
        return Period(name, date(year, 1, 1), date(year, 12, 31))
    months = 6 if part[0] == "H" else 3
    first = (int(part[1]) - 1) * months + 1
    last = first + months - 1
    return Period(name, date(year, first, 1), date(year, last, monthrange(year, last)[1]))


@dataclass(frozen=True)
class Outcomes:
    """Of one group of trainees (a country's, or everyone's): how many were assessed and how many passed."""

    assessed: int
    passed: int


def shown_outcomes(
    by_country: Mapping[str, Outcomes],
) -> tuple[dict[str, Outcomes], Outcomes | None]:
    """The countries whose outcomes may be published (groups of MIN_GROUP or more) and the totals, or None when
    they would give a hidden group away. The totals minus the rows shown are the hidden groups together, so the
    totals are shown only when nothing is hidden or the hidden groups are disclosable as one figure (together at
    least MIN_GROUP, and a hidden member subtracting its own trainees still leaves none or a group)."""
    shown = {c: o for c, o in sorted(by_country.items()) if o.assessed >= MIN_GROUP}
    hidden = {c: o.assessed for c, o in by_country.items() if c not in shown}
    totals_safe = bool(by_country) and (not hidden or disclosable(hidden))
    total = Outcomes(
        assessed=sum(o.assessed for o in by_country.values()),
        passed=sum(o.passed for o in by_country.values()),
    )
    return shown, total if totals_safe else None


@dataclass(frozen=True)
class Bar:
    label: str
    value: Decimal
    width: int
    """In chart units out of `CHART_WIDTH`."""


CHART_WIDTH = 400


def bars(values: Mapping[str, Decimal], *, baseline: Decimal, target: Decimal) -> tuple[list[Bar], int, int]:
    """Horizontal bars for each value on one scale with the baseline and the target (their x positions also
    returned); negative values are drawn as empty bars (the table beside the chart gives the number)."""
    scale = max([abs(baseline), abs(target), *(abs(v) for v in values.values()), Decimal(1)])

    def x(value: Decimal) -> int:
        return int((max(value, Decimal(0)) / scale * CHART_WIDTH).to_integral_value())

    return [Bar(label, value, x(value)) for label, value in values.items()], x(baseline), x(target)
