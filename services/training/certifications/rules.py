"""The rules of certifications, without I/O: who is eligible, when a certification expires, its status now."""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

Status = Literal["valid", "expired", "suspended", "revoked"]


class NotEligible(ValueError):
    pass


def check_eligible(*, completed: bool) -> None:
    """A certification needs the curriculum completed (and a passed assessment: `evidence.passed_assessment`)."""
    if not completed:
        raise NotEligible("the curriculum is not completed")


def expiry(issued_on: date, *, validity_months: int, time_zone: str) -> tuple[date, datetime]:
    """The last valid day (the same day of the month `validity_months` later, or that month's last day) and
    the instant it ends: midnight after it, in the issuing partnership's time zone, as UTC."""
    years, month_index = divmod(issued_on.month - 1 + validity_months, 12)
    year, month = issued_on.year + years, month_index + 1
    expires_on = date(year, month, min(issued_on.day, calendar.monthrange(year, month)[1]))
    end = datetime.combine(expires_on + timedelta(days=1), time.min, tzinfo=ZoneInfo(time_zone))
    return expires_on, end.astimezone(UTC)


def status_at(*, recorded: str, expires_at: datetime, now: datetime) -> Status:
    """Revoked and suspended say so whatever the date; otherwise valid until the expiry instant."""
    if recorded in ("revoked", "suspended"):
        return recorded  # type: ignore[return-value]
    return "expired" if now >= expires_at else "valid"
