"""Use cases of partnerships and their governance: registration, oversight bodies, decisions and votes.

Each public coroutine owns one transaction and the outbox rows announcing its change. Vote counting is the
pure logic of `governance`, so the onboarding workflow's Update validators and this service agree.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from backbone.errors import Conflict, DomainError, NotFound
from backbone.idempotency import IdempotentRequest, Outcome, answer_once
from backbone.outbox import add_event
from backbone.pagination import keyset_page
from contracts.events.partners import (
    DecisionClosedV1,
    DecisionOpenedV1,
    DecisionReminderSentV1,
    OversightMemberAddedV1,
    PartnershipMemberAddedV1,
    PartnershipMemberV1,
    PartnershipPhaseAdvancedV1,
    PartnershipRegisteredV1,
    VoteCastV1,
)
from rules import governance
from rules.phases import NEXT_PHASE
from services.partners.agencies.schemas import (
    AgreementIn,
    AmendmentIn,
    DecisionIn,
    DecisionOut,
    ElectorOut,
    MemberAddedOut,
    MemberDecisionOut,
    MemberOut,
    OversightMemberIn,
    OversightMemberOut,
    PartnershipOut,
    PartnershipRegistration,
    PhaseAdvance,
    ReminderRequest,
    TallyOut,
    VoteIn,
    VoteOut,
    VotingRuleIn,
)
from services.partners.handling.audiences import of_partnership
from services.partners.models import Agency, Decision, OversightMember, Partnership, PartnershipMember, Vote

SOURCE = "/services/partners"


class Unprocessable(DomainError):
    status, code, title = 422, "unprocessable", "The request cannot be applied"


def _field_error(code: str, detail: str, field: str) -> Unprocessable:
    return Unprocessable(
        detail, code=code, errors=[{"field": field, "in": "body", "code": code, "message": detail}]
    )


async def _partnership(
    session: AsyncSession, partnership_id: uuid.UUID, *, lock: bool = False
) -> Partnership:
    query = select(Partnership).where(Partnership.id == partnership_id)
    found = (await session.execute(query.with_for_update() if lock else query)).scalar_one_or_none()
    if found is None:
        raise NotFound(f"No partnership with id {partnership_id}.", code="partnership_not_found")
    return found


async def partnership_view(session: AsyncSession, partnership: Partnership) -> PartnershipOut:
    members = (
        await session.scalars(
            select(PartnershipMember)
            .where(PartnershipMember.partnership_id == partnership.id)
            .order_by(PartnershipMember.joined_at, PartnershipMember.agency_id)
        )
    ).all()
    body = (
        await session.scalars(
            select(OversightMember)
            .where(OversightMember.partnership_id == partnership.id)
            .order_by(OversightMember.added_at, OversightMember.id)
        )
    ).all()
    return PartnershipOut(
        id=partnership.id,
        name=partnership.name,
        phase=partnership.phase,
        agreement=AgreementIn(
            kind=partnership.agreement_kind,
            reference=partnership.agreement_reference,
            signed_on=partnership.agreement_signed_on,
            starts_on=partnership.agreement_starts_on,
            ends_on=partnership.agreement_ends_on,
            confidentiality=partnership.confidentiality,
        ),
        voting_rule=VotingRuleIn(
            kind=partnership.quorum_kind,
            approvals_needed=partnership.approvals_needed,
            country_share=partnership.country_share,
        ),
        members=[MemberOut.model_validate(m) for m in members],
        oversight_body=[OversightMemberOut.model_validate(m) for m in body],
        registered_at=partnership.registered_at,
    )


async def register_partnership(
    session: AsyncSession, *, registration: PartnershipRegistration, idempotency: IdempotentRequest | None
) -> Outcome:
    async with session.begin():
        return await answer_once(session, idempotency, lambda: _register_partnership(session, registration))


async def _register_partnership(session: AsyncSession, registration: PartnershipRegistration) -> Outcome:
    if await session.scalar(
        select(Partnership.id).where(func.lower(Partnership.name) == registration.name.lower())
    ):
        raise Conflict(f"A partnership named '{registration.name}' exists.", code="partnership_name_taken")
    agencies = {
        a.id: a
        for a in await session.scalars(
            select(Agency).where(Agency.id.in_([m.agency_id for m in registration.members]))
        )
    }
    for index, member in enumerate(registration.members):
        agency = agencies.get(member.agency_id)
        if agency is None:
            raise _field_error(
                "unknown_agency", f"No agency with id {member.agency_id}.", f"members.{index}.agency_id"
            )
        if agency.status == "lapsed":
            raise _field_error(
                "agency_lapsed", f"Agency {agency.id}'s onboarding lapsed.", f"members.{index}.agency_id"
            )
    if len({a.country_code for a in agencies.values()}) < 2:
        raise _field_error(
            "single_country", "A partnership needs agencies of at least two countries.", "members"
        )
    now = datetime.now(UTC)
    rule = registration.voting_rule
    partnership = Partnership(
        id=uuid.uuid4(),
        name=registration.name,
        phase="familiarization",
        agreement_kind=registration.agreement.kind,
        agreement_reference=registration.agreement.reference,
        agreement_signed_on=registration.agreement.signed_on,
        agreement_starts_on=registration.agreement.starts_on,
        agreement_ends_on=registration.agreement.ends_on,
        confidentiality=registration.agreement.confidentiality,
        quorum_kind=rule.kind,
        approvals_needed=rule.approvals_needed,
        country_share=rule.country_share,
        registered_at=now,
    )
    session.add(partnership)
    await session.flush()
    members = [
        PartnershipMember(
            partnership_id=partnership.id,
            agency_id=m.agency_id,
            country_code=agencies[m.agency_id].country_code,
            role=m.role,
            joined_at=now,
        )
        for m in registration.members
    ]
    session.add_all(members)
    await session.flush()
    await add_event(
        session,
        PartnershipRegisteredV1(
            partnership_id=str(partnership.id),
            name=partnership.name,
            phase=partnership.phase,
            agreement_kind=registration.agreement.kind,
            agreement_reference=partnership.agreement_reference,
            agreement_starts_on=partnership.agreement_starts_on,
            agreement_ends_on=partnership.agreement_ends_on,
            members=[
                PartnershipMemberV1(agency_id=str(m.agency_id), country_code=m.country_code, role=m.role)
                for m in members
            ],
            registered_at=now,
        ),
        aggregate_id=str(partnership.id),
        source=SOURCE,
        release=await of_partnership(session, partnership.id),
    )
    view = await partnership_view(session, partnership)
    return Outcome(201, view.model_dump(mode="json"), {"Location": f"/partnerships/{partnership.id}"})


async def add_member(
    session: AsyncSession,
    *,
    partnership_id: uuid.UUID,
    amendment: AmendmentIn,
    idempotency: IdempotentRequest | None,
) -> Outcome:
    async with session.begin():
        return await answer_once(
            session, idempotency, lambda: _add_member(session, partnership_id, amendment)
        )


async def _add_member(session: AsyncSession, partnership_id: uuid.UUID, amendment: AmendmentIn) -> Outcome:
    """Amend the partnership mid-phase. Open decisions keep the electorate they opened with; the new country's
    representatives vote from the next one, once appointed to the oversight body."""
    partnership = await _partnership(session, partnership_id, lock=True)
    agency = await session.get(Agency, amendment.agency_id)
    if agency is None:
        raise _field_error("unknown_agency", f"No agency with id {amendment.agency_id}.", "agency_id")
    if agency.status == "lapsed":
        raise _field_error("agency_lapsed", f"Agency {agency.id}'s onboarding lapsed.", "agency_id")
    if await session.get(PartnershipMember, (partnership.id, agency.id)) is not None:
        raise Conflict(f"Agency {agency.id} is already a member.", code="already_a_member")
    countries = set(
        await session.scalars(
            select(PartnershipMember.country_code).where(PartnershipMember.partnership_id == partnership.id)
        )
    )
    member = PartnershipMember(
        partnership_id=partnership.id,
        agency_id=agency.id,
        country_code=agency.country_code,
        role=amendment.role,
        joined_at=datetime.now(UTC),
    )
    session.add(member)
    await session.flush()
    await add_event(
        session,
        PartnershipMemberAddedV1(
            partnership_id=str(partnership.id),
            agency_id=str(agency.id),
            country_code=agency.country_code,
            role=amendment.role,
            new_country=agency.country_code not in countries,
            phase=partnership.phase,
            reason=amendment.reason,
            joined_at=member.joined_at,
        ),
        aggregate_id=str(partnership.id),
        source=SOURCE,
        release=await of_partnership(session, partnership.id),
    )
    added = MemberAddedOut(
        **MemberOut.model_validate(member).model_dump(),
        phase=partnership.phase,
        new_country=agency.country_code not in countries,
    )
    return Outcome(201, added.model_dump(mode="json"))


async def add_oversight_member(
    session: AsyncSession,
    *,
    partnership_id: uuid.UUID,
    member: OversightMemberIn,
    idempotency: IdempotentRequest | None,
) -> Outcome:
    async with session.begin():
        return await answer_once(
            session, idempotency, lambda: _add_oversight_member(session, partnership_id, member)
        )


async def _add_oversight_member(
    session: AsyncSession, partnership_id: uuid.UUID, member: OversightMemberIn
) -> Outcome:
    partnership = await _partnership(session, partnership_id, lock=True)
    voting_countries = set(
        await session.scalars(
            select(PartnershipMember.country_code).where(
                PartnershipMember.partnership_id == partnership.id, PartnershipMember.role != "observer"
            )
        )
    )
    if member.country_code not in voting_countries:
        raise _field_error(
            "country_not_in_partnership",
            f"{member.country_code} has no voting agency in this partnership.",
            "country_code",
        )
    if await session.scalar(
        select(OversightMember.id).where(
            OversightMember.partnership_id == partnership.id, OversightMember.subject == member.subject
        )
    ):
        raise Conflict(
            "This person already holds a seat on the oversight body.", code="subject_already_seated"
        )
    row = OversightMember(
        id=uuid.uuid4(),
        partnership_id=partnership.id,
        country_code=member.country_code,
        name=member.name,
        role=member.role,
        holds_veto=member.holds_veto,
        added_at=datetime.now(UTC),
        subject=member.subject,
    )
    session.add(row)
    await session.flush()
    await add_event(
        session,
        OversightMemberAddedV1(
            partnership_id=str(partnership.id),
            member_id=str(row.id),
            country_code=row.country_code,
            role=member.role,
            holds_veto=row.holds_veto,
            added_at=row.added_at,
        ),
        aggregate_id=str(partnership.id),
        source=SOURCE,
        release=await of_partnership(session, partnership.id),
    )
    return Outcome(201, OversightMemberOut.model_validate(row).model_dump(mode="json"))


async def get_partnership(session: AsyncSession, *, partnership_id: uuid.UUID) -> PartnershipOut:
    return await partnership_view(session, await _partnership(session, partnership_id))


async def list_partnerships(
    session: AsyncSession,
    *,
    limit: int,
    cursor: str | None,
    phase: str | None,
    country_code: str | None,
    visible_to: str | None = None,
) -> tuple[list[Partnership], str | None]:
    """`visible_to`: the caller's country; only partnerships it is a member of are listed."""
    query = select(Partnership)
    if visible_to:
        query = query.where(
            Partnership.id.in_(
                select(PartnershipMember.partnership_id).where(PartnershipMember.country_code == visible_to)
            )
        )
    if phase:
        query = query.where(Partnership.phase == phase)
    if country_code:
        query = query.where(
            Partnership.id.in_(
                select(PartnershipMember.partnership_id).where(
                    PartnershipMember.country_code == country_code.upper()
                )
            )
        )
    return await keyset_page(
        session, query, created=Partnership.registered_at, key=Partnership.id, limit=limit, cursor=cursor
    )


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


async def advance_phase(
    session: AsyncSession,
    *,
    partnership_id: uuid.UUID,
    advance: PhaseAdvance,
    idempotency: IdempotentRequest | None,
) -> Outcome:
    async with session.begin():
        return await answer_once(
            session, idempotency, lambda: _advance_phase(session, partnership_id, advance)
        )


async def _advance_phase(session: AsyncSession, partnership_id: uuid.UUID, advance: PhaseAdvance) -> Outcome:
    partnership = await _partnership(session, partnership_id, lock=True)
    if partnership.phase == advance.to_phase:  # already there (a retried call without its key): nothing to do
        return Outcome(200, (await partnership_view(session, partnership)).model_dump(mode="json"))
    if NEXT_PHASE.get(partnership.phase) != advance.to_phase:
        raise Conflict(
            f"The partnership is in {partnership.phase}; it cannot move to {advance.to_phase}.",
            code="phase_out_of_order",
        )
    decision = await session.get(Decision, advance.decision_id)
    if decision is None or decision.partnership_id != partnership.id or decision.kind != "phase_gate":
        raise _field_error(
            "not_a_gate_decision", "The decision is not a phase gate of this partnership.", "decision_id"
        )
    if decision.outcome != "approved":
        raise Conflict(f"The gate decision is {decision.outcome}, not approved.", code="gate_not_approved")
    from_phase, partnership.phase = partnership.phase, advance.to_phase
    now = datetime.now(UTC)
    await add_event(
        session,
        PartnershipPhaseAdvancedV1(
            partnership_id=str(partnership.id),
            from_phase=from_phase,
            to_phase=advance.to_phase,
            decision_id=str(decision.id),
            advanced_at=now,
        ),
        aggregate_id=str(partnership.id),
        source=SOURCE,
        release=await of_partnership(session, partnership.id),
    )
    return Outcome(200, (await partnership_view(session, partnership)).model_dump(mode="json"))


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
    session: AsyncSession, *, member_ids: list[uuid.UUID], pending: bool, limit: int
) -> list[MemberDecisionOut]:
    """The pending decisions of a person's oversight seats (open, not yet voted, soonest due first) or their
    history (closed, or voted)."""
    lines: list[MemberDecisionOut] = []
    for member_id in member_ids:
        lines += await _seat_decisions(session, member_id=member_id, pending=pending, limit=limit)
    if pending:
        lines.sort(key=lambda line: (line.decision.due_at, str(line.decision.id)))
    else:
        lines.sort(key=lambda line: (line.decision.opened_at, str(line.decision.id)), reverse=True)
    return lines[:limit]


async def _seat_decisions(
    session: AsyncSession, *, member_id: uuid.UUID, pending: bool, limit: int
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
    else:
        query = query.where((Decision.outcome != "open") | Decision.id.in_(voted)).order_by(
            Decision.opened_at.desc(), Decision.id
        )
    lines = []
    for decision, partnership_name in (await session.execute(query.limit(limit))).all():
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
