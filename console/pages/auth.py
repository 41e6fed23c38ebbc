"""Signing in and out, and the person's language and time zone."""

from __future__ import annotations

import time
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from console.i18n import LOCALES
from console.oidc import OpenIdClient, SignInFailed
from console.pages.deps import CheckedForm, MaybeSignedIn, sessions
from console.rendering import LANGUAGE_COOKIE, render
from console.session import Session

router = APIRouter()


def _safe_next(value: str | None) -> str:
    """Only a path of this console (never `//elsewhere` nor a URL): no open redirect."""
    if value and value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value
    return "/approvals"


@router.get("/", response_model=None)
async def home(request: Request, session: MaybeSignedIn) -> Response:
    if session is not None:
        return RedirectResponse("/approvals", status_code=303)
    return render(request, "home.html", None)


@router.get("/auth/login")
async def login(request: Request, next: str | None = None) -> RedirectResponse:
    oidc: OpenIdClient = request.app.state.oidc
    url, pending = await oidc.authorization_url()
    response = RedirectResponse(url, status_code=303)
    sessions(request).write_login(response, {**pending, "next": _safe_next(next)})
    return response


@router.get("/auth/callback", response_model=None)
async def callback(
    request: Request, code: str | None = None, state: str | None = None, error: str | None = None
) -> Response:
    sealed = sessions(request)
    pending = sealed.read_login(request)
    if error or code is None or pending is None or state != pending.get("state"):
        return render(request, "signin_failed.html", None, status_code=400, reason=error or "state")
    oidc: OpenIdClient = request.app.state.oidc
    try:
        tokens = await oidc.exchange(code, pending)
    except SignInFailed as exc:
        return render(request, "signin_failed.html", None, status_code=400, reason=str(exc))
    who = tokens.identity
    session = Session(
        subject=str(who["sub"]),
        name=str(who.get("name") or who["sub"]),
        country=str(who.get("country") or ""),
        roles=tuple(who.get("roles") or ()),
        access_token=tokens.access_token,
        expires_at=time.time() + tokens.expires_in,
        locale=str(who.get("locale") or "en"),
        zoneinfo=str(who.get("zoneinfo") or "UTC"),
    )
    response = RedirectResponse(_safe_next(pending.get("next")), status_code=303)
    sealed.clear_login(response)
    sealed.write(response, session)
    return response


@router.post("/auth/logout")
async def logout(request: Request, session: CheckedForm) -> RedirectResponse:
    oidc: OpenIdClient = request.app.state.oidc
    response = RedirectResponse(await oidc.logout_url() or "/", status_code=303)
    sessions(request).clear(response)
    return response


@router.post("/preferences")
async def preferences(
    request: Request,
    session: CheckedForm,
    language: Annotated[str, Form()] = "en",
    zoneinfo: Annotated[str | None, Form()] = None,
    back: Annotated[str | None, Form()] = None,
) -> RedirectResponse:
    response = RedirectResponse(_safe_next(back), status_code=303)
    if language in LOCALES:
        response.set_cookie(
            LANGUAGE_COOKIE,
            language,
            max_age=365 * 86400,
            path="/",
            samesite="lax",
            secure=sessions(request).secure,
            httponly=True,
        )
    if zoneinfo:
        from console.i18n import Formats

        if Formats("en", zoneinfo).tz.key == zoneinfo:  # a known zone, or nothing changes
            sessions(request).write(response, Session(**{**session.__dict__, "zoneinfo": zoneinfo}))
    return response
