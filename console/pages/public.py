"""A partnership's public page, no sign-in: what its services publish for anyone (the profile from partners,
published evaluation plans and the period's report from assessment, budget against spending from finance).
The console calls those public routes without a token: it shows nothing a stranger could not fetch."""

from __future__ import annotations

import logging
import re
import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
from fastapi import APIRouter, Request
from fastapi.responses import Response

from console.backend import ApiProblem, Backend
from console.pages.deps import Api, MaybeSignedIn
from console.rendering import render
from rules.phases import PHASES

router = APIRouter()
log = logging.getLogger(__name__)
PERIOD = re.compile(r"^\d{4}(-H[12]|-Q[1-4])?$")


async def _optional(api: Backend, service: str, path: str) -> Any:
    """What a service publishes, or None when it has nothing (yet) for this partnership, or does not answer:
    the page shows the rest."""
    try:
        return await api.get(None, service, path)
    except ApiProblem:
        return None
    except httpx.HTTPError:
        log.warning("public page: %s did not answer %s", service, path)
        return None


@router.get("/public/partnerships/{partnership_id}")
async def public_partnership(
    request: Request, partnership_id: uuid.UUID, session: MaybeSignedIn, api: Api, period: str | None = None
) -> Response:
    shown = period if period and PERIOD.match(period) else str(datetime.now(UTC).year)
    profile = await api.get(None, "partners", f"/public/partnerships/{partnership_id}")
    plans = (
        await _optional(api, "assessment", f"/public/partnerships/{partnership_id}/evaluation-plans") or []
    )
    report = await _optional(api, "assessment", f"/public/partnerships/{partnership_id}/reports/{shown}")
    budget = await _optional(api, "finance", f"/partnerships/{partnership_id}/public-summary")
    return render(
        request,
        "public_partnership.html",
        session,
        profile=profile,
        plans=[p for p in plans if p["status"] == "published"],
        report=report,
        budget=budget,
        period=shown,
        phases=PHASES,
    )
