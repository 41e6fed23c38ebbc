"""What the pages depend on: the person signed in (or a redirect to sign in), the backend, the CSRF check."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, Form, Request

from console.backend import Backend
from console.session import Session, Sessions, csrf_valid


class SignInRequired(Exception):
    def __init__(self, next_path: str) -> None:
        self.next_path = next_path

    @property
    def location(self) -> str:
        return f"/auth/login?next={quote(self.next_path, safe='/')}"


class CsrfRefused(Exception):
    """A form without this session's CSRF token: refused before anything reaches an API."""


def sessions(request: Request) -> Sessions:
    sealed: Sessions = request.app.state.sessions
    return sealed


def maybe_session(request: Request) -> Session | None:
    return sessions(request).read(request)


def session_required(request: Request) -> Session:
    session = sessions(request).read(request)
    if session is None:
        raise SignInRequired(request.url.path)
    return session


def backend(request: Request) -> Backend:
    found: Backend = request.app.state.backend
    return found


def checked_form(
    session: Annotated[Session, Depends(session_required)], csrf: Annotated[str, Form()] = ""
) -> Session:
    if not csrf_valid(session, csrf):
        raise CsrfRefused()
    return session


SignedIn = Annotated[Session, Depends(session_required)]
MaybeSignedIn = Annotated[Session | None, Depends(maybe_session)]
CheckedForm = Annotated[Session, Depends(checked_form)]
Api = Annotated[Backend, Depends(backend)]
