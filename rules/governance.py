"""Oversight-body voting rules: who may vote, what a tally means. Pure functions, no I/O.

A decision (phase gate, budget, curriculum approval, dispute resolution) is voted by the members of a
partnership's oversight body. Its rule is a quorum, either `n` approving members of `m`, or a share of the
member countries (a country approves when more of its voting members approve than reject). Members holding a
veto end the decision by rejecting. A decision is final as soon as its outcome can no longer change:

- vetoed: a veto holder rejected;
- approved: the quorum is reached and no veto holder is left who could still veto;
- rejected: the quorum can no longer be reached, whatever the members who have not voted do;
- expired: the deadline passed while it was still open (at the deadline, a reached quorum approves: a veto
  holder who did not vote in time waived the veto).

The workflows use `validate_ballot` in their Update validators, and the partners service uses the same
functions when it records votes, so a caller gets the same answer wherever the vote arrives.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

MemberRole = Literal["diplomat", "senior_police_official", "justice_ministry_representative"]
Choice = Literal["approve", "reject", "abstain"]
DecisionOutcome = Literal["open", "approved", "rejected", "vetoed", "expired"]
FINAL: frozenset[str] = frozenset({"approved", "rejected", "vetoed", "expired"})


@dataclass(frozen=True)
class Member:
    member_id: str
    country_code: str
    role: MemberRole
    holds_veto: bool = False


@dataclass(frozen=True)
class VotingRule:
    """`members`: at least `approvals_needed` approving members. `countries`: at least `country_share` of the
    member countries approving (rounded up)."""

    kind: Literal["members", "countries"]
    approvals_needed: int | None = None
    country_share: float | None = None

    def __post_init__(self) -> None:
        if self.kind == "members" and (self.approvals_needed is None or self.approvals_needed < 1):
            raise ValueError("a members quorum needs approvals_needed >= 1")
        if self.kind == "countries" and (self.country_share is None or not 0 < self.country_share <= 1):
            raise ValueError("a countries quorum needs 0 < country_share <= 1")


@dataclass(frozen=True)
class Ballot:
    member_id: str
    choice: Choice
    reason: str | None = None


@dataclass(frozen=True)
class Tally:
    outcome: DecisionOutcome
    approvals: int
    rejections: int
    abstentions: int
    not_voted: int
    needed: int
    """Approving members (members quorum) or approving countries (countries quorum) needed."""
    reached: int
    """Approving members or countries so far."""
    vetoed_by: str | None = None


class BallotRejected(ValueError):
    """A vote that cannot be counted; `code` is stable for problem+json and Update validators."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail


def validate_rule(rule: VotingRule, members: Sequence[Member]) -> None:
    """A rule must be satisfiable by the body it governs."""
    if not members:
        raise ValueError("an oversight body needs at least one member")
    if rule.kind == "members" and (rule.approvals_needed or 0) > len(members):
        raise ValueError(
            f"the quorum needs {rule.approvals_needed} approvals but the body has {len(members)} members"
        )


def validate_ballot(
    members: Sequence[Member], ballots: Iterable[Ballot], ballot: Ballot, *, outcome: DecisionOutcome
) -> None:
    """Raise BallotRejected for a vote that must not be counted."""
    if outcome != "open":
        raise BallotRejected(
            "decision_closed", f"The decision is already {outcome}; no more votes are counted."
        )
    if ballot.member_id not in {m.member_id for m in members}:
        raise BallotRejected("not_a_member", f"{ballot.member_id} is not a member of this oversight body.")
    if any(b.member_id == ballot.member_id for b in ballots):
        raise BallotRejected("already_voted", f"{ballot.member_id} has already voted on this decision.")
    if ballot.choice == "reject" and not (ballot.reason and ballot.reason.strip()):
        raise BallotRejected("reason_required", "A rejection must give its reason.")


def tally(
    rule: VotingRule, members: Sequence[Member], ballots: Iterable[Ballot], *, deadline_passed: bool = False
) -> Tally:
    """The decision's standing. Ballots of non-members and second ballots of a member are ignored."""
    by_id = {m.member_id: m for m in members}
    counted: dict[str, Ballot] = {}
    for ballot in ballots:
        if ballot.member_id in by_id and ballot.member_id not in counted:
            counted[ballot.member_id] = ballot
    choices = [b.choice for b in counted.values()]
    approvals, rejections, abstentions = (
        choices.count("approve"),
        choices.count("reject"),
        choices.count("abstain"),
    )
    not_voted = len(members) - len(counted)

    veto = next(
        (b.member_id for b in counted.values() if b.choice == "reject" and by_id[b.member_id].holds_veto),
        None,
    )
    if rule.kind == "members":
        needed = rule.approvals_needed or 0
        reached = secured = approvals  # an approval cannot be taken back
        reachable = approvals + not_voted
    else:
        needed, reached, secured, reachable = _countries(rule, members, counted)

    def result(outcome: DecisionOutcome) -> Tally:
        return Tally(outcome, approvals, rejections, abstentions, not_voted, needed, reached, veto)

    if veto is not None:
        return result("vetoed")
    veto_pending = any(m.holds_veto and m.member_id not in counted for m in members)
    if deadline_passed and reached >= needed:
        return result("approved")
    if secured >= needed and not veto_pending:
        return result("approved")
    if reachable < needed:
        return result("rejected")
    return result("expired" if deadline_passed else "open")


def _countries(
    rule: VotingRule, members: Sequence[Member], counted: dict[str, Ballot]
) -> tuple[int, int, int, int]:
    """Needed, approving now, approving whatever the others vote, and approving at best."""
    approve: dict[str, int] = defaultdict(int)
    reject: dict[str, int] = defaultdict(int)
    pending: dict[str, int] = defaultdict(int)
    countries = sorted({m.country_code for m in members})
    for member in members:
        ballot = counted.get(member.member_id)
        if ballot is None:
            pending[member.country_code] += 1
        elif ballot.choice == "approve":
            approve[member.country_code] += 1
        elif ballot.choice == "reject":
            reject[member.country_code] += 1
    needed = math.ceil((rule.country_share or 0) * len(countries) - 1e-9)
    reached = sum(1 for c in countries if approve[c] > reject[c])
    secured = sum(1 for c in countries if approve[c] > reject[c] + pending[c])
    reachable = sum(1 for c in countries if approve[c] + pending[c] > reject[c])
    return max(needed, 1), reached, secured, reachable
