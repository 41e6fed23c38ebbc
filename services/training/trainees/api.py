"""A trainee's own records, found by the account they sign in with (the `subject` their agency or NCU named
when nominating or certifying them): enrollments with progress, certifications, and their credentials. Read in
the request's own session, so row-level security confines them to the trainee's country whatever the query."""

from __future__ import annotations

import uuid

from fastapi import APIRouter
from sqlalchemy import select

from backbone.app import RuntimeDep, SessionDep
from backbone.auth.http import CurrentPrincipal, Forbidden
from backbone.errors import NotFound
from backbone.pagination import Cursor, Limit, Page, keyset_page
from services.training.certifications import credentials
from services.training.certifications import service as certifications
from services.training.certifications.schemas import CertificationOut, CredentialOut
from services.training.cohorts import service as cohorts
from services.training.facilities.api import PROBLEMS
from services.training.learning.schemas import ProgressOut
from services.training.models import Certification, ModuleProgress, Nomination
from services.training.trainees.schemas import MyEnrollmentOut

router = APIRouter(tags=["me"])


def _subject(principal: CurrentPrincipal) -> str:
    if principal is None or principal.kind != "user":
        raise Forbidden("Only a signed-in trainee has records of their own here.")
    return principal.subject


@router.get("/me/enrollments", response_model=Page[MyEnrollmentOut], responses=PROBLEMS)
async def my_enrollments(
    principal: CurrentPrincipal, session: SessionDep, limit: Limit = 50, cursor: Cursor = None
) -> Page[MyEnrollmentOut]:
    subject = _subject(principal)
    async with session.begin():
        rows, next_cursor = await keyset_page(
            session,
            select(Nomination).where(Nomination.trainee_subject == subject),
            created=Nomination.nominated_at,
            key=Nomination.id,
            limit=limit,
            cursor=cursor,
        )
        mine = []
        for nomination in rows:
            progress = await session.scalars(
                select(ModuleProgress)
                .where(ModuleProgress.nomination_id == nomination.id)
                .order_by(ModuleProgress.first_seen_at, ModuleProgress.module_code)
            )
            mine.append(
                MyEnrollmentOut(
                    nomination=await cohorts.nomination_view(session, nomination),
                    progress=[ProgressOut.model_validate(p) for p in progress],
                )
            )
        return Page[MyEnrollmentOut](items=mine, next_cursor=next_cursor, limit=limit)


@router.get("/me/certifications", response_model=Page[CertificationOut], responses=PROBLEMS)
async def my_certifications(
    principal: CurrentPrincipal, session: SessionDep, limit: Limit = 50, cursor: Cursor = None
) -> Page[CertificationOut]:
    subject = _subject(principal)
    async with session.begin():
        rows, next_cursor = await keyset_page(
            session,
            select(Certification).where(Certification.trainee_subject == subject),
            created=Certification.issued_at,
            key=Certification.id,
            limit=limit,
            cursor=cursor,
        )
        return Page[CertificationOut](
            items=[certifications.view(c) for c in rows], next_cursor=next_cursor, limit=limit
        )


@router.get(
    "/me/certifications/{certification_id}/credential",
    response_model=CredentialOut,
    responses=PROBLEMS,
    summary="The holder takes their certification away as a signed verifiable credential",
)
async def my_credential(
    certification_id: uuid.UUID, principal: CurrentPrincipal, rt: RuntimeDep, session: SessionDep
) -> CredentialOut:
    subject = _subject(principal)
    async with session.begin():
        certification = await session.get(Certification, certification_id)
    if certification is None or certification.trainee_subject != subject:
        raise NotFound(
            f"No certification of yours with id {certification_id}.", code="certification_not_found"
        )
    return CredentialOut(
        credential=credentials.sign(certification, rt.settings),
        jwks_url=credentials.jwks_url(rt.settings),
        status_url=credentials.status_url(rt.settings, certification),
    )
