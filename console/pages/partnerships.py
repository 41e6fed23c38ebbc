"""A partnership's progress: its phase through familiarization → co-design → exercises → sustainment, the
current gate's criteria and the gate decisions taken."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from console.backend import ApiProblem
from console.pages.deps import Api, SignedIn
from console.rendering import render
from rules.phases import PHASES

router = APIRouter()


@router.get("/partnerships/{partnership_id}")
async def partnership(request: Request, partnership_id: uuid.UUID, session: SignedIn, api: Api) -> Response:
    found = await api.get(session, "partners", f"/partnerships/{partnership_id}")
    onboarding: dict[str, Any] | None = None
    try:
        onboarding = (await api.get(session, "partners", f"/partnerships/{partnership_id}/onboarding"))[
            "status"
        ]
    except ApiProblem:
        onboarding = None  # not started, or not this person's to see: the page shows the phase alone
    gates: list[dict[str, Any]] = []
    try:
        page = await api.get(session, "partners", f"/partnerships/{partnership_id}/decisions", limit=200)
        gates = [d for d in page["items"] if d["kind"] == "phase_gate"]
    except ApiProblem:
        gates = []
    return render(
        request,
        "partnership.html",
        session,
        partnership=found,
        onboarding=onboarding,
        gates=gates,
        phases=PHASES,
    )
