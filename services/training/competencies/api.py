"""HTTP routes of the competency framework (IMS CASE-shaped JSON in and out)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from backbone.app import SessionDep
from services.training.competencies import service as competencies
from services.training.competencies.schemas import CaseFramework
from services.training.facilities.api import PROBLEMS

router = APIRouter()


@router.get("/competencies/case", tags=["competencies"], summary="The framework as an IMS CASE package")
async def export_framework(session: SessionDep) -> dict[str, Any]:
    return await competencies.export_framework(session)


@router.post(
    "/competencies/case",
    tags=["competencies"],
    responses=PROBLEMS,
    summary="Import a CASE package: new competencies are added, changed ones get a new version",
)
async def import_framework(body: CaseFramework, session: SessionDep) -> dict[str, list[str]]:
    return await competencies.import_framework(session, framework=body)
