"""HTTP routes of communities of practice."""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from backbone.app import SessionDep
from backbone.auth.http import CurrentPrincipal, acting_country
from backbone.pagination import Cursor, Limit, Page
from services.training.communities import service as communities
from services.training.communities.schemas import (
    CommunityIn,
    CommunityOut,
    JoinIn,
    MemberOut,
    MentorIn,
    PostIn,
    PostOut,
)
from services.training.facilities.api import PROBLEMS

router = APIRouter(tags=["communities"])


@router.post(
    "/communities",
    status_code=201,
    response_model=CommunityOut,
    responses=PROBLEMS,
    summary="Open a community of practice of one specialty in a partnership your country is a member of",
)
async def create(body: CommunityIn, session: SessionDep, principal: CurrentPrincipal) -> CommunityOut:
    country = acting_country(principal, "A coordinator of a member country opens a community.")
    return await communities.create(session, body=body, country=country)


@router.get("/communities/{community_id}", response_model=CommunityOut, responses=PROBLEMS)
async def get(community_id: uuid.UUID, session: SessionDep) -> CommunityOut:
    return await communities.view(session, community_id=community_id)


@router.get("/communities/{community_id}/members", response_model=Page[MemberOut], responses=PROBLEMS)
async def members(
    community_id: uuid.UUID, session: SessionDep, limit: Limit = 50, cursor: Cursor = None
) -> Page[MemberOut]:
    items, next_cursor = await communities.members(
        session, community_id=community_id, limit=limit, cursor=cursor
    )
    return Page[MemberOut](items=items, next_cursor=next_cursor, limit=limit)


@router.post(
    "/communities/{community_id}/members",
    status_code=201,
    response_model=MemberOut,
    responses=PROBLEMS,
    summary="Join as yourself (joining twice changes nothing)",
)
async def join(
    community_id: uuid.UUID, body: JoinIn, session: SessionDep, principal: CurrentPrincipal
) -> MemberOut:
    return await communities.join(session, community_id=community_id, body=body, principal=principal)


@router.post(
    "/communities/{community_id}/mentors",
    status_code=201,
    response_model=MemberOut,
    responses=PROBLEMS,
    summary="A coordinator appoints one of their country's people as a mentor",
)
async def appoint_mentor(
    community_id: uuid.UUID, body: MentorIn, session: SessionDep, principal: CurrentPrincipal
) -> MemberOut:
    return await communities.appoint_mentor(
        session, community_id=community_id, body=body, principal=principal
    )


@router.post("/communities/{community_id}/departure", response_model=MemberOut, responses=PROBLEMS)
async def leave(community_id: uuid.UUID, session: SessionDep, principal: CurrentPrincipal) -> MemberOut:
    return await communities.leave(session, community_id=community_id, principal=principal)


@router.post("/communities/{community_id}/posts", status_code=201, response_model=PostOut, responses=PROBLEMS)
async def post(
    community_id: uuid.UUID, body: PostIn, session: SessionDep, principal: CurrentPrincipal
) -> PostOut:
    return await communities.post(session, community_id=community_id, body=body, principal=principal)


@router.get(
    "/communities/{community_id}/posts",
    response_model=Page[PostOut],
    responses=PROBLEMS,
    summary="Oldest first",
)
async def posts(
    community_id: uuid.UUID, session: SessionDep, limit: Limit = 50, cursor: Cursor = None
) -> Page[PostOut]:
    items, next_cursor = await communities.posts(
        session, community_id=community_id, limit=limit, cursor=cursor
    )
    return Page[PostOut](items=items, next_cursor=next_cursor, limit=limit)
