"""Pricing and reciprocity, without I/O: what a facility's use, a delivered assignment and a trainee's attendance
abroad cost, and where each partner stands (what its cohorts used of others' facilities against what its
facilities hosted)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any


def facility_rate(rates: Sequence[Mapping[str, Any]], kind: str, host: str) -> int | None:
    """The hourly rate of a kind of facility at this host: the host's own rate if the card names one, else the
    kind's rate for any host; None when the card prices neither."""
    for wanted in (host, None):
        for rate in rates:
            if rate["kind"] == kind and rate.get("host_country_code") == wanted:
                return int(rate["per_hour"])
    return None


def stipend_rate(rates: Sequence[Mapping[str, Any]], role: str) -> int | None:
    return next((int(rate["per_day"]) for rate in rates if rate["role"] == role), None)


def allowance(rates: Sequence[Mapping[str, Any]], venue: str, days: int) -> tuple[int, int] | None:
    """(travel, subsistence) for a trainee who spent `days` at a cohort in `venue`: the venue's own rate if the
    card names one, else the rate for any venue; None when the card prices neither."""
    for wanted in (venue, None):
        for rate in rates:
            if rate.get("venue_country_code") == wanted:
                return int(rate["travel_per_trip"]), int(rate["subsistence_per_day"]) * days
    return None


def facility_amount(hours: Decimal, per_hour: int) -> int:
    """Minor units, rounded half up to the unit (5.25 h at 1,001 = 5,255.25 -> 5,255)."""
    return int((hours * per_hour).quantize(Decimal(1), rounding=ROUND_HALF_UP))


@dataclass(frozen=True)
class Use:
    user: str
    host: str
    amount: int


@dataclass(frozen=True)
class Position:
    country_code: str
    used: int
    """What its cohorts' use of other partners' facilities cost."""
    hosted: int
    """What other partners' cohorts paid for using its facilities."""

    @property
    def net(self) -> int:
        return self.hosted - self.used


def positions(uses: Iterable[Use]) -> list[Position]:
    """Per country, used against hosted; a partner using its own facility is neither (it pays itself)."""
    used: dict[str, int] = {}
    hosted: dict[str, int] = {}
    for use in uses:
        if use.user == use.host:
            continue
        used[use.user] = used.get(use.user, 0) + use.amount
        hosted[use.host] = hosted.get(use.host, 0) + use.amount
    return [Position(c, used.get(c, 0), hosted.get(c, 0)) for c in sorted(used.keys() | hosted.keys())]
