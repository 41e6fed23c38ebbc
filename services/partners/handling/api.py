"""HTTP routes by which an originator widens or narrows who may see one of its records."""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from backbone.app import RuntimeDep, SessionDep
from backbone.auth.http import CurrentPrincipal
from services.partners import access
from services.partners.handling import service as handling
from services.partners.handling.schemas import HandlingChangeIn, HandlingChangeOut
from services.partners.policy import AGENCY_WRITE, DISPUTE
from services.partners.problems import PROBLEMS

router = APIRouter()


@router.put(
    "/disputes/{dispute_id}/handling",
    response_model=HandlingChangeOut,
    tags=["disputes"],
    responses=PROBLEMS,
    summary="The raising agency's country re-codes who may see the dispute (recorded and announced)",
)
async def change_dispute_handling(
    dispute_id: uuid.UUID,
    body: HandlingChangeIn,
    session: SessionDep,
    rt: RuntimeDep,
    principal: CurrentPrincipal,
) -> HandlingChangeOut:
    await access.require_originator(rt, principal, "dispute", dispute_id, roles=DISPUTE)
    return HandlingChangeOut.model_validate(
        await handling.change_handling(
            session, kind="dispute", object_id=dispute_id, new_code=body.handling_code, reason=body.reason
        )
    )


@router.put(
    "/agencies/{agency_id}/capacity-profiles/{profile_id}/handling",
    response_model=HandlingChangeOut,
    tags=["capacity"],
    responses=PROBLEMS,
    summary="The agency's country re-codes who may see one of its capacity profiles (recorded and announced)",
)
async def change_capacity_profile_handling(
    agency_id: uuid.UUID,
    profile_id: uuid.UUID,
    body: HandlingChangeIn,
    session: SessionDep,
    rt: RuntimeDep,
    principal: CurrentPrincipal,
) -> HandlingChangeOut:
    await access.require_originator(
        rt, principal, "capacity_profile", profile_id, roles=AGENCY_WRITE, agency_id=agency_id
    )
    return HandlingChangeOut.model_validate(
        await handling.change_handling(
            session,
            kind="capacity_profile",
            object_id=profile_id,
            new_code=body.handling_code,
            reason=body.reason,
        )
    )
