"""Use cases of the partners service. Each public coroutine owns one transaction and its outbox rows."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import cast

from sqlalchemy import Table, bindparam, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from backbone.errors import Conflict, NotFound
from backbone.idempotency import IdempotentRequest, Outcome, answer_once
from backbone.outbox import add_event
from backbone.pagination import InvalidCursor, decode_cursor, encode_cursor, keyset_page
from contracts.events.partners import AgencyActivatedV1, AgencyOnboardingLapsedV1, AgencyRegisteredV1
from services.partners import SOURCE
from services.partners.agencies.schemas import AgencyOut, AgencyRegistration
from services.partners.handling.audiences import of_agency
from services.partners.models import Agency, Country


async def _get_agency_for_update(session: AsyncSession, agency_id: uuid.UUID) -> Agency:
    agency = (
        await session.execute(select(Agency).where(Agency.id == agency_id).with_for_update())
    ).scalar_one_or_none()
    if agency is None:
        raise NotFound(f"No agency with id {agency_id}.", code="agency_not_found")
    return agency


async def register_agency(
    session: AsyncSession, *, registration: AgencyRegistration, idempotency: IdempotentRequest | None
) -> Outcome:
    async with session.begin():
        return await answer_once(session, idempotency, lambda: _register_agency(session, registration))


async def _register_agency(session: AsyncSession, registration: AgencyRegistration) -> Outcome:
    country_name = await _register_country(session, registration.country.code, registration.country.name)
    if country_name.casefold() != registration.country.name.casefold():
        raise Conflict(
            f"Country {registration.country.code} is registered as '{country_name}', "
            f"not '{registration.country.name}'.",
            code="country_name_mismatch",
        )
    agency = Agency(
        id=uuid.uuid4(),
        country_code=registration.country.code,
        name=registration.name,
        agency_type=registration.agency_type,
        mandate=registration.mandate,
        is_national_coordination_unit=registration.is_national_coordination_unit,
        status="pending",
        registered_at=datetime.now(UTC),
    )
    # Inserted first, the unique indexes deciding (one name per country, one coordination unit per country): a
    # registration that takes no row is then told which rule it broke. Two round trips fewer than checking first.
    inserted = await session.scalar(
        _INSERT_AGENCY, {column: getattr(agency, column) for column in _REGISTERED_COLUMNS}
    )
    if inserted is None:
        raise await _why_not_registered(session, registration)
    await add_event(
        session,
        AgencyRegisteredV1(
            agency_id=str(agency.id),
            country_code=agency.country_code,
            country_name=country_name,
            name=agency.name,
            agency_type=registration.agency_type,
            mandate=agency.mandate,
            is_national_coordination_unit=agency.is_national_coordination_unit,
            registered_at=agency.registered_at,
        ),
        aggregate_id=str(agency.id),
        source=SOURCE,
        release=of_agency(agency.country_code),
    )
    body = AgencyOut.model_validate(agency).model_dump(mode="json")
    return Outcome(201, body, {"Location": f"/agencies/{agency.id}"})


# The statements of a registration are built once: building one costs more CPU than its round trip.
_agencies, _countries = cast(Table, Agency.__table__), cast(Table, Country.__table__)
_REGISTERED_COLUMNS = (
    "id",
    "country_code",
    "name",
    "agency_type",
    "mandate",
    "is_national_coordination_unit",
    "status",
    "registered_at",
)
_INSERT_AGENCY = (
    pg_insert(_agencies)
    .values({column: bindparam(column) for column in _REGISTERED_COLUMNS})
    .on_conflict_do_nothing()
    .returning(_agencies.c.id)
)
_COUNTRY_NAME = select(_countries.c.name).where(_countries.c.code == bindparam("code"))
_INSERTED_COUNTRY = (
    pg_insert(_countries)
    .values(code=bindparam("code"), name=bindparam("name"))
    .on_conflict_do_nothing(index_elements=["code"])
    .returning(_countries.c.name)
    .cte("inserted")
)
_REGISTER_COUNTRY = select(_INSERTED_COUNTRY.c.name).union_all(_COUNTRY_NAME).limit(1)


async def _register_country(session: AsyncSession, code: str, name: str) -> str:
    """The country's registered name. A country is registered by its first agency; countries are never renamed or
    removed, so reading it needs no lock. Concurrent first registrations both insert it and the loser's insert
    does nothing; its snapshot predates the winner's commit, so it reads the name again in a statement of its own."""
    found: str | None = await session.scalar(_REGISTER_COUNTRY, {"code": code, "name": name})
    if found is None:
        found = (await session.execute(_COUNTRY_NAME, {"code": code})).scalar_one()
    return str(found)


async def _why_not_registered(session: AsyncSession, registration: AgencyRegistration) -> Conflict:
    code = registration.country.code
    duplicate = await session.scalar(
        select(Agency.id).where(
            Agency.country_code == code, func.lower(Agency.name) == registration.name.lower()
        )
    )
    if duplicate is not None:
        return Conflict(
            f"{code} already has an agency named '{registration.name}'.",
            code="agency_already_registered",
            agency_id=str(duplicate),
        )
    if registration.is_national_coordination_unit and await session.scalar(
        select(Agency.id).where(Agency.country_code == code, Agency.is_national_coordination_unit)
    ):
        return Conflict(
            f"{code} already has a national coordination unit.", code="national_coordination_unit_exists"
        )
    # The row that stood in the way was removed again before these reads (agencies are not removed today).
    return Conflict("The agency was registered concurrently.", code="agency_already_registered")


async def activate_agency(
    session: AsyncSession, *, agency_id: uuid.UUID, confirmed_by: str, idempotency: IdempotentRequest | None
) -> Outcome:
    async with session.begin():
        return await answer_once(
            session, idempotency, lambda: _activate_agency(session, agency_id, confirmed_by)
        )


async def _activate_agency(session: AsyncSession, agency_id: uuid.UUID, confirmed_by: str) -> Outcome:
    agency = await _get_agency_for_update(session, agency_id)
    if agency.status == "pending":
        agency.status = "active"
        agency.activated_at = datetime.now(UTC)
        agency.confirmed_by = confirmed_by
        await add_event(
            session,
            AgencyActivatedV1(
                agency_id=str(agency.id),
                country_code=agency.country_code,
                confirmed_by=confirmed_by,
                activated_at=agency.activated_at,
            ),
            aggregate_id=str(agency.id),
            source=SOURCE,
            release=of_agency(agency.country_code),
        )
    elif agency.status != "active":
        raise Conflict(
            f"Agency {agency_id} is {agency.status} and cannot be activated.", code="agency_not_pending"
        )
    return Outcome(200, AgencyOut.model_validate(agency).model_dump(mode="json"))


async def lapse_agency_onboarding(
    session: AsyncSession, *, agency_id: uuid.UUID, idempotency: IdempotentRequest | None
) -> Outcome:
    async with session.begin():
        return await answer_once(session, idempotency, lambda: _lapse_agency_onboarding(session, agency_id))


async def _lapse_agency_onboarding(session: AsyncSession, agency_id: uuid.UUID) -> Outcome:
    agency = await _get_agency_for_update(session, agency_id)
    if agency.status == "pending":
        agency.status = "lapsed"
        agency.lapsed_at = datetime.now(UTC)
        await add_event(
            session,
            AgencyOnboardingLapsedV1(
                agency_id=str(agency.id), country_code=agency.country_code, lapsed_at=agency.lapsed_at
            ),
            aggregate_id=str(agency.id),
            source=SOURCE,
            release=of_agency(agency.country_code),
        )
    elif agency.status != "lapsed":
        raise Conflict(
            f"Agency {agency_id} is {agency.status}; its onboarding cannot lapse.",
            code="agency_not_pending",
        )
    return Outcome(200, AgencyOut.model_validate(agency).model_dump(mode="json"))


async def get_agency(session: AsyncSession, *, agency_id: uuid.UUID) -> Agency:
    agency = await session.get(Agency, agency_id)
    if agency is None:
        raise NotFound(f"No agency with id {agency_id}.", code="agency_not_found")
    return agency


async def list_agencies(
    session: AsyncSession,
    *,
    limit: int,
    cursor: str | None,
    country_code: str | None,
    agency_type: str | None,
    status: str | None,
) -> tuple[list[Agency], str | None]:
    query = select(Agency)
    if country_code:
        query = query.where(Agency.country_code == country_code.upper())
    if agency_type:
        query = query.where(Agency.agency_type == agency_type)
    if status:
        query = query.where(Agency.status == status)
    return await keyset_page(
        session, query, created=Agency.registered_at, key=Agency.id, limit=limit, cursor=cursor
    )


async def list_countries(
    session: AsyncSession, *, limit: int, cursor: str | None
) -> tuple[list[Country], str | None]:
    """By code; the cursor names the last code of the page before."""
    query = select(Country).order_by(Country.code).limit(limit + 1)
    if cursor:
        (after,) = decode_cursor(cursor, arity=1)
        if not isinstance(after, str):
            raise InvalidCursor()
        query = query.where(Country.code > after)
    countries = list((await session.execute(query)).scalars())
    if len(countries) <= limit:
        return countries, None
    return countries[:limit], encode_cursor([countries[limit - 1].code])


async def get_country(session: AsyncSession, *, code: str) -> Country:
    country = await session.get(Country, code.upper())
    if country is None:
        raise NotFound(f"No country with code {code}.", code="country_not_found")
    return country
