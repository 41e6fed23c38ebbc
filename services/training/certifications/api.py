"""HTTP routes of certifications; the credential's public status and the issuer's keys need no token."""

from __future__ import annotations

import uuid
from typing import Any, Literal

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from backbone.app import RuntimeDep, SessionDep
from backbone.auth.http import CurrentPrincipal
from backbone.db import SYSTEM_TENANT, TENANT
from backbone.idempotency import IdempotencyKeyHeader, idempotent_request, outcome_response
from services.training import processes
from services.training.certifications import credentials, refreshers
from services.training.certifications import service as certifications
from services.training.certifications.schemas import (
    CertificationIn,
    CertificationOut,
    CredentialOut,
    CredentialStatusOut,
    RefresherStepIn,
    RenewalIn,
    StatusChangeIn,
)
from services.training.facilities.api import PROBLEMS, acting_for_agency
from workflows.certification_refresher.shared import (
    RefresherCompleted,
    RefresherStatus,
)

router = APIRouter()
public_router = APIRouter()


@router.post(
    "/certifications",
    status_code=201,
    response_model=CertificationOut,
    tags=["certifications"],
    responses=PROBLEMS,
    summary="Certify a trainee of your country who completed a curriculum and passed an assessment of one of the "
    "certified competencies in the issuing partnership (`assessment_id`, as the assessment service announced it)",
)
async def issue_certification(
    body: CertificationIn,
    session: SessionDep,
    rt: RuntimeDep,
    principal: CurrentPrincipal,
    idempotency_key: IdempotencyKeyHeader = None,
) -> JSONResponse:
    country = await acting_for_agency(rt, principal, body.agency_id, "agency_id")
    idem = idempotent_request("training.certify", idempotency_key, body.model_dump(mode="json"))
    return outcome_response(
        await certifications.issue(session, request=body, country=country, idempotency=idem)
    )


@router.get(
    "/certifications/{certification_id}",
    response_model=CertificationOut,
    tags=["certifications"],
    responses=PROBLEMS,
)
async def get_certification(certification_id: uuid.UUID, session: SessionDep) -> CertificationOut:
    async with session.begin():
        return certifications.view(await certifications.get(session, certification_id=certification_id))


@router.get(
    "/certifications/{certification_id}/credential",
    response_model=CredentialOut,
    tags=["certifications"],
    responses=PROBLEMS,
    summary="The certification as a signed verifiable credential the holder can take anywhere",
)
async def get_credential(certification_id: uuid.UUID, session: SessionDep, rt: RuntimeDep) -> CredentialOut:
    async with session.begin():
        certification = await certifications.get(session, certification_id=certification_id)
    return CredentialOut(
        credential=credentials.sign(certification, rt.settings),
        jwks_url=credentials.jwks_url(rt.settings),
        status_url=credentials.status_url(rt.settings, certification),
    )


@public_router.get(
    "/credentials/{certification_id}/status",
    response_model=CredentialStatusOut,
    tags=["credentials"],
    responses={404: {"description": "No such credential (problem+json)"}},
    summary="Is this credential valid now? (anyone may ask: no token, nothing about the person)",
)
async def credential_status(certification_id: uuid.UUID, session: SessionDep) -> CredentialStatusOut:
    TENANT.set(SYSTEM_TENANT)  # a status names no tenant's data; the row is looked up by its id only
    return await certifications.public_status(session, certification_id=certification_id)


@public_router.get(
    "/.well-known/jwks.json", tags=["credentials"], summary="The keys credentials are signed with"
)
async def credential_keys(rt: RuntimeDep) -> dict[str, Any]:
    return credentials.keystore(rt.settings).jwks()


@router.post(
    "/certifications/{certification_id}/refresher-completion",
    response_model=RefresherStatus,
    tags=["certifications"],
    responses=PROBLEMS,
    summary="The holder completed the refresher they were enrolled in: the certification is renewed",
)
async def complete_refresher(
    certification_id: uuid.UUID, body: RefresherCompleted, rt: RuntimeDep
) -> RefresherStatus:
    return await processes.complete_refresher(await rt.temporal(), str(certification_id), body)


@router.post(
    "/internal/certifications/{certification_id}/refresher-steps", tags=["workflows"], responses=PROBLEMS
)
async def take_refresher_step(
    certification_id: uuid.UUID,
    body: RefresherStepIn,
    session: SessionDep,
    idempotency_key: IdempotencyKeyHeader = None,
) -> JSONResponse:
    idem = idempotent_request(
        f"training.refresher_step:{certification_id}", idempotency_key, body.model_dump()
    )
    return outcome_response(
        await refreshers.take_step(
            session, certification_id=certification_id, kind=body.kind, idempotency=idem
        )
    )


@router.post("/internal/certifications/{certification_id}/renewal", tags=["workflows"], responses=PROBLEMS)
async def renew_certification(
    certification_id: uuid.UUID,
    body: RenewalIn,
    session: SessionDep,
    idempotency_key: IdempotencyKeyHeader = None,
) -> JSONResponse:
    idem = idempotent_request(
        f"training.renewal:{certification_id}", idempotency_key, body.model_dump(mode="json")
    )
    return outcome_response(
        await refreshers.renew(
            session, certification_id=certification_id, completed_on=body.completed_on, idempotency=idem
        )
    )


@router.post("/internal/certifications/{certification_id}/expiry", tags=["workflows"], responses=PROBLEMS)
async def expire_certification(
    certification_id: uuid.UUID, session: SessionDep, idempotency_key: IdempotencyKeyHeader = None
) -> JSONResponse:
    idem = idempotent_request(f"training.expiry:{certification_id}", idempotency_key, {})
    return outcome_response(
        await refreshers.expire(session, certification_id=certification_id, idempotency=idem)
    )


# Last: its `{change}` would otherwise catch /refresher-completion and the like.
@router.post(
    "/certifications/{certification_id}/{change}",
    response_model=CertificationOut,
    tags=["certifications"],
    responses=PROBLEMS,
    summary="Suspend, reinstate or revoke (for good) a certification, with the reason",
)
async def change_certification_status(
    certification_id: uuid.UUID,
    change: Literal["suspension", "reinstatement", "revocation"],
    body: StatusChangeIn,
    session: SessionDep,
) -> CertificationOut:
    return await certifications.change_status(
        session, certification_id=certification_id, change=change, reason=body.reason
    )
