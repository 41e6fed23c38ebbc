"""HTTP routes of the partners service: no queries here, only use cases."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import JSONResponse

from backbone.app import RuntimeDep, SessionDep
from backbone.auth.http import CurrentPrincipal, WorkflowsOnly
from backbone.auth.policy import require_country
from backbone.errors import DomainError
from backbone.idempotency import IdempotencyKeyHeader, idempotent_request, outcome_response
from backbone.pagination import Cursor, Limit, Page
from contracts.events.partners import AgencyType
from services.partners import processes
from services.partners.agencies import service
from services.partners.agencies.schemas import (
    ActivationIn,
    AgencyOut,
    AgencyRegistration,
    AgencyStatus,
    CountryOut,
    OnboardingConfirmation,
    OnboardingOut,
    OnboardingStart,
)
from services.partners.policy import NATIONAL
from services.partners.problems import PROBLEMS
from workflows.agency_onboarding.shared import (
    OnboardingStatus,
)

router = APIRouter()


@router.post(
    "/agencies",
    status_code=201,
    response_model=AgencyOut,
    tags=["agencies"],
    responses=PROBLEMS,
    summary="Register an agency of a country (registers the country on first use)",
)
async def register_agency(
    body: AgencyRegistration,
    session: SessionDep,
    principal: CurrentPrincipal,
    idempotency_key: IdempotencyKeyHeader = None,
) -> JSONResponse:
    require_country(principal, body.country.code, roles=NATIONAL, field="country.code")
    idem = idempotent_request("partners.register_agency", idempotency_key, body.model_dump(mode="json"))
    outcome = await service.register_agency(session, registration=body, idempotency=idem)
    return outcome_response(outcome)


@router.get(
    "/agencies",
    response_model=Page[AgencyOut],
    tags=["agencies"],
    responses=PROBLEMS,
    summary="List agencies, oldest first, filtered and paginated",
)
async def list_agencies(
    session: SessionDep,
    limit: Limit = 50,
    cursor: Cursor = None,
    country: Annotated[str | None, Query(pattern="^[A-Za-z]{2}$", description="ISO alpha-2")] = None,
    agency_type: AgencyType | None = None,
    status: AgencyStatus | None = None,
) -> Page[AgencyOut]:
    rows, next_cursor = await service.list_agencies(
        session, limit=limit, cursor=cursor, country_code=country, agency_type=agency_type, status=status
    )
    return Page[AgencyOut](
        items=[AgencyOut.model_validate(r) for r in rows], next_cursor=next_cursor, limit=limit
    )


@router.get("/agencies/{agency_id}", response_model=AgencyOut, tags=["agencies"], responses=PROBLEMS)
async def get_agency(agency_id: uuid.UUID, session: SessionDep) -> AgencyOut:
    return AgencyOut.model_validate(await service.get_agency(session, agency_id=agency_id))


@router.post(
    "/agencies/{agency_id}/activation",
    dependencies=[WorkflowsOnly],
    response_model=AgencyOut,
    tags=["agencies"],
    responses=PROBLEMS,
    summary="Activate a pending agency (called by the onboarding workflow)",
)
async def activate_agency(
    agency_id: uuid.UUID,
    body: ActivationIn,
    session: SessionDep,
    idempotency_key: IdempotencyKeyHeader = None,
) -> JSONResponse:
    idem = idempotent_request(f"partners.activate_agency:{agency_id}", idempotency_key, body.model_dump())
    return outcome_response(
        await service.activate_agency(
            session, agency_id=agency_id, confirmed_by=body.confirmed_by, idempotency=idem
        )
    )


@router.post(
    "/agencies/{agency_id}/onboarding-lapse",
    dependencies=[WorkflowsOnly],
    response_model=AgencyOut,
    tags=["agencies"],
    responses=PROBLEMS,
    summary="Record that onboarding lapsed (called by the onboarding workflow)",
)
async def lapse_onboarding(
    agency_id: uuid.UUID, session: SessionDep, idempotency_key: IdempotencyKeyHeader = None
) -> JSONResponse:
    idem = idempotent_request(f"partners.lapse_onboarding:{agency_id}", idempotency_key, {})
    return outcome_response(
        await service.lapse_agency_onboarding(session, agency_id=agency_id, idempotency=idem)
    )


def _onboarding_out(
    status: OnboardingStatus, workflow_id: str, request: Request, rt: RuntimeDep
) -> OnboardingOut:
    return OnboardingOut(
        workflow_id=workflow_id,
        agency_id=uuid.UUID(status.agency_id),
        state=status.state,
        confirmed_by=status.confirmed_by,
        deadline=status.deadline,
        temporal_ui=f"{rt.settings.temporal_ui_url}/namespaces/{rt.settings.temporal_namespace}/workflows/{workflow_id}",
    )


@router.post(
    "/agencies/{agency_id}/onboarding",
    status_code=202,
    response_model=OnboardingOut,
    tags=["onboarding"],
    responses=PROBLEMS,
    summary="Start the agency's onboarding workflow (starting it again returns the running one)",
)
async def start_onboarding(
    agency_id: uuid.UUID,
    session: SessionDep,
    rt: RuntimeDep,
    request: Request,
    body: OnboardingStart | None = None,
) -> OnboardingOut:
    agency = await service.get_agency(session, agency_id=agency_id)
    await session.close()
    if agency.status != "pending":
        raise DomainError(
            f"Agency {agency_id} is already {agency.status}.", code="agency_not_pending", status=409
        )
    workflow_id, status = await processes.start_agency_onboarding(
        await rt.temporal(),
        task_queue=rt.settings.temporal_task_queue,
        agency_id=str(agency_id),
        country_code=agency.country_code,
        deadline_hours=(body or OnboardingStart()).confirmation_deadline_hours,
    )
    return _onboarding_out(status, workflow_id, request, rt)


@router.get(
    "/agencies/{agency_id}/onboarding",
    response_model=OnboardingOut,
    tags=["onboarding"],
    responses=PROBLEMS,
    summary="Where the agency's onboarding stands",
)
async def get_onboarding(agency_id: uuid.UUID, rt: RuntimeDep, request: Request) -> OnboardingOut:
    workflow_id, status = await processes.agency_onboarding_status(await rt.temporal(), str(agency_id))
    return _onboarding_out(status, workflow_id, request, rt)


@router.post(
    "/agencies/{agency_id}/onboarding/confirmation",
    status_code=202,
    response_model=OnboardingOut,
    tags=["onboarding"],
    responses=PROBLEMS,
    summary="The national coordination unit confirms the agency",
)
async def confirm_onboarding(
    agency_id: uuid.UUID, body: OnboardingConfirmation, rt: RuntimeDep, request: Request
) -> OnboardingOut:
    workflow_id, status = await processes.confirm_agency(
        await rt.temporal(), str(agency_id), confirmed_by=body.confirmed_by
    )
    return _onboarding_out(status, workflow_id, request, rt)


@router.get("/countries", response_model=Page[CountryOut], tags=["countries"], responses=PROBLEMS)
async def list_countries(session: SessionDep, limit: Limit = 50, cursor: Cursor = None) -> Page[CountryOut]:
    countries, next_cursor = await service.list_countries(session, limit=limit, cursor=cursor)
    return Page[CountryOut](
        items=[CountryOut.model_validate(c) for c in countries], next_cursor=next_cursor, limit=limit
    )


@router.get("/countries/{code}", response_model=CountryOut, tags=["countries"], responses=PROBLEMS)
async def get_country(code: Annotated[str, Path(pattern="^[A-Za-z]{2}$")], session: SessionDep) -> CountryOut:
    return CountryOut.model_validate(await service.get_country(session, code=code))
