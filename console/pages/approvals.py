"""Approvals: my pending decisions (soonest due first), one decision with its tally and my vote, my history,
and the live stream that refreshes tallies when others vote."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from console.backend import ApiProblem, Backend, SessionExpired
from console.live import update
from console.pages.deps import Api, CheckedForm, SignedIn
from console.rendering import locale_of, render, render_fragment, render_refusal
from console.session import Session
from console.streams import live_response

router = APIRouter()
CHOICES = ("approve", "reject", "abstain")


async def _my_lines(api: Backend, session: Session, state: str) -> list[dict[str, Any]]:
    if not session.has_role("oversight_member"):
        return []
    page = await api.get(session, "partners", "/me/decisions", state=state, limit=200)
    return list(page["items"])


def _names_in(partnership: dict[str, Any]) -> dict[str, str]:
    """A partnership's oversight members' names, by seat id."""
    return {m["id"]: m["name"] for m in partnership.get("oversight_body", [])}


async def _seat_names(api: Backend, session: Session, partnership_ids: set[str]) -> dict[str, str]:
    """The oversight members' names of these partnerships, by seat id (those the person may read)."""
    names: dict[str, str] = {}
    for partnership_id in sorted(partnership_ids):
        try:
            names.update(_names_in(await api.get(session, "partners", f"/partnerships/{partnership_id}")))
        except ApiProblem:
            continue
    return names


@router.get("/approvals")
async def pending(request: Request, session: SignedIn, api: Api) -> Response:
    lines = await _my_lines(api, session, "pending")
    names = await _seat_names(api, session, {line["decision"]["partnership_id"] for line in lines})
    return render(request, "approvals.html", session, lines=lines, history=False, names=names)


@router.get("/approvals/history")
async def history(request: Request, session: SignedIn, api: Api) -> Response:
    lines = await _my_lines(api, session, "history")
    names = await _seat_names(api, session, {line["decision"]["partnership_id"] for line in lines})
    return render(request, "approvals.html", session, lines=lines, history=True, names=names)


async def _decision_page(
    request: Request, session: Session, api: Backend, decision_id: uuid.UUID, **extra: Any
) -> dict[str, Any]:
    decision = await api.get(session, "partners", f"/decisions/{decision_id}")
    line = None
    for state in ("pending", "history"):
        line = next(
            (x for x in await _my_lines(api, session, state) if x["decision"]["id"] == str(decision_id)), None
        )
        if line is not None:
            break
    names: dict[str, str] = {}
    try:
        partnership = await api.get(session, "partners", f"/partnerships/{decision['partnership_id']}")
        names = _names_in(partnership)
    except ApiProblem:
        partnership = None
    return {"decision": decision, "line": line, "names": names, "partnership": partnership, **extra}


@router.get("/decisions/{decision_id}")
async def decision(
    request: Request, decision_id: uuid.UUID, session: SignedIn, api: Api, voted: bool = False
) -> Response:
    context = await _decision_page(request, session, api, decision_id, voted=voted)
    return render(request, "decision.html", session, **context, form_token=uuid.uuid4().hex)


@router.post("/decisions/{decision_id}/vote", response_model=None)
async def vote(
    request: Request,
    decision_id: uuid.UUID,
    session: CheckedForm,
    api: Api,
    seat_id: Annotated[str, Form()],
    choice: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
    form_token: Annotated[str, Form()] = "",
) -> Response:
    problem: ApiProblem | None = None
    if choice not in CHOICES:
        problem = ApiProblem(422, "choice_required", "", [{"field": "choice", "message": "choice_required"}])
    elif choice == "reject" and not reason.strip():
        problem = ApiProblem(422, "reason_required", "", [{"field": "reason", "message": "reason_required"}])
    else:
        # One key per rendered form: a double submit is answered once (the API replays the first answer).
        key = hashlib.sha256(f"{session.subject}:{decision_id}:{form_token}".encode()).hexdigest()[:64]
        try:
            await api.call(
                session,
                "partners",
                "POST",
                f"/decisions/{decision_id}/votes",
                json={"member_id": seat_id, "choice": choice, "reason": reason.strip() or None},
                idempotency_key=key if form_token else None,
            )
        except ApiProblem as refused:
            problem = refused
    if problem is None:
        return RedirectResponse(f"/decisions/{decision_id}?voted=1", status_code=303)
    context = await _decision_page(request, session, api, decision_id)
    return render_refusal(
        request,
        "decision.html",
        session,
        problem,
        **context,
        entered={"choice": choice, "reason": reason},
        form_token=uuid.uuid4().hex,
    )


@router.get("/live/decisions")
async def live(
    request: Request, session: SignedIn, api: Api, ids: Annotated[list[uuid.UUID], Query()]
) -> Response:
    """Server-sent events: `update` with a decision's re-rendered tally (read with the viewer's token) each time
    the partners' events say it changed."""
    locale = locale_of(request, session)
    names: dict[str, dict[str, str]] = {}  # the oversight members' names, per partnership, read once

    async def names_in(partnership_id: str) -> dict[str, str]:
        if partnership_id not in names:
            names[partnership_id] = await _seat_names(api, session, {partnership_id})
        return names[partnership_id]

    async def tallies(decision_ids: frozenset[str]) -> AsyncIterator[str]:
        for decision_id in sorted(decision_ids):
            try:
                fresh = await api.get(session, "partners", f"/decisions/{decision_id}")
            except (ApiProblem, SessionExpired):
                continue  # not (or no longer) the viewer's to see: nothing is pushed
            who = await names_in(str(fresh["partnership_id"]))
            yield update(
                decision_id, render_fragment("_tally.html", session, locale, decision=fresh, names=who)
            )

    return live_response(request, session, {str(i) for i in ids[:50]}, tallies)
