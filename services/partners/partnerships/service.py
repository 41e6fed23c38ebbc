"""Use cases of partnerships and their governance: registration, oversight bodies, decisions and votes.

Each public coroutine owns one transaction and the outbox rows announcing its change. Vote counting is the
pure logic of `governance`, so the onboarding workflow's Update validators and this service agree.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from backbone.errors import Conflict, NotFound
from backbone.idempotency import IdempotentRequest, Outcome, answer_once
from backbone.outbox import add_event
from backbone.pagination import keyset_page
from contracts.events.partners import (
    OversightMemberAddedV1,
    PartnershipMemberAddedV1,
    PartnershipMemberV1,
    PartnershipPhaseAdvancedV1,
    PartnershipRegisteredV1,
)
from rules.phases import NEXT_PHASE
from services.partners import SOURCE
from services.partners.handling.audiences import of_partnership
from services.partners.models import Agency, Decision, OversightMember, Partnership, PartnershipMember
from services.partners.partnerships.schemas import (
    AgreementIn,
    AmendmentIn,
    MemberAddedOut,
    MemberOut,
    OversightMemberIn,
    OversightMemberOut,
    PartnershipOut,
    PartnershipRegistration,
    PhaseAdvance,
    VotingRuleIn,
)
from services.partners.problems import _field_error


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
