"""HTTP routes of curricula: co-design (drafts, proposals, comments), submission, revisions and variants."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from backbone.app import RuntimeDep, SessionDep
from backbone.auth.http import CurrentPrincipal
from backbone.auth.policy import require_country
from backbone.auth.principal import Principal
from backbone.idempotency import IdempotencyKeyHeader, idempotent_request, outcome_response
from backbone.pagination import Cursor, Limit, Page, PathNumber
from services.training.curricula import approval as curriculum_approval
from services.training.curricula import queries as curriculum_queries
from services.training.curricula import service as curricula
from services.training.curricula.schemas import (
    CommentIn,
    CommentOut,
    CurriculumIn,
    CurriculumOut,
    DiscussionOut,
    DraftIn,
    ProposalIn,
    ProposalOut,
    RevisionIn,
    SettleIn,
    SubmissionIn,
    VariantIn,
    VersionOut,
)
from services.training.facilities.api import PROBLEMS, known_country
from services.training.policy import DISCUSS

router = APIRouter(tags=["curricula"])


def author(principal: Principal | None) -> str:
    return principal.subject if principal else "system"


async def acting_for(
    rt: RuntimeDep, principal: Principal | None, agency_id: uuid.UUID, roles: frozenset[str]
) -> str:
    country = await known_country(rt, agency_id, "agency_id")
    require_country(principal, country, roles=roles, field="agency_id", agency=str(agency_id))
    return country


@router.post(
    "/curricula",
    status_code=201,
    response_model=CurriculumOut,
    responses=PROBLEMS,
    summary="Start a curriculum for a partnership your country is a member of: its first version is a draft",
)
async def create_curriculum(
    body: CurriculumIn,
    session: SessionDep,
    rt: RuntimeDep,
    principal: CurrentPrincipal,
    idempotency_key: IdempotencyKeyHeader = None,
) -> JSONResponse:
    country = await acting_for(rt, principal, body.agency_id, curricula.DRAFT)
    idem = idempotent_request("training.create_curriculum", idempotency_key, body.model_dump(mode="json"))
    return outcome_response(
        await curricula.create(
            session, body=body, country=country, author=author(principal), idempotency=idem
        )
    )


@router.get("/curricula", response_model=Page[CurriculumOut], responses=PROBLEMS)
async def list_curricula(
    session: SessionDep, partnership_id: uuid.UUID = Query(), limit: Limit = 50, cursor: Cursor = None
) -> Page[CurriculumOut]:
    items, next_cursor = await curriculum_queries.list_for_partnership(
        session, partnership_id=partnership_id, limit=limit, cursor=cursor
    )
    return Page[CurriculumOut](items=items, next_cursor=next_cursor, limit=limit)


@router.get("/curricula/{curriculum_id}", response_model=CurriculumOut, responses=PROBLEMS)
async def get_curriculum(curriculum_id: uuid.UUID, session: SessionDep) -> CurriculumOut:
    return await curriculum_queries.view_one(session, curriculum_id=curriculum_id)


@router.get(
    "/curricula/{curriculum_id}/versions/{number}",
    response_model=VersionOut,
    responses=PROBLEMS,
    summary="A version with its modules, and for a revision its reason and its difference to the previous one",
)
async def get_version(curriculum_id: uuid.UUID, number: PathNumber, session: SessionDep) -> VersionOut:
    return await curriculum_queries.get_version(session, curriculum_id=curriculum_id, number=number)


@router.get(
    "/curricula/{curriculum_id}/versions/{number}/discussion",
    response_model=DiscussionOut,
    responses=PROBLEMS,
    summary="The proposals and comments a version received while it was a draft",
)
async def get_discussion(curriculum_id: uuid.UUID, number: PathNumber, session: SessionDep) -> DiscussionOut:
    return await curriculum_queries.discussion(session, curriculum_id=curriculum_id, number=number)


@router.put(
    "/curricula/{curriculum_id}/draft",
    response_model=VersionOut,
    responses=PROBLEMS,
    summary="The drafting country rewrites its draft (title and modules)",
)
async def edit_draft(
    curriculum_id: uuid.UUID, body: DraftIn, session: SessionDep, principal: CurrentPrincipal
) -> VersionOut:
    return await curricula.edit_draft(session, curriculum_id=curriculum_id, body=body, principal=principal)


@router.post(
    "/curricula/{curriculum_id}/draft/proposals",
    status_code=201,
    response_model=ProposalOut,
    responses=PROBLEMS,
    summary="A member agency proposes a change to the draft: add, replace or remove a module",
)
async def propose(
    curriculum_id: uuid.UUID,
    body: ProposalIn,
    session: SessionDep,
    rt: RuntimeDep,
    principal: CurrentPrincipal,
    idempotency_key: IdempotencyKeyHeader = None,
) -> JSONResponse:
    country = await acting_for(rt, principal, body.agency_id, DISCUSS)
    idem = idempotent_request(
        f"training.propose:{curriculum_id}", idempotency_key, body.model_dump(mode="json")
    )
    return outcome_response(
        await curricula.propose(
            session,
            curriculum_id=curriculum_id,
            body=body,
            country=country,
            author=author(principal),
            idempotency=idem,
        )
    )


@router.post(
    "/curricula/{curriculum_id}/draft/proposals/{proposal_id}/{verdict}",
    response_model=ProposalOut,
    responses=PROBLEMS,
    summary="The drafting country accepts a proposal (`acceptance`: applied to the draft) or declines it",
)
async def settle_proposal(
    curriculum_id: uuid.UUID,
    proposal_id: uuid.UUID,
    verdict: curricula.Verdict,
    session: SessionDep,
    principal: CurrentPrincipal,
    body: SettleIn | None = None,
) -> ProposalOut:
    return await curricula.settle(
        session,
        curriculum_id=curriculum_id,
        proposal_id=proposal_id,
        accept=verdict == "acceptance",
        reason=body.reason if body else None,
        principal=principal,
    )


@router.post(
    "/curricula/{curriculum_id}/draft/comments",
    status_code=201,
    response_model=CommentOut,
    responses=PROBLEMS,
    summary="A member agency comments on the draft or on one of its proposals",
)
async def comment(
    curriculum_id: uuid.UUID,
    body: CommentIn,
    session: SessionDep,
    rt: RuntimeDep,
    principal: CurrentPrincipal,
) -> CommentOut:
    country = await acting_for(rt, principal, body.agency_id, DISCUSS)
    return await curricula.comment(
        session, curriculum_id=curriculum_id, body=body, country=country, author=author(principal)
    )


@router.post(
    "/curricula/{curriculum_id}/draft/submission",
    response_model=VersionOut,
    responses=PROBLEMS,
    summary="Put the draft to the oversight body (the partners service opens a curriculum_approval decision)",
)
async def submit(
    curriculum_id: uuid.UUID, body: SubmissionIn, session: SessionDep, principal: CurrentPrincipal
) -> VersionOut:
    return await curriculum_approval.submit(
        session, curriculum_id=curriculum_id, body=body, principal=principal
    )


@router.post(
    "/curricula/{curriculum_id}/draft/withdrawal",
    response_model=VersionOut,
    responses=PROBLEMS,
    summary="Take a submitted draft back (the open decision about it no longer changes anything)",
)
async def withdraw(curriculum_id: uuid.UUID, session: SessionDep, principal: CurrentPrincipal) -> VersionOut:
    return await curriculum_approval.withdraw(session, curriculum_id=curriculum_id, principal=principal)


@router.post(
    "/curricula/{curriculum_id}/revisions",
    status_code=201,
    response_model=VersionOut,
    responses=PROBLEMS,
    summary="Start the next version as a draft, copied from the latest one, with the reason it changes",
)
async def revise(
    curriculum_id: uuid.UUID, body: RevisionIn, session: SessionDep, principal: CurrentPrincipal
) -> JSONResponse:
    return outcome_response(
        await curricula.revise(session, curriculum_id=curriculum_id, body=body, principal=principal)
    )


@router.post(
    "/curricula/{curriculum_id}/variants",
    status_code=201,
    response_model=CurriculumOut,
    responses=PROBLEMS,
    summary="Adapt an approved curriculum to a local context or a language: a new curriculum, approved on its own",
)
async def create_variant(
    curriculum_id: uuid.UUID,
    body: VariantIn,
    session: SessionDep,
    rt: RuntimeDep,
    principal: CurrentPrincipal,
    idempotency_key: IdempotencyKeyHeader = None,
) -> JSONResponse:
    country = await acting_for(rt, principal, body.agency_id, curricula.DRAFT)
    idem = idempotent_request(
        f"training.create_variant:{curriculum_id}", idempotency_key, body.model_dump(mode="json")
    )
    return outcome_response(
        await curricula.create_variant(
            session,
            origin_id=curriculum_id,
            body=body,
            country=country,
            author=author(principal),
            idempotency=idem,
        )
    )
