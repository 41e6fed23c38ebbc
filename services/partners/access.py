"""Who may do what in the partners service (function- and object-level rules, beyond authentication).

Votes and dashboards are personal: an oversight seat belongs to the person whose account (`sub`) it names,
and nobody else votes in it or reads its dashboard. A refusal never says whose seat it is.
With authentication off (development and test only) there is no principal and these rules do not apply.
"""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backbone.auth.http import Forbidden
from backbone.auth.principal import Principal
from backbone.errors import NotFound
from services.partners.models import OversightMember


def require_member_in_person(principal: Principal | None) -> None:
    if principal is None:
        return
    if principal.kind != "user" or not principal.has_role("oversight_member"):
        raise Forbidden(
            "Only oversight members vote, each in their own seat.", code="not_an_oversight_member"
        )


async def require_own_seat(session: AsyncSession, principal: Principal | None, member_id: uuid.UUID) -> None:
    """The caller holds seat `member_id` (a vote in someone else's seat is refused the same as a stranger's)."""
    require_member_in_person(principal)
    if principal is None:
        return
    subject = await session.scalar(select(OversightMember.subject).where(OversightMember.id == member_id))
    if subject is None or subject != principal.subject:
        raise Forbidden("You vote only in your own oversight seat.", code="not_your_seat")


async def seats_of(session: AsyncSession, principal: Principal) -> list[uuid.UUID]:
    return list(
        await session.scalars(select(OversightMember.id).where(OversightMember.subject == principal.subject))
    )


async def require_seat_visible(
    session: AsyncSession, principal: Principal | None, member_id: uuid.UUID
) -> None:
    """A seat's dashboard is its holder's; to anyone else the seat does not exist."""
    if principal is None:
        return
    if member_id not in await seats_of(session, principal):
        raise NotFound(f"No oversight member with id {member_id}.", code="member_not_found")
