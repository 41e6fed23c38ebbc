"""The operations board: running processes of my country's partnerships, their incidents; declaring an incident
under an approved protocol in a place the partnership owns, following it live, working it to closure."""

from __future__ import annotations

import logging
import uuid
from collections.abc import AsyncIterator
from typing import Annotated, Any
from urllib.parse import quote

import httpx
from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from console.backend import ApiProblem, Backend, SessionExpired
from console.live import update
from console.pages.deps import Api, CheckedForm, SignedIn
from console.rendering import locale_of, render, render_fragment, render_refusal
from console.session import Session
from console.settings import ConsoleSettings
from console.streams import live_response

router = APIRouter()
log = logging.getLogger(__name__)
OPERATORS = ("operations_staff", "national_coordinator", "programme_coordinator")
SEVERITIES = ("low", "moderate", "high", "critical")
SITE_KINDS = ("facility", "virtual_lab")
OPERATED_BY = ("partners", "incidents", "training")
"""The services whose long-running processes the board lists (their `/workflows`)."""


def temporal_link(settings: ConsoleSettings, workflow_id: str) -> str:
    base = settings.temporal_ui_url.rstrip("/")
    return f"{base}/namespaces/{settings.temporal_namespace}/workflows/{workflow_id}"


@router.get("/operations")
async def board(request: Request, session: SignedIn, api: Api) -> Response:
    processes: list[dict[str, Any]] | None = None
    unavailable: list[str] = []
    if session.has_role("operations_staff"):
        processes = []
        for service in OPERATED_BY:  # each service lists the processes of what the person's country follows
            try:
                processes += (await api.get(session, service, "/workflows", limit=100))["items"]
            except ApiProblem:
                continue
            except httpx.HTTPError:  # one service down hides its processes, never the board
                log.warning("operations board: %s did not answer", service)
                unavailable.append(service)
        processes.sort(key=lambda w: str(w["started_at"]), reverse=True)
    incidents: list[dict[str, Any]] = []
    if session.has_role(*OPERATORS):
        found = (await api.get(session, "incidents", "/incidents", limit=200))["items"]
        incidents = sorted(found, key=lambda i: (i["status"] == "closed", i["declared_at"]), reverse=False)
    settings: ConsoleSettings = request.app.state.settings
    return render(
        request,
        "operations.html",
        session,
        processes=processes,
        unavailable=unavailable,
        incidents=incidents,
        link=lambda workflow_id: temporal_link(settings, workflow_id),
    )


async def places_of(api: Backend, session: Session, partnership_id: str) -> list[dict[str, str]]:
    """Every (protocol, place) an incident of this partnership may be declared under: an approved protocol's
    incident kind and environment kind, and a place of that kind the partnership owns."""
    protocols = (await api.get(session, "incidents", "/protocols", partnership_id=partnership_id, limit=200))[
        "items"
    ]
    places = (await api.get(session, "incidents", f"/partnerships/{partnership_id}/environments", limit=200))[
        "items"
    ]
    offered = []
    for protocol in protocols:
        if protocol.get("current_version") is None:
            continue  # never approved: no version to run
        kind = protocol["environment_kind"]
        stored = "site" if kind in SITE_KINDS else kind
        for place in places:
            if place["kind"] == stored:
                offered.append(
                    {
                        "value": f"{protocol['kind']}|{kind}|{place['id']}",
                        "protocol": protocol["name"],
                        "protocol_id": protocol["id"],
                        "incident_kind": protocol["kind"],
                        "environment_kind": kind,
                        "environment_id": place["id"],
                    }
                )
    return offered


async def place_form(api: Backend, session: Session, partnership_id: str | None) -> dict[str, Any]:
    """What a form about a place of a partnership offers: the person's partnerships, the one chosen, and the
    (protocol, place) pairs of the chosen one."""
    partnerships = (await api.get(session, "partners", "/partnerships", limit=200))["items"]
    chosen = next((p for p in partnerships if p["id"] == partnership_id), None) if partnership_id else None
    places = await places_of(api, session, chosen["id"]) if chosen else []
    return {"partnerships": partnerships, "chosen": chosen, "places": places}


@router.get("/incidents/new")
async def new_incident(
    request: Request, session: SignedIn, api: Api, partnership_id: uuid.UUID | None = None
) -> Response:
    form = await place_form(api, session, str(partnership_id) if partnership_id else None)
    return render(request, "incident_new.html", session, **form, severities=SEVERITIES, entered={})


@router.post("/incidents", response_model=None)
async def declare(
    request: Request,
    session: CheckedForm,
    api: Api,
    partnership_id: Annotated[str, Form()],
    place: Annotated[str, Form()] = "",
    severity: Annotated[str, Form()] = "",
    description: Annotated[str, Form()] = "",
    handling_code: Annotated[str, Form()] = "originator",
    affected: Annotated[list[str] | None, Form()] = None,
) -> Response:
    incident_kind, environment_kind, environment_id = [*place.split("|", 2), "", "", ""][:3]
    body = {
        "partnership_id": partnership_id,
        "environment": {"kind": environment_kind, "id": environment_id},
        "kind": incident_kind,
        "severity": severity,
        "description": description,
        "handling_code": handling_code,
        "affected_countries": affected or [],
    }
    try:
        created = await api.call(session, "incidents", "POST", "/incidents", json=body)
    except ApiProblem as refused:
        return render_refusal(
            request,
            "incident_new.html",
            session,
            refused,
            **await place_form(api, session, partnership_id),
            severities=SEVERITIES,
            entered={
                "place": place,
                "severity": severity,
                "description": description,
                "handling_code": handling_code,
                "affected": affected or [],
            },
        )
    return RedirectResponse(f"/incidents/{created['id']}", status_code=303)


async def _incident_view(api: Backend, session: Session, incident_id: str) -> dict[str, Any]:
    incident = await api.get(session, "incidents", f"/incidents/{incident_id}")
    timeline = (await api.get(session, "incidents", f"/incidents/{incident_id}/timeline", limit=200))["items"]
    return {"incident": incident, "timeline": timeline}


@router.get("/incidents/{incident_id}")
async def incident(request: Request, incident_id: uuid.UUID, session: SignedIn, api: Api) -> Response:
    return render(request, "incident.html", session, **await _incident_view(api, session, str(incident_id)))


@router.post("/incidents/{incident_id}/{action}", response_model=None)
async def work(
    request: Request,
    incident_id: uuid.UUID,
    action: str,
    session: CheckedForm,
    api: Api,
    step: Annotated[str, Form()] = "",
    summary: Annotated[str, Form()] = "",
) -> Response:
    """Complete a step, resolve, close: the incidents API decides who may (its stewards) and when."""
    paths = {
        "step": (f"/incidents/{incident_id}/steps/{quote(step, safe='')}/completion", {}),
        "resolution": (f"/incidents/{incident_id}/resolution", {"summary": summary}),
        "closure": (f"/incidents/{incident_id}/closure", None),
    }
    if action not in paths:
        raise ApiProblem(404, "not_found", "")
    path, body = paths[action]
    try:
        await api.call(session, "incidents", "POST", path, json=body)
    except ApiProblem as refused:
        view = await _incident_view(api, session, str(incident_id))
        return render_refusal(
            request,
            "incident.html",
            session,
            refused,
            **view,
        )
    return RedirectResponse(f"/incidents/{incident_id}", status_code=303)


@router.get("/live/incidents/{incident_id}")
async def live(request: Request, incident_id: uuid.UUID, session: SignedIn, api: Api) -> Response:
    """Server-sent events: the incident's status, steps, roles and timeline, re-read with the viewer's token
    each time the incidents' events say it changed (an escalation, a step done, a resolution)."""
    locale = locale_of(request, session)

    async def views(ids: frozenset[str]) -> AsyncIterator[str]:
        for found in sorted(ids):
            try:
                view = await _incident_view(api, session, found)
            except (ApiProblem, SessionExpired):
                continue
            yield update(f"incident-{found}", render_fragment("_incident_live.html", session, locale, **view))

    return live_response(request, session, {str(incident_id)}, views)
