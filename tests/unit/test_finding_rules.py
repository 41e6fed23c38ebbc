"""When a criterion counts as failed, how failures are tallied, and when an aggregate of people's results may go
to every member of a partnership (no member can difference it down to fewer than MIN_GROUP others)."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from rules.disclosure import MIN_GROUP, disclosable
from services.assessment.findings.rules import Scored, criterion_failed, tally

VERSION: dict[str, Any] = {
    "dimensions": [{"key": "technical_proficiency", "weight": 1}, {"key": "human_rights", "weight": 1}],
    "criteria": [
        {"id": "imaging", "dimension": "technical_proficiency", "text": "Images a disk", "weight": 1},
        {"id": "rights", "dimension": "human_rights", "text": "Respects rights", "weight": 1},
    ],
    "levels": [{"score": s} for s in range(5)],
    "pass_rule": {"overall_minimum": 60, "dimension_minimum": 50, "dimension_minimums": {"human_rights": 75}},
}


def test_a_criterion_fails_below_its_dimensions_minimum_share_of_the_top_level() -> None:
    assert [criterion_failed(VERSION, "imaging", level) for level in range(5)] == [
        True,
        True,
        False,
        False,
        False,
    ]
    assert [criterion_failed(VERSION, "rights", level) for level in range(5)] == [
        True,
        True,
        True,
        False,
        False,
    ], "human rights needs 75%: level 3 of 4"


def test_the_tally_puts_the_most_failed_first_and_publishes_only_disclosable_counts() -> None:
    scored = [Scored("SN", {"imaging": 4, "rights": 2}) for _ in range(3)] + [
        Scored("BR", {"imaging": 1, "rights": 2}) for _ in range(3)
    ]
    rights, imaging = tally(VERSION, scored)
    assert (rights.criterion_id, rights.failed, rights.assessed, rights.publishable) == ("rights", 6, 6, True)
    assert (imaging.failed, imaging.failed_by_country, imaging.publishable) == (3, {"BR": 3}, True)
    few = tally(VERSION, scored[:3] + scored[3:4])
    assert [(t.criterion_id, t.failed, t.publishable) for t in few] == [
        ("rights", 4, False),
        ("imaging", 1, False),
    ], "Senegal would learn Brazil's single trainee's result by subtracting its own three"


def test_disclosure_needs_a_group_and_every_remainder_empty_or_a_group() -> None:
    assert not disclosable({})
    assert not disclosable({"SN": MIN_GROUP - 1})
    assert disclosable({"SN": MIN_GROUP}), "one country alone: the others learn a group's figure"
    assert not disclosable({"SN": 5, "BR": 1}), "Senegal subtracts its five and sees Brazil's one"
    assert disclosable({"SN": 3, "BR": 3})
    assert disclosable({"SN": 2, "BR": 2, "GH": 2}), "any member's remainder is four people"


@given(st.dictionaries(st.sampled_from(["SN", "BR", "GH", "FR"]), st.integers(min_value=0, max_value=8)))
def test_whatever_a_member_subtracts_leaves_nobody_or_a_group(counts: dict[str, int]) -> None:
    if disclosable(counts):
        total = sum(counts.values())
        assert total >= MIN_GROUP
        for own in counts.values():
            assert total - own in (0,) or total - own >= MIN_GROUP
