"""Periods of agreements and commitments: when something that runs through a day ends."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

DAY = 86400.0
"""Seconds in a day (workflow timers are in seconds)."""


def expiry_of(ends_on: date) -> datetime:
    """A commitment runs through its last day (UTC); it expires at the following midnight."""
    return datetime.combine(ends_on + timedelta(days=1), time(0, 0), tzinfo=UTC)
