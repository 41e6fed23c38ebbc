"""Drills on the operations board: rehearse an approved protocol in a place the partnership owns on a cycle, run
the next drill now, acknowledge its steps (on its exercise incident), write the debrief, follow the improvement
actions to completion. The incidents API and the DrillCycleWorkflow decide who may and when."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from console.backend import ApiProblem, Backend
from console.i18n import Formats
from console.pages.deps import Api, CheckedForm, SignedIn
from console.pages.operations import place_form
from console.rendering import render, render_refusal
from console.session import Session

router = APIRouter()


@router.get("/drills")
async def cycles(request: Request, session: SignedIn, api: Api) -> Response:
    found = (await api.get(session, "incidents", "/drill-cycles", limit=200))["items"]
    return render(request, "drills.html", session, cycles=found)


@router.get("/drills/new")
async def new_cycle(
    request: Request, session: SignedIn, api: Api, partnership_id: uuid.UUID | None = None
) -> Response:
    form = await place_form(api, session, str(partnership_id) if partnership_id else None)
    return render(request, "drill_new.html", session, **form, entered={})


@router.post("/drill-cycles", response_model=None)
async def create_cycle(
    request: Request,
    session: CheckedForm,
    api: Api,
    partnership_id: Annotated[str, Form()],
    place: Annotated[str, Form()] = "",
    cadence_days: Annotated[str, Form()] = "",
    notice_hours: Annotated[str, Form()] = "72",
    first_at: Annotated[str, Form()] = "",
    commander: Annotated[str, Form()] = "",
) -> Response:
    form = await place_form(api, session, partnership_id)
    protocol = next((p for p in form["places"] if p["value"] == place), None)
    # The form's local time is in the person's zone (what the page said times are shown in).
    first = Formats("en", session.zoneinfo).from_local(first_at)
    body = {
        "protocol_id": protocol["protocol_id"] if protocol else None,
        "environment": {"kind": protocol["environment_kind"], "id": protocol["environment_id"]}
        if protocol
        else None,
        "cadence_days": cadence_days,
        "notice_hours": notice_hours,
        "first_at": first,
        # Who commands the drill (of the planner's country); the others join the exercise incident's roles.
        "participants": [
            {"role": "incident_commander", "holder": commander.strip(), "country_code": session.country}
        ],
    }
    try:
        created = await api.call(session, "incidents", "POST", "/drill-cycles", json=body)
    except ApiProblem as refused:
        entered = {
            "place": place,
            "cadence_days": cadence_days,
            "notice_hours": notice_hours,
            "first_at": first_at,
        }
        return render_refusal(
            request,
            "drill_new.html",
            session,
            refused,
            entered=entered,
            **form,
        )
    return RedirectResponse(f"/drill-cycles/{created['id']}", status_code=303)


@router.get("/drill-cycles/{cycle_id}")
async def cycle(request: Request, cycle_id: uuid.UUID, session: SignedIn, api: Api) -> Response:
    found = await api.get(session, "incidents", f"/drill-cycles/{cycle_id}")
    return render(request, "cycle.html", session, cycle=found)


@router.post("/drill-cycles/{cycle_id}/{action}", response_model=None)
async def steer_cycle(
    request: Request, cycle_id: uuid.UUID, action: str, session: CheckedForm, api: Api
) -> Response:
    if action not in ("trigger", "stop"):
        raise ApiProblem(404, "not_found", "")
    try:
        await api.call(session, "incidents", "POST", f"/drill-cycles/{cycle_id}/{action}")
    except ApiProblem as refused:
        found = await api.get(session, "incidents", f"/drill-cycles/{cycle_id}")
        return render_refusal(request, "cycle.html", session, refused, cycle=found)
    return RedirectResponse(f"/drill-cycles/{cycle_id}?{action}=1", status_code=303)


async def _drill_view(api: Backend, session: Session, drill_id: uuid.UUID) -> dict[str, Any]:
    drill = await api.get(session, "incidents", f"/drills/{drill_id}")
    actions = (await api.get(session, "incidents", f"/drills/{drill_id}/actions", limit=200))["items"]
    findings = await api.get(session, "incidents", f"/drills/{drill_id}/findings")
    return {"drill": drill, "actions": actions, "findings": findings}


@router.get("/drills/{drill_id}")
async def drill(request: Request, drill_id: uuid.UUID, session: SignedIn, api: Api) -> Response:
    return render(request, "drill.html", session, **await _drill_view(api, session, drill_id), entered={})


@router.post("/drills/{drill_id}/debrief", response_model=None)
async def debrief(
    request: Request,
    drill_id: uuid.UUID,
    session: CheckedForm,
    api: Api,
    expected: Annotated[str, Form()] = "",
    happened: Annotated[str, Form()] = "",
    why: Annotated[str, Form()] = "",
    change: Annotated[str, Form()] = "",
    finding: Annotated[str, Form()] = "",
    rating: Annotated[str, Form()] = "minor",
    action_title: Annotated[str, Form()] = "",
    action_due: Annotated[str, Form()] = "",
) -> Response:
    """The after-action report, with at most one finding about the protocol and its improvement action (owned by
    the person writing it) from this form; the API takes more."""
    findings = []
    if finding.strip():
        due = Formats("en", session.zoneinfo).from_local(action_due)
        findings.append(
            {
                "about": "protocol",
                "summary": finding,
                "rating": rating,
                "action": {
                    "title": action_title,
                    "owner": session.subject,
                    "owner_country_code": session.country,
                    "due_at": due,
                },
            }
        )
    body = {"expected": expected, "happened": happened, "why": why, "change": change, "findings": findings}
    try:
        await api.call(session, "incidents", "POST", f"/drills/{drill_id}/debrief", json=body)
    except ApiProblem as refused:
        view = await _drill_view(api, session, drill_id)
        entered = {k: v for k, v in body.items() if k != "findings"} | {
            "finding": finding,
            "rating": rating,
            "action_title": action_title,
            "action_due": action_due,
        }
        return render_refusal(
            request,
            "drill.html",
            session,
            refused,
            entered=entered,
            **view,
        )
    return RedirectResponse(f"/drills/{drill_id}", status_code=303)


@router.post("/improvement-actions/{action_id}/completion", response_model=None)
async def finish_action(
    request: Request,
    action_id: uuid.UUID,
    session: CheckedForm,
    api: Api,
    drill_id: Annotated[uuid.UUID, Form()],
    note: Annotated[str, Form()] = "",
) -> Response:
    try:
        await api.call(
            session,
            "incidents",
            "POST",
            f"/improvement-actions/{action_id}/completion",
            json={"note": note.strip() or None},
        )
    except ApiProblem as refused:
        view = await _drill_view(api, session, drill_id)
        return render_refusal(
            request,
            "drill.html",
            session,
            refused,
            entered={},
            **view,
        )
    return RedirectResponse(f"/drills/{drill_id}", status_code=303)
