"""HTTP routes of instructors and their assignments to cohorts."""

from __future__ import annotations

import uuid

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from backbone.app import RuntimeDep, SessionDep
from backbone.auth.http import CurrentPrincipal
from backbone.idempotency import IdempotencyKeyHeader, idempotent_request, outcome_response
from backbone.pagination import Cursor, Limit, Page
from services.training.cohorts import service as cohorts
from services.training.curricula.api import acting_for
from services.training.facilities.api import PROBLEMS
from services.training.instructors import service as instructors
from services.training.instructors.schemas import (
    AssignmentIn,
    AssignmentOut,
    AvailabilityIn,
    CandidateIn,
    InstructorIn,
    InstructorOut,
)

router = APIRouter(tags=["instructors"])


@router.post(
    "/instructors",
    status_code=201,
    response_model=InstructorOut,
    responses=PROBLEMS,
    summary="Register an instructor of one of your agencies, shared with the countries you name",
)
async def register_instructor(
    body: InstructorIn,
    session: SessionDep,
    rt: RuntimeDep,
    principal: CurrentPrincipal,
    idempotency_key: IdempotencyKeyHeader = None,
) -> JSONResponse:
    country = await acting_for(rt, principal, body.agency_id, cohorts.ORGANISE)
    idem = idempotent_request("training.register_instructor", idempotency_key, body.model_dump(mode="json"))
    return outcome_response(await instructors.register(session, body=body, country=country, idempotency=idem))


@router.post(
    "/instructors/candidates",
    status_code=201,
    response_model=InstructorOut,
    responses=PROBLEMS,
    summary="Train-the-trainer: a graduate with a qualifying certification becomes an instructor candidate",
)
async def propose_candidate(
    body: CandidateIn,
    session: SessionDep,
    principal: CurrentPrincipal,
    idempotency_key: IdempotencyKeyHeader = None,
) -> JSONResponse:
    idem = idempotent_request("training.instructor_candidate", idempotency_key, body.model_dump(mode="json"))
    return outcome_response(
        await instructors.propose_candidate(session, body=body, principal=principal, idempotency=idem)
    )


@router.get("/instructors/{instructor_id}", response_model=InstructorOut, responses=PROBLEMS)
async def get_instructor(instructor_id: uuid.UUID, session: SessionDep) -> InstructorOut:
    return await instructors.view_one(session, instructor_id=instructor_id)


@router.post(
    "/instructors/{instructor_id}/activation",
    response_model=InstructorOut,
    responses=PROBLEMS,
    summary="The instructor's national coordination unit turns a candidate into an instructor",
)
async def activate(
    instructor_id: uuid.UUID, session: SessionDep, principal: CurrentPrincipal
) -> InstructorOut:
    return await instructors.activate(session, instructor_id=instructor_id, principal=principal)


@router.post(
    "/instructors/{instructor_id}/availability",
    response_model=InstructorOut,
    responses=PROBLEMS,
    summary="Declare a period the instructor can teach in",
)
async def add_availability(
    instructor_id: uuid.UUID, body: AvailabilityIn, session: SessionDep, principal: CurrentPrincipal
) -> InstructorOut:
    return await instructors.add_availability(
        session, instructor_id=instructor_id, body=body, principal=principal
    )


@router.post(
    "/cohorts/{cohort_id}/instructors",
    status_code=201,
    response_model=AssignmentOut,
    responses=PROBLEMS,
    summary="The organiser assigns a qualified, available instructor (never two overlapping cohorts)",
)
async def assign(
    cohort_id: uuid.UUID, body: AssignmentIn, session: SessionDep, principal: CurrentPrincipal
) -> AssignmentOut:
    return await instructors.assign(session, cohort_id=cohort_id, body=body, principal=principal)


@router.get("/cohorts/{cohort_id}/instructors", response_model=Page[AssignmentOut], responses=PROBLEMS)
async def list_assignments(
    cohort_id: uuid.UUID, session: SessionDep, limit: Limit = 50, cursor: Cursor = None
) -> Page[AssignmentOut]:
    items, next_cursor = await instructors.of_cohort(session, cohort_id=cohort_id, limit=limit, cursor=cursor)
    return Page[AssignmentOut](items=items, next_cursor=next_cursor, limit=limit)


@router.post(
    "/cohorts/{cohort_id}/instructors/{assignment_id}/release",
    response_model=AssignmentOut,
    responses=PROBLEMS,
    summary="The organiser releases an instructor from the cohort",
)
async def release(
    cohort_id: uuid.UUID, assignment_id: uuid.UUID, session: SessionDep, principal: CurrentPrincipal
) -> AssignmentOut:
    return await instructors.release(
        session, cohort_id=cohort_id, assignment_id=assignment_id, principal=principal
    )
