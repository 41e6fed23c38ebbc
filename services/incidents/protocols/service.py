"""Incident protocols: per kind of crisis and training environment in a partnership, the roles, ordered steps
with time limits, who is notified when, and when to escalate. Versioned: a draft is written, put to review, and
approved by someone other than its author; approved versions never change (a trigger sees to it), a change is
the next version, with its reason."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backbone.auth.principal import Principal
from backbone.errors import Conflict, NotFound, field_problem
from backbone.idempotency import IdempotentRequest, Outcome, answer_once
from backbone.outbox import add_event
from backbone.pagination import keyset_page
from contracts.events.incidents import ProtocolVersionApprovedV1
from rules.releasability import Release
from services.incidents import SOURCE
from services.incidents.models import KnownPartnership, Protocol, ProtocolVersion
from services.incidents.protocols.schemas import (
    ContentIn,
    NotificationRule,
    ProtocolIn,
    ProtocolOut,
    VersionOut,
)
from services.kernel import partnership_members

OPEN = ("draft", "in_review")


EVERY_MOMENT = NotificationRule(audience="affected_partners", on=["declared", "escalated", "resolved"])


def who(principal: Principal | None) -> str:
    return principal.subject if principal else "system"


async def get(session: AsyncSession, protocol_id: uuid.UUID, *, lock: bool = False) -> Protocol:
    found = await session.get(Protocol, protocol_id, with_for_update=lock)
    if found is None:
        raise NotFound(f"No protocol with id {protocol_id}.", code="protocol_not_found")
    return found


async def view(session: AsyncSession, protocol: Protocol) -> ProtocolOut:
    out = ProtocolOut.model_validate(protocol)
    versions = await session.scalars(
        select(ProtocolVersion)
        .where(ProtocolVersion.protocol_id == protocol.id)
        .order_by(ProtocolVersion.number)
    )
    out.versions = [VersionOut.model_validate(v) for v in versions]
    return out


async def member_partnership(
    session: AsyncSession, partnership_id: uuid.UUID, country: str
) -> KnownPartnership:
    unknown = f"No partnership {partnership_id} with {country} as a member."
    return await partnership_members.member_partnership(
        session, KnownPartnership, partnership_id, country, unknown=unknown
    )


def _content(body: ContentIn) -> dict[str, object]:
    return {
        "roles": list(body.roles),
        "steps": [s.model_dump() for s in body.steps],
        "notifications": [n.model_dump() for n in body.notifications],
        "escalation": body.escalation.model_dump(),
        "on_call": [o.model_dump() for o in body.on_call],
        "steering": body.steering,
    }


async def create(
    session: AsyncSession,
    *,
    body: ProtocolIn,
    country: str,
    principal: Principal | None,
    idempotency: IdempotentRequest | None = None,
) -> Outcome:
    """201 with the protocol; the same request again under its Idempotency-Key answers the same (a client whose
    answer was lost learns the id it would otherwise meet only as `protocol_exists`)."""
    async with session.begin():
        return await answer_once(session, idempotency, lambda: _created(session, body, country, principal))


async def _created(
    session: AsyncSession, body: ProtocolIn, country: str, principal: Principal | None
) -> Outcome:
    partnership = await member_partnership(session, body.partnership_id, country)
    clash = await session.scalar(
        select(Protocol.id).where(
            Protocol.partnership_id == partnership.partnership_id,
            Protocol.kind == body.kind,
            Protocol.environment_kind == body.environment_kind,
        )
    )
    if clash is not None:
        raise Conflict(f"The partnership has a protocol for that already ({clash}).", code="protocol_exists")
    now = datetime.now(UTC)
    protocol = Protocol(
        id=uuid.uuid4(),
        partnership_id=partnership.partnership_id,
        kind=body.kind,
        environment_kind=body.environment_kind,
        name=body.name,
        owner_country_code=country,
        countries=list(partnership.member_countries),
        created_at=now,
    )
    session.add(protocol)
    await session.flush()
    session.add(
        ProtocolVersion(
            id=uuid.uuid4(),
            protocol_id=protocol.id,
            number=1,
            status="draft",
            author=who(principal),
            created_at=now,
            **_content(body),
        )
    )
    await session.flush()
    return Outcome(201, (await view(session, protocol)).model_dump(mode="json"))


async def _open(session: AsyncSession, protocol: Protocol, status: str) -> ProtocolVersion:
    found = await session.scalar(
        select(ProtocolVersion)
        .where(ProtocolVersion.protocol_id == protocol.id, ProtocolVersion.status.in_(OPEN))
        .with_for_update()
    )
    if found is None or found.status != status:
        raise Conflict(
            f"The protocol has no version {status.replace('_', ' ')} (open: {found.status if found else 'none'}).",
            code=f"no_{status}",
        )
    return found


async def edit_draft(
    session: AsyncSession, *, protocol_id: uuid.UUID, body: ContentIn, principal: Principal | None
) -> ProtocolOut:
    async with session.begin():
        protocol = await get(session, protocol_id)
        draft = await _open(session, protocol, "draft")
        for name, value in _content(body).items():
            setattr(draft, name, value)
        draft.author = who(principal)
        await session.flush()
        return await view(session, protocol)


async def request_review(session: AsyncSession, *, protocol_id: uuid.UUID) -> ProtocolOut:
    async with session.begin():
        protocol = await get(session, protocol_id)
        draft = await _open(session, protocol, "draft")
        draft.status = "in_review"
        await session.flush()
        return await view(session, protocol)


async def review(
    session: AsyncSession,
    *,
    protocol_id: uuid.UUID,
    approve: bool,
    note: str | None,
    principal: Principal | None,
) -> ProtocolOut:
    """Four eyes: the reviewer is not the author. Approval makes the version current and frozen."""
    async with session.begin():
        protocol = await get(session, protocol_id, lock=True)
        version = await _open(session, protocol, "in_review")
        reviewer = who(principal)
        if reviewer == version.author:
            raise Conflict("The author does not approve their own protocol version.", code="four_eyes")
        version.reviewer, version.review_note = reviewer, note
        if not approve:
            version.status = "draft"
            await session.flush()
            return await view(session, protocol)
        now = datetime.now(UTC)
        if protocol.current_version is not None:
            previous = await session.scalar(
                select(ProtocolVersion).where(
                    ProtocolVersion.protocol_id == protocol.id,
                    ProtocolVersion.number == protocol.current_version,
                )
            )
            assert previous is not None
            previous.status = "superseded"
        version.status, version.approved_at = "approved", now
        protocol.current_version = version.number
        await session.flush()
        await add_event(
            session,
            ProtocolVersionApprovedV1(
                protocol_id=str(protocol.id),
                version=version.number,
                partnership_id=str(protocol.partnership_id),
                kind=protocol.kind,
                environment_kind=protocol.environment_kind,
                steps=len(version.steps),
                reason=version.reason,
                approved_by=reviewer,
                approved_at=now,
            ),
            aggregate_id=str(protocol.id),
            source=SOURCE,
            release=Release.of(
                "partnership",
                originator=protocol.owner_country_code,
                partnership_countries=protocol.countries,
            ),
        )
        return await view(session, protocol)


async def revise(session: AsyncSession, *, protocol_id: uuid.UUID, reason: str, author: str) -> ProtocolOut:
    """The next version as a draft, copied from the current one (a debrief finding calls this too)."""
    async with session.begin():
        protocol = await get(session, protocol_id, lock=True)
        await start_revision(session, protocol, reason=reason, author=author)
        return await view(session, protocol)


async def start_revision(
    session: AsyncSession, protocol: Protocol, *, reason: str, author: str
) -> ProtocolVersion:
    versions = list(
        await session.scalars(
            select(ProtocolVersion)
            .where(ProtocolVersion.protocol_id == protocol.id)
            .order_by(ProtocolVersion.number)
        )
    )
    if any(v.status in OPEN for v in versions):
        raise Conflict("A version is open already: change that draft instead.", code="open_version_exists")
    latest = versions[-1]
    draft = ProtocolVersion(
        id=uuid.uuid4(),
        protocol_id=protocol.id,
        number=latest.number + 1,
        status="draft",
        roles=list(latest.roles),
        steps=list(latest.steps),
        notifications=list(latest.notifications),
        on_call=list(latest.on_call),
        steering=latest.steering,
        escalation=dict(latest.escalation),
        reason=reason,
        author=author,
        created_at=datetime.now(UTC),
    )
    session.add(draft)
    await session.flush()
    return draft


async def view_one(session: AsyncSession, *, protocol_id: uuid.UUID) -> ProtocolOut:
    async with session.begin():
        return await view(session, await get(session, protocol_id))


async def current_for(
    session: AsyncSession, *, partnership_id: uuid.UUID, kind: str, environment_kind: str
) -> tuple[Protocol, ProtocolVersion]:
    protocol = await session.scalar(
        select(Protocol).where(
            Protocol.partnership_id == partnership_id,
            Protocol.kind == kind,
            Protocol.environment_kind == environment_kind,
        )
    )
    if protocol is None or protocol.current_version is None:
        raise field_problem(
            "kind",
            "no_protocol",
            f"The partnership has no approved protocol for {kind} in a {environment_kind}.",
        )
    version = await session.scalar(
        select(ProtocolVersion).where(
            ProtocolVersion.protocol_id == protocol.id, ProtocolVersion.number == protocol.current_version
        )
    )
    assert version is not None
    return protocol, version


async def list_for(
    session: AsyncSession, *, partnership_id: uuid.UUID | None, limit: int, cursor: str | None
) -> tuple[list[ProtocolOut], str | None]:
    """The protocols of the caller's partnerships (row-level security), optionally of one partnership."""
    async with session.begin():
        query = select(Protocol)
        if partnership_id is not None:
            query = query.where(Protocol.partnership_id == partnership_id)
        rows, next_cursor = await keyset_page(
            session, query, created=Protocol.created_at, key=Protocol.id, limit=limit, cursor=cursor
        )
        return [await view(session, p) for p in rows], next_cursor
