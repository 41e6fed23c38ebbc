"""Rules of learning analytics, with no I/O: when a group is too small to show another country, and which
totals would give a hidden group away by differencing.

A viewer sees a (cohort, country) group's outcomes when it is its own country's, when it organises the cohort,
or when the group has `MIN_GROUP` enrolled trainees or more; otherwise the group is hidden. Outcomes are sums
(completions, minutes, scores), so any published figure that covers a hidden group next to visible ones would
reveal it as a difference:
- a cohort's totals (and its per-module figures, which span every country) are withheld whenever one of its
  groups is hidden to the viewer;
- a country's figures across a partnership's cohorts leave out the cohorts where that country is hidden unless
  those hidden groups together reach `MIN_GROUP` trainees (then the difference is itself a large enough group);
  what remains is shown only if it reaches `MIN_GROUP` (or is the viewer's own).
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from typing import TypeVar

MIN_GROUP = 3
"""Another country's outcomes are shown for groups of at least this many trainees: fewer would name people."""

C = TypeVar("C", bound=Hashable)


def group_visible(*, enrolled: int, country: str, viewer: str, organiser: str | None = None) -> bool:
    return viewer in (country, organiser) or enrolled >= MIN_GROUP


def totals_shown(groups_visible: Mapping[str, bool]) -> bool:
    """A cohort's totals: only when the viewer sees every group in it."""
    return all(groups_visible.values())


def cohorts_counted(
    enrolled_by_cohort: Mapping[C, int], visible_by_cohort: Mapping[C, bool], *, own: bool
) -> frozenset[C] | None:
    """The cohorts a country's partnership-wide figures may add up (None: they are withheld). `own`: the viewer's
    country, which sees all of its own."""
    if own:
        return frozenset(enrolled_by_cohort)
    hidden = sum(n for cohort, n in enrolled_by_cohort.items() if not visible_by_cohort[cohort])
    counted = frozenset(
        cohort for cohort in enrolled_by_cohort if visible_by_cohort[cohort] or hidden >= MIN_GROUP
    )
    return counted if sum(enrolled_by_cohort[c] for c in counted) >= MIN_GROUP else None
