"""Pages rendered in the viewer's language and time zone, with what every page needs (the person, the CSRF
token, the navigation)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse

from console.backend import ApiProblem
from console.i18n import Formats, environment, negotiate, supported
from console.session import Session

LANGUAGE_COOKIE = "console_lang"


def locale_of(request: Request, session: Session | None) -> str:
    chosen = request.cookies.get(LANGUAGE_COOKIE)
    if chosen:
        return supported(chosen)
    if session is not None:
        return supported(session.locale)
    return negotiate(request.headers.get("accept-language"))


def render(
    request: Request,
    template: str,
    session: Session | None,
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    locale = locale_of(request, session)
    formats = Formats(locale, session.zoneinfo if session else "UTC")
    page = environment(locale).get_template(template)
    html = page.render(
        request=request,
        session=session,
        fmt=formats,
        lang=locale,
        now=datetime.now(UTC),
        path=request.url.path,
        **context,
    )
    return HTMLResponse(html, status_code=status_code, headers={"Cache-Control": "no-store"})


def render_refusal(
    request: Request, template: str, session: Session, refused: ApiProblem, **context: Any
) -> HTMLResponse:
    """The page again, with the API's refusal shown and its status (what was entered comes back in `context`)."""
    return render(request, template, session, status_code=refused.page_status, refusal=refused, **context)


def render_fragment(template: str, session: Session, locale: str, **context: Any) -> str:
    formats = Formats(locale, session.zoneinfo)
    return (
        environment(locale)
        .get_template(template)
        .render(session=session, fmt=formats, lang=locale, now=datetime.now(UTC), **context)
    )
