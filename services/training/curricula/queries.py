"""Reads of curricula: a curriculum with its versions, one version, its discussion, a partnership's curricula."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backbone.errors import field_problem
from backbone.pagination import keyset_page
from services.training.curricula.schemas import (
    CommentOut,
    CurriculumOut,
    DiscussionOut,
    ProposalOut,
    VersionOut,
)
from services.training.curricula.service import _version, get, view
from services.training.models import (
    Curriculum,
    CurriculumComment,
    CurriculumProposal,
    CurriculumVersion,
)


async def get_version(session: AsyncSession, *, curriculum_id: uuid.UUID, number: int) -> VersionOut:
    async with session.begin():
        await get(session, curriculum_id)
        return VersionOut.model_validate(await _version(session, curriculum_id, number))


async def approved_version(
    session: AsyncSession, version_id: uuid.UUID
) -> tuple[Curriculum, CurriculumVersion]:
    """An approved (current or older) version, as cohorts use them."""
    version = await session.get(CurriculumVersion, version_id)
    if version is None or version.status not in ("approved", "superseded"):
        raise field_problem(
            "curriculum_version_id", "version_not_approved", f"No approved curriculum version {version_id}."
        )
    return await get(session, version.curriculum_id), version


async def discussion(session: AsyncSession, *, curriculum_id: uuid.UUID, number: int) -> DiscussionOut:
    async with session.begin():
        await get(session, curriculum_id)
        version = await _version(session, curriculum_id, number)
        proposals = await session.scalars(
            select(CurriculumProposal)
            .where(CurriculumProposal.version_id == version.id)
            .order_by(CurriculumProposal.created_at)
        )
        comments = await session.scalars(
            select(CurriculumComment)
            .where(CurriculumComment.version_id == version.id)
            .order_by(CurriculumComment.created_at)
        )
        return DiscussionOut(
            version=VersionOut.model_validate(version),
            proposals=[ProposalOut.model_validate(p) for p in proposals],
            comments=[CommentOut.model_validate(c) for c in comments],
        )


async def list_for_partnership(
    session: AsyncSession, *, partnership_id: uuid.UUID, limit: int, cursor: str | None
) -> tuple[list[CurriculumOut], str | None]:
    async with session.begin():
        rows, next_cursor = await keyset_page(
            session,
            select(Curriculum).where(Curriculum.partnership_id == partnership_id),
            created=Curriculum.created_at,
            key=Curriculum.id,
            limit=limit,
            cursor=cursor,
        )
        return [await view(session, c) for c in rows], next_cursor


async def view_one(session: AsyncSession, *, curriculum_id: uuid.UUID) -> CurriculumOut:
    async with session.begin():
        return await view(session, await get(session, curriculum_id))
