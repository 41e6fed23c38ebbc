"""When an aggregate of people's results may be published to every member of a partnership, with no I/O.

A count over several countries' trainees is published only when no member can difference it down to fewer than
`MIN_GROUP` people of other countries: the whole group reaches `MIN_GROUP`, and for every country that
contributed, what the others contributed is either nothing or at least `MIN_GROUP` (a country knows its own
trainees' results, so the total minus its own is what the figure tells it about the others).
"""

from __future__ import annotations

from collections.abc import Mapping

MIN_GROUP = 3
"""The smallest group of people a published figure may describe (as training's learning analytics)."""


def disclosable(counts_by_country: Mapping[str, int]) -> bool:
    total = sum(counts_by_country.values())
    if total < MIN_GROUP:
        return False
    return all(total - own == 0 or total - own >= MIN_GROUP for own in counts_by_country.values() if own)
