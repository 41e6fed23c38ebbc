"""Who mentors whom: a community's mentors and its members who are trainees (their nominations name their
account), announced by trainee id so that the assessment service never lets a mentor assess its mentee."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backbone.db import as_platform_within
from backbone.outbox import add_event
from contracts.events.communities import MentorshipRecordedV1
from rules.releasability import Release
from services.training import SOURCE
from services.training.models import Community, CommunityMember, Nomination


async def announce(session: AsyncSession, community: Community, joined: CommunityMember) -> None:
    """The mentorships the newcomer makes: a mentor with every member, a member with every mentor. Read as the
    platform: the people concerned may be of other countries, whose nominations the caller does not see."""
    async with as_platform_within(session):
        active = list(
            await session.scalars(
                select(CommunityMember).where(
                    CommunityMember.community_id == community.id, CommunityMember.left_at.is_(None)
                )
            )
        )
        if joined.role == "mentor":
            pairs = [(joined, m) for m in active if m.role == "member" and m.subject != joined.subject]
        else:
            pairs = [(m, joined) for m in active if m.role == "mentor" and m.subject != joined.subject]
        now = datetime.now(UTC)
        for mentor, mentee in pairs:
            trainees = await session.execute(
                select(Nomination.trainee_id, Nomination.country_code)
                .where(Nomination.trainee_subject == mentee.subject)
                .distinct()
            )
            for trainee_id, country in trainees:
                audience = sorted({mentor.country_code, country})
                await add_event(
                    session,
                    MentorshipRecordedV1(
                        community_id=str(community.id),
                        partnership_id=str(community.partnership_id),
                        mentor_subject=mentor.subject,
                        mentor_country_code=mentor.country_code,
                        trainee_id=trainee_id,
                        trainee_country_code=country,
                        recorded_at=now,
                    ),
                    aggregate_id=str(community.id),
                    source=SOURCE,
                    release=Release.of(f"countries:{','.join(audience)}", originator=mentor.country_code),
                )
