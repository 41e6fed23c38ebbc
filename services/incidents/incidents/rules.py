"""Rules of incidents, with no I/O: severity order, what an affected partner may be told, and when a step is
late."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from rules.releasability import Audience

SEVERITIES = ("low", "moderate", "high", "critical")


def rank(severity: str) -> int:
    return SEVERITIES.index(severity)


def escalates(severity: str, threshold: str) -> bool:
    return rank(severity) >= rank(threshold)


@dataclass(frozen=True)
class Notice:
    details_released: bool
    description: str | None


def notice_for(country: str, *, audience: Audience, description: str) -> Notice:
    """An affected partner outside the incident's audience learns that an incident touches it (kind, severity,
    environment, whom to ask), never its description: the originator's handling code decides."""
    if audience.includes(country):
        return Notice(True, description)
    return Notice(False, None)


def minutes_between(start: datetime, end: datetime) -> int:
    return max(0, int((end - start).total_seconds() // 60))


def is_late(*, started: datetime, finished: datetime, limit_minutes: int, grace_minutes: int = 0) -> bool:
    return minutes_between(started, finished) > limit_minutes + grace_minutes
