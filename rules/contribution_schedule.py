"""When a partner's contribution falls due: its amount in equal instalments spread over the fiscal period, and,
when the amount changes, what is still owed spread over the instalments still ahead. Pure; amounts in minor
units, always adding up exactly."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

GRACE = timedelta(days=30)
"""An amount owed with no instalment date left falls due this long after the change."""


@dataclass(frozen=True)
class Instalment:
    number: int
    due_on: date
    amount: int


def due_dates(starts_on: date, ends_on: date, count: int) -> list[date]:
    """`count` dates spread evenly over the period: the first on its first day, each after an equal stretch."""
    days = (ends_on - starts_on).days + 1
    return [starts_on + timedelta(days=days * index // count) for index in range(count)]


def split(amount: int, count: int) -> list[int]:
    """Equal parts adding up to `amount`; the first parts take the remainder (one minor unit each)."""
    base, extra = divmod(amount, count)
    return [base + (1 if index < extra else 0) for index in range(count)]


def schedule(amount: int, *, starts_on: date, ends_on: date, count: int) -> list[Instalment]:
    dates = due_dates(starts_on, ends_on, count)
    return [
        Instalment(number + 1, due_on, part)
        for number, (due_on, part) in enumerate(zip(dates, split(amount, count), strict=True))
        if part > 0
    ]


def reschedule(
    owed: int, *, starts_on: date, ends_on: date, count: int, today: date, first_number: int
) -> list[Instalment]:
    """What is still `owed` (the new amount less what was paid), over the instalment dates from `today` on; with
    none left, all of it due after the grace period. Numbers continue from `first_number`."""
    if owed <= 0:
        return []
    ahead = [due_on for due_on in due_dates(starts_on, ends_on, count) if due_on >= today]
    if not ahead:
        ahead = [today + GRACE]
    parts = split(owed, len(ahead))
    return [
        Instalment(first_number + index, due_on, part)
        for index, (due_on, part) in enumerate(zip(ahead, parts, strict=True))
        if part > 0
    ]
