"""Rules of cohorts, with no I/O: how a cohort's seats are shared among partner countries from their seat
commitments, and where an approved nomination lands (a seat, or the waiting list)."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Literal


def allocate_seats(capacity: int, pledges: Mapping[str, Decimal]) -> dict[str, int]:
    """Share `capacity` among countries in proportion to the seats they pledged (largest remainder method).

    Every seat is given out; a country that pledged nothing gets none; a country never gets more than it
    pledged when the pledges cover the capacity. Ties for the last seats go to the larger pledge, then to the
    country code (so the result does not depend on the order of the mapping).
    """
    if capacity < 0:
        raise ValueError("capacity must not be negative")
    pledged = {country: amount for country, amount in pledges.items() if amount > 0}
    total = sum(pledged.values(), Decimal(0))
    if not pledged or capacity == 0:
        return dict.fromkeys(pledges, 0)
    scale = Decimal(capacity) / total if total > capacity else Decimal(1)
    share = {country: amount * scale for country, amount in pledged.items()}
    base = {country: int(value) for country, value in share.items()}
    left = min(capacity, int(total)) - sum(base.values())
    for country in sorted(pledged, key=lambda c: (-(share[c] - base[c]), -pledged[c], c))[:left]:
        base[country] += 1
    return {country: base.get(country, 0) for country in pledges}


Placement = Literal["enrolled", "waitlisted"]


def placement(seats: int, enrolled: int) -> Placement:
    """An approved nomination takes one of its country's seats while any is free; otherwise it waits."""
    return "enrolled" if enrolled < seats else "waitlisted"
