"""Communities of practice: a partnership's officers, instructors and coordinators of one specialty meet,
mentors guide, members post. Members sign in as themselves: a member is an account (`subject`), and only a
current member posts."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Literal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backbone.auth.http import Forbidden
from backbone.auth.policy import require_country
from backbone.auth.principal import Principal
from backbone.errors import Conflict, NotFound, field_problem
from backbone.pagination import keyset_page
from services.training.communities import mentorships
from services.training.communities.schemas import (
    CommunityIn,
    CommunityOut,
    JoinIn,
    MemberOut,
    MentorIn,
    PostIn,
    PostOut,
)
from services.training.curricula import service as curricula
from services.training.models import Community, CommunityMember, CommunityPost

COORDINATORS = frozenset({"national_coordinator", "programme_coordinator"})


async def get(session: AsyncSession, community_id: uuid.UUID) -> Community:
    found = await session.get(Community, community_id)
    if found is None:
        raise NotFound(f"No community with id {community_id}.", code="community_not_found")
    return found


async def create(session: AsyncSession, *, body: CommunityIn, country: str) -> CommunityOut:
    async with session.begin():
        partnership = await curricula.member_partnership(session, body.partnership_id, country)
        clash = await session.scalar(
            select(Community.id).where(
                Community.partnership_id == partnership.partnership_id, Community.specialty == body.specialty
            )
        )
        if clash is not None:
            raise Conflict(
                f"The partnership has a {body.specialty} community ({clash}).", code="community_exists"
            )
        row = Community(
            id=uuid.uuid4(),
            partnership_id=partnership.partnership_id,
            specialty=body.specialty,
            name=body.name,
            description=body.description,
            countries=list(partnership.member_countries),
            created_by_country_code=country,
            created_at=datetime.now(UTC),
        )
        session.add(row)
        await session.flush()
        return CommunityOut.model_validate(row)


async def view(session: AsyncSession, *, community_id: uuid.UUID) -> CommunityOut:
    async with session.begin():
        return CommunityOut.model_validate(await get(session, community_id))


async def _membership(session: AsyncSession, community_id: uuid.UUID, subject: str) -> CommunityMember | None:
    found: CommunityMember | None = await session.scalar(
        select(CommunityMember).where(
            CommunityMember.community_id == community_id,
            CommunityMember.subject == subject,
            CommunityMember.left_at.is_(None),
        )
    )
    return found


async def _enrol(
    session: AsyncSession,
    community: Community,
    *,
    subject: str,
    name: str,
    country: str,
    role: Literal["member", "mentor"],
) -> CommunityMember:
    current = await _membership(session, community.id, subject)
    if current is not None:
        if role == "mentor" and current.role != "mentor":
            current.role = "mentor"
            await session.flush()
            await mentorships.announce(session, community, current)
        return current
    row = CommunityMember(
        id=uuid.uuid4(),
        community_id=community.id,
        subject=subject,
        display_name=name,
        country_code=country,
        role=role,
        joined_at=datetime.now(UTC),
    )
    session.add(row)
    await session.flush()
    await mentorships.announce(session, community, row)
    return row


def _person(principal: Principal | None) -> tuple[str, str]:
    if principal is None or principal.kind != "user" or principal.country is None:
        raise Forbidden("Communities are for people, signed in as themselves.")
    return principal.subject, principal.country


async def join(
    session: AsyncSession, *, community_id: uuid.UUID, body: JoinIn, principal: Principal | None
) -> MemberOut:
    subject, country = _person(principal)
    async with session.begin():
        community = await get(session, community_id)
        return MemberOut.model_validate(
            await _enrol(
                session, community, subject=subject, name=body.display_name, country=country, role="member"
            )
        )


async def appoint_mentor(
    session: AsyncSession, *, community_id: uuid.UUID, body: MentorIn, principal: Principal | None
) -> MemberOut:
    """A coordinator of a member country appoints one of its people as a mentor."""
    _, country = _person(principal)
    async with session.begin():
        community = await get(session, community_id)
        require_country(principal, country, roles=COORDINATORS, field="subject")
        return MemberOut.model_validate(
            await _enrol(
                session,
                community,
                subject=body.subject,
                name=body.display_name,
                country=country,
                role="mentor",
            )
        )


async def leave(session: AsyncSession, *, community_id: uuid.UUID, principal: Principal | None) -> MemberOut:
    subject, _ = _person(principal)
    async with session.begin():
        await get(session, community_id)
        current = await _membership(session, community_id, subject)
        if current is None:
            raise Conflict("You are not a member of this community.", code="not_a_member")
        current.left_at = datetime.now(UTC)
        await session.flush()
        return MemberOut.model_validate(current)


async def members(
    session: AsyncSession, *, community_id: uuid.UUID, limit: int, cursor: str | None
) -> tuple[list[MemberOut], str | None]:
    async with session.begin():
        await get(session, community_id)
        rows, next_cursor = await keyset_page(
            session,
            select(CommunityMember).where(
                CommunityMember.community_id == community_id, CommunityMember.left_at.is_(None)
            ),
            created=CommunityMember.joined_at,
            key=CommunityMember.id,
            limit=limit,
            cursor=cursor,
        )
        return [MemberOut.model_validate(r) for r in rows], next_cursor


async def post(
    session: AsyncSession, *, community_id: uuid.UUID, body: PostIn, principal: Principal | None
) -> PostOut:
    subject, _ = _person(principal)
    async with session.begin():
        await get(session, community_id)
        member = await _membership(session, community_id, subject)
        if member is None:
            raise Forbidden("Only members post; join the community first.", code="not_a_member")
        if body.reply_to is not None:
            parent = await session.get(CommunityPost, body.reply_to)
            if parent is None or parent.community_id != community_id:
                raise field_problem("reply_to", "post_unknown", "No such post in this community.")
        row = CommunityPost(
            id=uuid.uuid4(),
            community_id=community_id,
            member_id=member.id,
            reply_to=body.reply_to,
            body=body.body,
            created_at=datetime.now(UTC),
        )
        session.add(row)
        await session.flush()
        return PostOut.model_validate(row)


async def posts(
    session: AsyncSession, *, community_id: uuid.UUID, limit: int, cursor: str | None
) -> tuple[list[PostOut], str | None]:
    async with session.begin():
        await get(session, community_id)
        rows, next_cursor = await keyset_page(
            session,
            select(CommunityPost).where(CommunityPost.community_id == community_id),
            created=CommunityPost.created_at,
            key=CommunityPost.id,
            limit=limit,
            cursor=cursor,
        )
        return [PostOut.model_validate(r) for r in rows], next_cursor
