"""Decisions of a partnership's oversight body: opened, voted on (quorum, vetoes), reminded, closed at deadline."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from backbone.errors import Conflict, DomainError, NotFound
from backbone.idempotency import IdempotentRequest, Outcome, answer_once
from backbone.outbox import add_event
from backbone.pagination import InvalidCursor, decode_cursor, encode_cursor, keyset_page
from contracts.events.partners import (
    DecisionClosedV1,
    DecisionOpenedV1,
    DecisionReminderSentV1,
    VoteCastV1,
)
from rules import governance
from services.partners import SOURCE
from services.partners.decisions.schemas import (
    DecisionIn,
    DecisionOut,
    ElectorOut,
    MemberDecisionOut,
    ReminderRequest,
    TallyOut,
    VoteIn,
    VoteOut,
)
from services.partners.handling.audiences import of_partnership
from services.partners.models import Decision, OversightMember, Partnership, Vote
from services.partners.partnerships.schemas import (
    VotingRuleIn,
)
from services.partners.partnerships.service import _partnership
from services.partners.problems import Unprocessable, _field_error


def _rule(decision: Decision) -> governance.VotingRule:
    return governance.VotingRule(**decision.rule)


def _electorate(decision: Decision) -> list[governance.Member]:
    return [governance.Member(**m) for m in decision.electorate]


async def _ballots(session: AsyncSession, decision_id: uuid.UUID) -> list[Vote]:
    return list(
        await session.scalars(select(Vote).where(Vote.decision_id == decision_id).order_by(Vote.cast_at))
    )


def _tally(decision: Decision, votes: list[Vote], *, now: datetime) -> governance.Tally:
    ballots = [governance.Ballot(str(v.member_id), v.choice, v.reason) for v in votes]
    return governance.tally(
        _rule(decision), _electorate(decision), ballots, deadline_passed=now >= decision.due_at
    )


def decision_view(decision: Decision, votes: list[Vote], *, now: datetime) -> DecisionOut:
    tally = _tally(decision, votes, now=now)
    outcome = decision.outcome if decision.outcome != "open" else tally.outcome
    return DecisionOut(
        id=decision.id,
        partnership_id=decision.partnership_id,
        kind=decision.kind,
        title=decision.title,
        description=decision.description,
        due_at=decision.due_at,
        opened_at=decision.opened_at,
        outcome=outcome,
        closed_at=decision.closed_at,
        subject=decision.subject,
        voting_rule=VotingRuleIn(**decision.rule),
        electorate=[ElectorOut(**m) for m in decision.electorate],
        tally=TallyOut(
            approvals=tally.approvals,
            rejections=tally.rejections,
            abstentions=tally.abstentions,
            not_voted=tally.not_voted,
            needed=tally.needed,
            reached=tally.reached,
            vetoed_by=tally.vetoed_by,
        ),
        votes=[VoteOut.model_validate(v) for v in votes],
    )


async def open_decision(
    session: AsyncSession,
    *,
    partnership_id: uuid.UUID,
    proposal: DecisionIn,
    idempotency: IdempotentRequest | None,
) -> Outcome:
    async with session.begin():
        return await answer_once(
            session, idempotency, lambda: _open_decision(session, partnership_id, proposal)
        )


async def decision_about(session: AsyncSession, subject: str) -> Decision | None:
    found: Decision | None = await session.scalar(select(Decision).where(Decision.subject == subject))
    return found


async def open_requested_decision(
    session: AsyncSession, *, partnership_id: uuid.UUID, proposal: DecisionIn
) -> None:
    """Another service asked for a decision (by event, inside the consumer's transaction); once per subject."""
    assert proposal.subject, "a requested decision names its subject"
    if await decision_about(session, proposal.subject) is None:
        await _open_decision(session, partnership_id, proposal)


async def _open_decision(session: AsyncSession, partnership_id: uuid.UUID, proposal: DecisionIn) -> Outcome:
    partnership = await _partnership(session, partnership_id, lock=True)
    now = datetime.now(UTC)
    if proposal.due_at <= now:
        raise _field_error("due_in_past", "due_at must be in the future.", "due_at")
    if proposal.subject and await decision_about(session, proposal.subject):
        raise Conflict(f"A decision about {proposal.subject} exists already.", code="subject_has_decision")
    body = (
        await session.scalars(select(OversightMember).where(OversightMember.partnership_id == partnership.id))
    ).all()
    electorate = [governance.Member(str(m.id), m.country_code, m.role, m.holds_veto) for m in body]
    rule = governance.VotingRule(
        partnership.quorum_kind,
        partnership.approvals_needed,
        partnership.country_share,
    )
    try:
        governance.validate_rule(rule, electorate)
    except ValueError as exc:
        raise Unprocessable(
            f"The oversight body cannot decide under its voting rule: {exc}.",
            code="voting_rule_unsatisfiable",
        ) from exc
    decision = Decision(
        id=uuid.uuid4(),
        partnership_id=partnership.id,
        kind=proposal.kind,
        title=proposal.title,
        description=proposal.description,
        due_at=proposal.due_at,
        opened_at=now,
        outcome="open",
        subject=proposal.subject,
        electorate=[
            {
                "member_id": m.member_id,
                "country_code": m.country_code,
                "role": m.role,
                "holds_veto": m.holds_veto,
            }
            for m in electorate
        ],
        rule={
            "kind": rule.kind,
            "approvals_needed": rule.approvals_needed,
            "country_share": rule.country_share,
        },
    )
    session.add(decision)
    await session.flush()
    await add_event(
        session,
        DecisionOpenedV1(
            partnership_id=str(partnership.id),
            decision_id=str(decision.id),
            kind=proposal.kind,
            title=decision.title,
            due_at=decision.due_at,
            opened_at=now,
            subject=decision.subject,
        ),
        aggregate_id=str(partnership.id),
        source=SOURCE,
        release=await of_partnership(session, partnership.id),
    )
    view = decision_view(decision, [], now=now)
    return Outcome(201, view.model_dump(mode="json"), {"Location": f"/decisions/{decision.id}"})


BALLOT_STATUS = {
    "not_a_member": (422, "member_id"),
    "reason_required": (422, "reason"),
    "already_voted": (409, None),
    "decision_closed": (409, None),
}


async def cast_vote(
    session: AsyncSession, *, decision_id: uuid.UUID, vote: VoteIn, idempotency: IdempotentRequest | None
) -> Outcome:
    async with session.begin():
        return await answer_once(session, idempotency, lambda: _cast_vote(session, decision_id, vote))


async def _cast_vote(session: AsyncSession, decision_id: uuid.UUID, vote: VoteIn) -> Outcome:
    decision = await _decision_for_update(session, decision_id)
    now = datetime.now(UTC)
    votes = await _ballots(session, decision.id)
    standing = _tally(decision, votes, now=now).outcome if decision.outcome == "open" else decision.outcome
    ballot = governance.Ballot(str(vote.member_id), vote.choice, vote.reason)
    try:
        governance.validate_ballot(
            _electorate(decision),
            [governance.Ballot(str(v.member_id), v.choice) for v in votes],
            ballot,
            outcome=standing,
        )
    except governance.BallotRejected as exc:
        status, field = BALLOT_STATUS[exc.code]
        errors = [{"field": field, "in": "body", "code": exc.code, "message": exc.detail}] if field else None
        raise DomainError(
            exc.detail,
            code=exc.code,
            status=status,
            title="The vote cannot be counted",
            errors=errors,
        ) from exc
    row = Vote(
        decision_id=decision.id, member_id=vote.member_id, choice=vote.choice, reason=vote.reason, cast_at=now
    )
    session.add(row)
    await session.flush()
    votes.append(row)
    member = next(m for m in _electorate(decision) if m.member_id == str(vote.member_id))
    await add_event(
        session,
        VoteCastV1(
            partnership_id=str(decision.partnership_id),
            decision_id=str(decision.id),
            member_id=member.member_id,
            country_code=member.country_code,
            choice=vote.choice,
            reason=vote.reason,
            cast_at=now,
        ),
        aggregate_id=str(decision.partnership_id),
        source=SOURCE,
        release=await of_partnership(session, decision.partnership_id),
    )
    tally = _tally(decision, votes, now=now)
    if tally.outcome in governance.FINAL:
        await _close(session, decision, tally, now=now)
    return Outcome(201, decision_view(decision, votes, now=now).model_dump(mode="json"))


async def _close(
    session: AsyncSession, decision: Decision, tally: governance.Tally, *, now: datetime
) -> None:
    decision.outcome = tally.outcome
    decision.closed_at = now
    await add_event(
        session,
        DecisionClosedV1(
            partnership_id=str(decision.partnership_id),
            decision_id=str(decision.id),
            kind=decision.kind,
            outcome=tally.outcome,
            approvals=tally.approvals,
            rejections=tally.rejections,
            abstentions=tally.abstentions,
            vetoed_by=tally.vetoed_by,
            closed_at=now,
            subject=decision.subject,
        ),
        aggregate_id=str(decision.partnership_id),
        source=SOURCE,
        release=await of_partnership(session, decision.partnership_id),
    )


async def get_decision(session: AsyncSession, *, decision_id: uuid.UUID) -> DecisionOut:
    decision = await session.get(Decision, decision_id)
    if decision is None:
        raise NotFound(f"No decision with id {decision_id}.", code="decision_not_found")
    return decision_view(decision, await _ballots(session, decision.id), now=datetime.now(UTC))


async def list_decisions(
    session: AsyncSession,
    *,
    partnership_id: uuid.UUID,
    limit: int,
    cursor: str | None,
    kind: str | None,
    outcome: str | None,
) -> tuple[list[DecisionOut], str | None]:
    await _partnership(session, partnership_id)
    query = select(Decision).where(Decision.partnership_id == partnership_id)
    if kind:
        query = query.where(Decision.kind == kind)
    if outcome:
        query = query.where(Decision.outcome == outcome)
    rows, next_cursor = await keyset_page(
        session, query, created=Decision.opened_at, key=Decision.id, limit=limit, cursor=cursor
    )
    now = datetime.now(UTC)
    return [decision_view(row, await _ballots(session, row.id), now=now) for row in rows], next_cursor


async def close_decision_at_deadline(session: AsyncSession, *, decision_id: uuid.UUID) -> Outcome:
    """Called when the due time has come: the decision closes as the votes stand (idempotent)."""
    async with session.begin():
        decision = await _decision_for_update(session, decision_id)
        votes = await _ballots(session, decision.id)
        now = datetime.now(UTC)
        if decision.outcome == "open":
            if now < decision.due_at:
                # 425: the caller's clock ran ahead of ours; a timer that fires a moment early simply retries.
                raise DomainError(
                    f"The decision is due at {decision.due_at.isoformat()}.",
                    code="decision_not_due",
                    status=425,
                    title="Too early",
                )
            await _close(session, decision, _tally(decision, votes, now=now), now=now)
        return Outcome(200, decision_view(decision, votes, now=now).model_dump(mode="json"))


async def send_reminders(
    session: AsyncSession,
    *,
    decision_id: uuid.UUID,
    request: ReminderRequest,
    idempotency: IdempotentRequest | None,
) -> Outcome:
    async with session.begin():
        return await answer_once(session, idempotency, lambda: _send_reminders(session, decision_id, request))


async def _send_reminders(session: AsyncSession, decision_id: uuid.UUID, request: ReminderRequest) -> Outcome:
    decision = await _decision_for_update(session, decision_id)
    if decision.outcome != "open":
        raise Conflict(f"The decision is {decision.outcome}; nobody needs reminding.", code="decision_closed")
    voted = {str(v.member_id) for v in await _ballots(session, decision.id)}
    electorate = _electorate(decision)
    targets = [m.member_id for m in electorate if request.kind == "escalation" or m.member_id not in voted]
    now = datetime.now(UTC)
    await add_event(
        session,
        DecisionReminderSentV1(
            partnership_id=str(decision.partnership_id),
            decision_id=str(decision.id),
            kind=request.kind,
            member_ids=targets,
            due_at=decision.due_at,
            sent_at=now,
        ),
        aggregate_id=str(decision.partnership_id),
        source=SOURCE,
        release=await of_partnership(session, decision.partnership_id),
    )
    return Outcome(200, {"decision_id": str(decision.id), "kind": request.kind, "member_ids": targets})


async def _decision_for_update(session: AsyncSession, decision_id: uuid.UUID) -> Decision:
    decision = (
        await session.execute(select(Decision).where(Decision.id == decision_id).with_for_update())
    ).scalar_one_or_none()
    if decision is None:
        raise NotFound(f"No decision with id {decision_id}.", code="decision_not_found")
    return decision


async def member_decisions(
    session: AsyncSession, *, member_ids: list[uuid.UUID], pending: bool, limit: int, cursor: str | None
) -> tuple[list[MemberDecisionOut], str | None]:
    """The pending decisions of a person's oversight seats (open, not yet voted, soonest due first) or their
    history (closed, or voted; newest first), a page at a time across all the seats."""
    after = _decision_position(cursor) if cursor else None
    lines: list[MemberDecisionOut] = []
    for member_id in member_ids:
        lines += await _seat_decisions(
            session, member_id=member_id, pending=pending, limit=limit, after=after
        )
    lines.sort(key=lambda line: _position_of(line, pending), reverse=not pending)
    if len(lines) <= limit:
        return lines, None
    at, key = _position_of(lines[limit - 1], pending)
    return lines[:limit], encode_cursor([at.isoformat(), key])


def _position_of(line: MemberDecisionOut, pending: bool) -> tuple[datetime, str]:
    return (line.decision.due_at if pending else line.decision.opened_at), str(line.decision.id)


def _decision_position(cursor: str) -> tuple[datetime, uuid.UUID]:
    at, key = decode_cursor(cursor, arity=2)
    try:
        return datetime.fromisoformat(at), uuid.UUID(key)
    except (TypeError, ValueError) as exc:
        raise InvalidCursor() from exc


async def _seat_decisions(
    session: AsyncSession,
    *,
    member_id: uuid.UUID,
    pending: bool,
    limit: int,
    after: tuple[datetime, uuid.UUID] | None,
) -> list[MemberDecisionOut]:
    now = datetime.now(UTC)
    voted = select(Vote.decision_id).where(Vote.member_id == member_id)
    query = (
        select(Decision, Partnership.name)
        .join(Partnership, Partnership.id == Decision.partnership_id)
        .where(Decision.electorate.contains([{"member_id": str(member_id)}]))
    )
    if pending:
        query = query.where(
            Decision.outcome == "open", Decision.due_at > now, Decision.id.not_in(voted)
        ).order_by(Decision.due_at, Decision.id)
        if after:
            query = query.where(tuple_(Decision.due_at, Decision.id) > tuple_(*after))
    else:
        query = query.where((Decision.outcome != "open") | Decision.id.in_(voted)).order_by(
            Decision.opened_at.desc(), Decision.id.desc()
        )
        if after:
            query = query.where(tuple_(Decision.opened_at, Decision.id) < tuple_(*after))
    lines = []
    for decision, partnership_name in (await session.execute(query.limit(limit + 1))).all():
        votes = await _ballots(session, decision.id)
        mine = next((v for v in votes if v.member_id == member_id), None)
        lines.append(
            MemberDecisionOut(
                decision=decision_view(decision, votes, now=now),
                partnership_name=partnership_name,
                seat_id=member_id,
                my_vote=VoteOut.model_validate(mine) if mine else None,
            )
        )
    return lines
