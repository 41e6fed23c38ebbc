"""The signed-in person, sealed in a cookie (Fernet: encrypted and authenticated), and CSRF protection.

The cookie holds the access token the identity provider issued to the person, so it is HttpOnly, SameSite=Lax
and Secure outside development, and it expires with the token. Every form carries the session's CSRF token;
a POST whose token does not match is refused before anything is sent to an API."""

from __future__ import annotations

import hmac
import json
import secrets
import time
from dataclasses import asdict, dataclass, field
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from fastapi import Request, Response

from console.settings import ConsoleSettings


@dataclass(frozen=True)
class Session:
    subject: str
    name: str
    country: str
    roles: tuple[str, ...]
    access_token: str
    expires_at: float
    locale: str = "en"
    zoneinfo: str = "UTC"
    csrf: str = field(default_factory=lambda: secrets.token_urlsafe(24))

    @property
    def expired(self) -> bool:
        return time.time() >= self.expires_at - 30

    def has_role(self, *roles: str) -> bool:
        return bool(set(self.roles).intersection(roles))


class Sessions:
    def __init__(self, settings: ConsoleSettings) -> None:
        self.fernet: Fernet = settings.sealing_key()
        self.secure = settings.secure_cookies
        # The __Host- prefix pins the cookie to this host, path / and HTTPS (the browser refuses it otherwise).
        self.cookie = "__Host-console" if self.secure else "console_session"
        self.login_cookie = "__Host-console-login" if self.secure else "console_login"

    def read(self, request: Request) -> Session | None:
        data = self._open(request.cookies.get(self.cookie), ttl=None)
        if not isinstance(data, dict):
            return None
        try:
            session = Session(**{**data, "roles": tuple(data["roles"])})
        except (TypeError, KeyError):  # sealed by an older console with other fields: sign in again
            return None
        return None if session.expired else session

    def write(self, response: Response, session: Session) -> None:
        max_age = max(int(session.expires_at - time.time()), 0)
        self._set(response, self.cookie, asdict(session), max_age)

    def clear(self, response: Response) -> None:
        response.delete_cookie(self.cookie, path="/", secure=self.secure, httponly=True, samesite="lax")
        self.clear_login(response)

    def clear_login(self, response: Response) -> None:
        response.delete_cookie(self.login_cookie, path="/", secure=self.secure, httponly=True, samesite="lax")

    def write_login(self, response: Response, pending: dict[str, str]) -> None:
        """The state, nonce and PKCE verifier of a sign-in under way (ten minutes to come back)."""
        self._set(response, self.login_cookie, pending, 600)

    def read_login(self, request: Request) -> dict[str, str] | None:
        found = self._open(request.cookies.get(self.login_cookie), ttl=600)
        return found if isinstance(found, dict) else None

    def _set(self, response: Response, name: str, data: dict[str, Any], max_age: int) -> None:
        sealed = self.fernet.encrypt(json.dumps(data).encode()).decode()
        response.set_cookie(
            name, sealed, max_age=max_age, path="/", secure=self.secure, httponly=True, samesite="lax"
        )

    def _open(self, sealed: str | None, *, ttl: int | None) -> Any:
        if not sealed:
            return None
        try:
            return json.loads(self.fernet.decrypt(sealed.encode(), ttl=ttl))
        except (InvalidToken, ValueError):
            return None


def csrf_valid(session: Session, submitted: str | None) -> bool:
    return submitted is not None and hmac.compare_digest(session.csrf.encode(), submitted.encode())
