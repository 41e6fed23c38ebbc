"""Who may do what in the partners service (function- and object-level rules, beyond authentication).

Votes and dashboards are personal: an oversight seat belongs to the person whose account (`sub`) it names,
and nobody else votes in it or reads its dashboard. A refusal never says whose seat it is.
With authentication off (development and test only) there is no principal and these rules do not apply.
"""

from __future__ import annotations

import uuid

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from backbone.app import ServiceRuntime
from backbone.auth.http import Forbidden
from backbone.auth.policy import require_country
from backbone.auth.principal import Principal
from backbone.errors import NotFound
from services.partners.handling.audiences import RecordKind, originator_of
from services.partners.models import Agency, OversightMember


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


async def require_acting_for_agency(
    rt: ServiceRuntime,
    principal: Principal | None,
    agency_id: uuid.UUID,
    *,
    roles: frozenset[str],
    field: str,
) -> None:
    """A body names the agency the caller acts for (raising a dispute, commenting, pledging): it must be theirs.
    An unknown agency is left to the use case, which names the field."""
    if principal is None:
        return
    async with rt.sessions() as session:
        country = await session.scalar(select(Agency.country_code).where(Agency.id == agency_id))
    if country is not None:
        require_country(principal, country, roles=roles, field=field, agency=str(agency_id))


async def require_among_members(
    rt: ServiceRuntime, principal: Principal | None, agency_ids: list[uuid.UUID]
) -> None:
    """A partnership is registered by the national coordination unit of one of its member countries."""
    if principal is None:
        return
    async with rt.sessions() as session:
        countries = set(await session.scalars(select(Agency.country_code).where(Agency.id.in_(agency_ids))))
    if principal.country not in countries or "national_coordinator" not in principal.roles:
        raise Forbidden(
            "A partnership is registered by the national coordinator of one of its member countries.",
            errors=[
                {"field": "members", "in": "body", "code": "other_tenant", "message": "not your partnership"}
            ],
        )


async def require_originator(
    rt: ServiceRuntime,
    principal: Principal | None,
    kind: RecordKind,
    object_id: uuid.UUID,
    *,
    roles: frozenset[str],
    agency_id: uuid.UUID | None = None,
) -> None:
    """Only the originating country (its agency, for agency-bound roles) re-codes a record. A record that is not
    there (or not under `agency_id`) is the same 404 whoever asks."""
    async with rt.sessions() as session, session.begin():
        await session.execute(text("SELECT set_config('backbone.tenant', '*', true)"))
        found = await originator_of(session, kind, object_id)
    if found is None or (agency_id is not None and found[1] != str(agency_id)):
        raise NotFound(f"No {kind.replace('_', ' ')} with id {object_id}.", code=f"{kind}_not_found")
    if principal is not None:
        require_country(principal, found[0], roles=roles, field="handling_code", agency=found[1])
