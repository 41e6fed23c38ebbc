"""HTTP routes of facilities and bookings: no queries here, only use cases."""

from __future__ import annotations

import uuid

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from backbone.app import RuntimeDep, SessionDep
from backbone.auth.http import CurrentPrincipal
from backbone.auth.policy import require_country
from backbone.auth.principal import Principal
from backbone.errors import field_problem
from backbone.idempotency import IdempotencyKeyHeader, idempotent_request, outcome_response
from backbone.pagination import Cursor, Limit, Page
from contracts.events.training import FacilityKind
from services.training.agencies.models import KnownAgency
from services.training.facilities import service as facilities
from services.training.facilities.schemas import BookingIn, BookingOut, FacilityIn, FacilityOut, UsageIn
from services.training.policy import BOOK

router = APIRouter()
PROBLEMS: dict[int | str, dict[str, str]] = {
    404: {"description": "Unknown, or not yours to see (problem+json)"},
    409: {"description": "Conflicts with the current state, e.g. `booking_conflict` (problem+json)"},
    422: {"description": "Invalid input, naming the fields (problem+json)"},
}


async def known_country(
    rt: RuntimeDep, agency_id: uuid.UUID, field: str, *, not_country: str | None = None
) -> str:
    """The country of an agency the body names; training knows agencies from the partners service's events."""
    async with rt.sessions() as session:
        agency = await session.get(KnownAgency, agency_id)
    if agency is None:
        raise field_problem(field, "agency_unknown", f"Training knows no agency with id {agency_id} (yet).")
    if agency.country_code == not_country:
        raise field_problem(
            field, "same_country", f"The agency must be of another country than {not_country}."
        )
    return agency.country_code


async def acting_for_agency(
    rt: RuntimeDep, principal: Principal | None, agency_id: uuid.UUID, field: str
) -> str:
    """The country of the agency the body names, which must be the caller's (its own agency, if agency-bound)."""
    country = await known_country(rt, agency_id, field)
    require_country(principal, country, roles=BOOK, field=field, agency=str(agency_id))
    return country


@router.post(
    "/facilities",
    status_code=201,
    response_model=FacilityOut,
    tags=["facilities"],
    responses=PROBLEMS,
    summary="Register a facility of one of your agencies, shared with the countries you name",
)
async def register_facility(
    body: FacilityIn,
    session: SessionDep,
    rt: RuntimeDep,
    principal: CurrentPrincipal,
    idempotency_key: IdempotencyKeyHeader = None,
) -> JSONResponse:
    country = await acting_for_agency(rt, principal, body.owner_agency_id, "owner_agency_id")
    idem = idempotent_request("training.register_facility", idempotency_key, body.model_dump(mode="json"))
    return outcome_response(
        await facilities.register_facility(session, facility=body, owner_country=country, idempotency=idem)
    )


@router.get("/facilities", response_model=Page[FacilityOut], tags=["facilities"], responses=PROBLEMS)
async def list_facilities(
    session: SessionDep, limit: Limit = 50, cursor: Cursor = None, kind: FacilityKind | None = None
) -> Page[FacilityOut]:
    rows, next_cursor = await facilities.list_facilities(session, limit=limit, cursor=cursor, kind=kind)
    return Page[FacilityOut](
        items=[FacilityOut.model_validate(r) for r in rows], next_cursor=next_cursor, limit=limit
    )


@router.get("/facilities/{facility_id}", response_model=FacilityOut, tags=["facilities"], responses=PROBLEMS)
async def get_facility(facility_id: uuid.UUID, session: SessionDep) -> FacilityOut:
    return FacilityOut.model_validate(await facilities.get_facility(session, facility_id=facility_id))


@router.post(
    "/facilities/{facility_id}/bookings",
    status_code=201,
    response_model=BookingOut,
    tags=["facilities"],
    responses=PROBLEMS,
    summary="Book the facility for [starts_at, ends_at): 409 booking_conflict if any active booking overlaps",
)
async def book_facility(
    facility_id: uuid.UUID,
    body: BookingIn,
    session: SessionDep,
    rt: RuntimeDep,
    principal: CurrentPrincipal,
    idempotency_key: IdempotencyKeyHeader = None,
) -> JSONResponse:
    country = await acting_for_agency(rt, principal, body.agency_id, "agency_id")
    idem = idempotent_request(f"training.book:{facility_id}", idempotency_key, body.model_dump(mode="json"))
    return outcome_response(
        await facilities.book(
            session, facility_id=facility_id, booking=body, booker_country=country, idempotency=idem
        )
    )


@router.get(
    "/facilities/{facility_id}/bookings",
    response_model=Page[BookingOut],
    tags=["facilities"],
    responses=PROBLEMS,
    summary="The facility's bookings in time order (active only unless include_cancelled)",
)
async def list_bookings(
    facility_id: uuid.UUID,
    session: SessionDep,
    include_cancelled: bool = False,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[BookingOut]:
    items, next_cursor = await facilities.list_bookings(
        session, facility_id=facility_id, include_cancelled=include_cancelled, limit=limit, cursor=cursor
    )
    return Page[BookingOut](items=items, next_cursor=next_cursor, limit=limit)


@router.post(
    "/bookings/{booking_id}/cancellation",
    response_model=BookingOut,
    tags=["facilities"],
    responses=PROBLEMS,
    summary="Release a booking (again: nothing changes)",
)
async def cancel_booking(booking_id: uuid.UUID, session: SessionDep) -> BookingOut:
    return await facilities.cancel(session, booking_id=booking_id)


@router.post(
    "/bookings/{booking_id}/usage",
    response_model=BookingOut,
    tags=["facilities"],
    responses=PROBLEMS,
    summary="Record how a started booking was used (hours, attendees), announced for finance",
)
async def record_usage(booking_id: uuid.UUID, body: UsageIn, session: SessionDep) -> BookingOut:
    return await facilities.record_usage(session, booking_id=booking_id, usage=body)
