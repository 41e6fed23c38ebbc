"""When the rounds of an evaluation plan open and fall due, without I/O (the assessment service and
EvaluationCycleWorkflow share it): round `n` opens `every_months` after the one before, at midnight UTC, and
evaluates the months before it; national systems report within `response_days`, are reminded
`remind_before_days` before that, and after an escalation the round closes `grace_days` later."""

from __future__ import annotations

from calendar import monthrange
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any


def add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, monthrange(year, month)[1]))


@dataclass(frozen=True)
class RoundTimes:
    number: int
    opens_at: datetime
    period_start: date
    period_end: date
    remind_at: datetime
    due_at: datetime
    close_at: datetime
    """After escalation: the due time plus the grace days."""


def round_times(schedule: Mapping[str, Any], number: int) -> RoundTimes:
    every = int(schedule["every_months"])
    first = schedule["first_round_on"]
    first_day = first if isinstance(first, date) else date.fromisoformat(first)
    opens_on = add_months(first_day, every * (number - 1))
    opens_at = datetime.combine(opens_on, time(0), tzinfo=UTC)
    due_at = opens_at + timedelta(days=int(schedule["response_days"]))
    return RoundTimes(
        number=number,
        opens_at=opens_at,
        period_start=add_months(opens_on, -every),
        period_end=opens_on - timedelta(days=1),
        remind_at=due_at - timedelta(days=int(schedule.get("remind_before_days", 7))),
        due_at=due_at,
        close_at=due_at + timedelta(days=int(schedule.get("grace_days", 7))),
    )
