"""Quorum and veto rules of oversight bodies: examples a diplomat would check, and properties for all bodies."""

from __future__ import annotations

import itertools
import random
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rules.governance import (
    FINAL,
    Ballot,
    BallotRejected,
    Choice,
    Member,
    VotingRule,
    tally,
    validate_ballot,
    validate_rule,
)

BODY = [
    Member("fr-dip", "FR", "diplomat", holds_veto=True),
    Member("fr-pol", "FR", "senior_police_official"),
    Member("sn-dip", "SN", "diplomat"),
    Member("sn-jus", "SN", "justice_ministry_representative"),
    Member("br-pol", "BR", "senior_police_official"),
]
THREE_OF_FIVE = VotingRule("members", approvals_needed=3)
TWO_THIRDS_OF_COUNTRIES = VotingRule("countries", country_share=2 / 3)


def ballots(*pairs: tuple[str, str]) -> list[Ballot]:
    return [Ballot(member, choice, "because") for member, choice in pairs]  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("votes", "deadline_passed", "expected"),
    [
        ((), False, "open"),
        ((), True, "expired"),
        ((("fr-pol", "approve"), ("sn-dip", "approve")), False, "open"),
        (
            (("fr-pol", "approve"), ("sn-dip", "approve"), ("br-pol", "approve")),
            False,
            "open",
        ),  # veto pending
        (
            (("fr-pol", "approve"), ("sn-dip", "approve"), ("br-pol", "approve")),
            True,
            "approved",
        ),  # veto waived
        (
            (("fr-pol", "approve"), ("sn-dip", "approve"), ("br-pol", "approve"), ("fr-dip", "abstain")),
            False,
            "approved",
        ),
        (
            (("fr-pol", "approve"), ("sn-dip", "approve"), ("br-pol", "approve"), ("fr-dip", "reject")),
            False,
            "vetoed",
        ),
        ((("fr-dip", "reject"),), False, "vetoed"),
        ((("sn-dip", "reject"), ("sn-jus", "reject"), ("br-pol", "reject")), False, "rejected"),  # 2 left < 3
        ((("sn-dip", "reject"), ("sn-jus", "abstain")), False, "open"),
        ((("sn-dip", "reject"), ("sn-jus", "abstain")), True, "expired"),
    ],
)
def test_three_of_five_members_with_a_french_veto(
    votes: tuple[tuple[str, str], ...], deadline_passed: bool, expected: str
) -> None:
    assert tally(THREE_OF_FIVE, BODY, ballots(*votes), deadline_passed=deadline_passed).outcome == expected


@pytest.mark.parametrize(
    ("votes", "deadline_passed", "expected"),
    [
        # FR and SN both approving (each by a majority of its voting members) is 2 of 3 countries.
        (
            (("fr-dip", "approve"), ("fr-pol", "approve"), ("sn-dip", "approve"), ("sn-jus", "approve")),
            False,
            "approved",
        ),
        # SN split 1-1 does not approve; BR has not voted; FR approves: 1 country so far.
        (
            (("fr-dip", "approve"), ("fr-pol", "approve"), ("sn-dip", "approve"), ("sn-jus", "reject")),
            False,
            "open",
        ),
        (
            (
                ("fr-dip", "approve"),
                ("fr-pol", "approve"),
                ("sn-dip", "approve"),
                ("sn-jus", "reject"),
                ("br-pol", "approve"),
            ),
            False,
            "approved",
        ),
        # SN and BR against: at most FR can approve, 1 < 2.
        ((("sn-dip", "reject"), ("sn-jus", "reject"), ("br-pol", "reject")), False, "rejected"),
        # FR approving now with its veto holder still to vote: not final before the deadline.
        ((("fr-pol", "approve"), ("br-pol", "approve")), False, "open"),
        ((("fr-pol", "approve"), ("br-pol", "approve")), True, "approved"),
    ],
)
def test_two_thirds_of_countries(
    votes: tuple[tuple[str, str], ...], deadline_passed: bool, expected: str
) -> None:
    assert (
        tally(TWO_THIRDS_OF_COUNTRIES, BODY, ballots(*votes), deadline_passed=deadline_passed).outcome
        == expected
    )


def test_ballots_are_validated_with_stable_codes() -> None:
    cast = ballots(("fr-pol", "approve"))
    for ballot, outcome, code in [
        (Ballot("xx-dip", "approve"), "open", "not_a_member"),
        (Ballot("fr-pol", "approve"), "open", "already_voted"),
        (Ballot("sn-dip", "approve"), "approved", "decision_closed"),
        (Ballot("sn-dip", "reject", "  "), "open", "reason_required"),
    ]:
        with pytest.raises(BallotRejected) as raised:
            validate_ballot(BODY, cast, ballot, outcome=outcome)  # type: ignore[arg-type]
        assert raised.value.code == code
    validate_ballot(BODY, cast, Ballot("sn-dip", "reject", "budget too high"), outcome="open")


def test_rules_must_fit_the_body() -> None:
    with pytest.raises(ValueError, match="needs 6 approvals"):
        validate_rule(VotingRule("members", approvals_needed=6), BODY)
    with pytest.raises(ValueError):
        VotingRule("countries", country_share=0)
    with pytest.raises(ValueError):
        VotingRule("members", approvals_needed=0)
    with pytest.raises(ValueError, match="at least one member"):
        validate_rule(THREE_OF_FIVE, [])


countries = st.sampled_from(["FR", "SN", "BR", "KE", "PH"])
members_strategy = st.lists(
    st.builds(
        Member,
        member_id=st.uuids().map(str),
        country_code=countries,
        role=st.sampled_from(["diplomat", "senior_police_official", "justice_ministry_representative"]),
        holds_veto=st.booleans(),
    ),
    min_size=1,
    max_size=9,
    unique_by=lambda m: m.member_id,
)


@st.composite
def bodies(draw: st.DrawFn) -> tuple[VotingRule, list[Member], list[Ballot]]:
    members = draw(members_strategy)
    if draw(st.booleans()):
        rule = VotingRule("members", approvals_needed=draw(st.integers(1, len(members))))
    else:
        rule = VotingRule("countries", country_share=draw(st.sampled_from([0.34, 0.5, 2 / 3, 0.75, 1.0])))
    voters = draw(st.lists(st.sampled_from(members), unique=True))
    cast = [Ballot(m.member_id, draw(st.sampled_from(["approve", "reject", "abstain"])), "r") for m in voters]
    return rule, members, cast


@settings(max_examples=400, deadline=None)
@given(bodies(), st.booleans(), st.randoms())
def test_the_order_of_ballots_does_not_matter(
    body: tuple[VotingRule, list[Member], list[Ballot]], deadline_passed: bool, rnd: random.Random
) -> None:
    rule, members, cast = body
    shuffled = list(cast)
    rnd.shuffle(shuffled)
    # Who vetoed first is a matter of order (ballots arrive in time order); everything else is not.
    assert replace(tally(rule, members, cast, deadline_passed=deadline_passed), vetoed_by=None) == replace(
        tally(rule, members, shuffled, deadline_passed=deadline_passed), vetoed_by=None
    )


@settings(max_examples=400, deadline=None)
@given(bodies(), st.booleans())
def test_a_veto_decides_and_only_a_veto_holder_can_veto(
    body: tuple[VotingRule, list[Member], list[Ballot]], deadline_passed: bool
) -> None:
    rule, members, cast = body
    vetoers = {m.member_id for m in members if m.holds_veto}
    result = tally(rule, members, cast, deadline_passed=deadline_passed)
    vetoed = any(b.choice == "reject" and b.member_id in vetoers for b in cast)
    assert (result.outcome == "vetoed") == vetoed
    if vetoed:
        assert result.vetoed_by in vetoers


@settings(max_examples=400, deadline=None)
@given(bodies())
def test_approval_means_the_quorum_was_reached(body: tuple[VotingRule, list[Member], list[Ballot]]) -> None:
    rule, members, cast = body
    for deadline_passed in (False, True):
        result = tally(rule, members, cast, deadline_passed=deadline_passed)
        if result.outcome == "approved":
            assert result.reached >= result.needed
        if rule.kind == "members" and result.outcome == "approved":
            assert result.approvals >= (rule.approvals_needed or 0)


@settings(max_examples=400, deadline=None)
@given(bodies())
def test_a_final_outcome_before_the_deadline_survives_every_remaining_vote(
    body: tuple[VotingRule, list[Member], list[Ballot]],
) -> None:
    """Finality: once the service closes a decision, no combination of the missing votes could have turned an
    approval into a refusal or the other way round (a rejection might have become a veto: still a refusal)."""
    rule, members, cast = body
    result = tally(rule, members, cast)
    if result.outcome not in FINAL:
        return
    voted = {b.member_id for b in cast}
    missing = [m for m in members if m.member_id not in voted][:5]
    for choices in itertools.product(["approve", "reject", "abstain"], repeat=len(missing)):
        later = cast + [Ballot(m.member_id, c, "r") for m, c in zip(missing, choices, strict=True)]  # type: ignore[arg-type]
        later_outcome = tally(rule, members, later).outcome
        if result.outcome == "rejected":
            assert later_outcome in {"rejected", "vetoed"}
        else:
            assert later_outcome == result.outcome


@settings(max_examples=200, deadline=None)
@given(members_strategy)
def test_unanimous_approval_always_approves(members: list[Member]) -> None:
    cast = [Ballot(m.member_id, "approve") for m in members]
    for rule in (
        VotingRule("members", approvals_needed=len(members)),
        VotingRule("countries", country_share=1.0),
    ):
        assert tally(rule, members, cast).outcome == "approved"


@settings(max_examples=200, deadline=None)
@given(bodies(), st.data())
def test_when_everyone_voted_the_decision_is_final(
    body: tuple[VotingRule, list[Member], list[Ballot]], data: st.DataObject
) -> None:
    rule, members, _ = body
    choices: st.SearchStrategy[Choice] = st.sampled_from(["approve", "reject", "abstain"])
    cast = [Ballot(m.member_id, data.draw(choices), "r") for m in members]
    assert tally(rule, members, cast).outcome in {"approved", "rejected", "vetoed"}
