"""The development issuer's sign-in for people: OpenID Connect authorization code flow with PKCE (S256).

`GET /authorize` checks the client and its redirect URI, then shows the development people (people.py) to pick
from; picking one issues a single-use code bound to the client, the redirect URI, the PKCE challenge and the
nonce, valid for a minute. `POST /token` (grant `authorization_code`) exchanges it for an access token (every
service's audience, the person's roles and country) and an ID token (the client's audience, the nonce, name,
locale and time zone). `GET /logout` ends nothing here (the issuer keeps no session) and returns to a
registered post-logout URI. A real identity provider replaces all of it; the console only reads discovery.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import html
import secrets
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse

from backbone.issuer.keys import KeyStore, user_claims
from backbone.issuer.people import PEOPLE, Person, person

CODE_TTL_SECONDS = 60
USER_TOKEN_TTL_SECONDS = 3600


@dataclass(frozen=True)
class Grant:
    client_id: str
    redirect_uri: str
    code_challenge: str
    nonce: str | None
    person: Person
    expires: float


class CodeFlow:
    """Codes issued and not yet exchanged (in memory: the development issuer is one process)."""

    def __init__(self, store: KeyStore, *, issuer: str, audience: str | list[str]) -> None:
        self.store, self.issuer, self.audience = store, issuer, audience
        self._codes: dict[str, Grant] = {}

    def refusal(self, client_id: str, redirect_uri: str) -> str | None:
        client = self.store.public_client(client_id)
        if client is None:
            return "unknown client"
        if redirect_uri not in client["redirect_uris"]:
            return "this redirect URI is not registered for the client"
        return None

    def sign_in_page(self, params: dict[str, str]) -> HTMLResponse:
        hidden = "".join(
            f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">'
            for k, v in params.items()
        )
        rows = "".join(
            f'<li><button type="submit" name="person" value="{html.escape(p.subject)}">'
            f"<strong>{html.escape(p.name)}</strong> <span>{html.escape(p.description)}</span></button></li>"
            for p in PEOPLE
        )
        return HTMLResponse(
            '<!doctype html><html lang="en"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            "<title>Sign in — development issuer</title><style>"
            "body{font-family:system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem;color:#1b1b1b}"
            "ul{list-style:none;padding:0}li{margin:.4rem 0}button{width:100%;text-align:left;padding:.6rem;"
            "border:1px solid #555;border-radius:4px;background:#fff;color:#1b1b1b;font-size:1rem;cursor:pointer}"
            "button:focus{outline:3px solid #1d4ed8;outline-offset:2px}span{color:#444}</style></head><body><main>"
            "<h1>Sign in as a development person</h1>"
            "<p>This issuer exists only for local development: choose who you are.</p>"
            f'<form method="post" action="authorize">{hidden}<ul>{rows}</ul></form></main></body></html>',
            headers={"Cache-Control": "no-store"},
        )

    def issue(self, params: dict[str, str], subject: str) -> RedirectResponse | JSONResponse:
        chosen = person(subject)
        if chosen is None:
            return JSONResponse({"error": "access_denied", "error_description": "unknown person"}, 400)
        code = secrets.token_urlsafe(32)
        self._expire()
        self._codes[code] = Grant(
            client_id=params["client_id"],
            redirect_uri=params["redirect_uri"],
            code_challenge=params["code_challenge"],
            nonce=params.get("nonce") or None,
            person=chosen,
            expires=time.monotonic() + CODE_TTL_SECONDS,
        )
        query = {"code": code, **({"state": params["state"]} if params.get("state") else {})}
        return RedirectResponse(f"{params['redirect_uri']}?{urlencode(query)}", status_code=303)

    def exchange(self, *, code: str, client_id: str, redirect_uri: str, verifier: str) -> JSONResponse:
        grant = self._codes.pop(code, None)  # single use, even when the exchange fails
        if grant is None or grant.expires < time.monotonic():
            return _token_error("invalid_grant", "unknown, used or expired code")
        if grant.client_id != client_id or grant.redirect_uri != redirect_uri:
            return _token_error("invalid_grant", "the code was issued to another client or redirect URI")
        if not hmac.compare_digest(_s256(verifier), grant.code_challenge):
            return _token_error("invalid_grant", "the code verifier does not match the challenge")
        who = grant.person
        access = user_claims(
            issuer=self.issuer,
            audience=self.audience,
            subject=who.subject,
            roles=list(who.roles),
            country=who.country,
            ttl_seconds=USER_TOKEN_TTL_SECONDS,
        )
        now = int(time.time())
        identity: dict[str, Any] = {
            "iss": self.issuer,
            "aud": client_id,
            "sub": who.subject,
            "iat": now,
            "exp": now + USER_TOKEN_TTL_SECONDS,
            "name": who.name,
            "locale": who.locale,
            "zoneinfo": who.zoneinfo,
            "roles": list(who.roles),
            "country": who.country,
            **({"nonce": grant.nonce} if grant.nonce else {}),
        }
        return JSONResponse(
            {
                "access_token": self.store.sign({**access, "name": who.name}),
                "id_token": self.store.sign(identity),
                "token_type": "Bearer",
                "expires_in": USER_TOKEN_TTL_SECONDS,
            },
            headers={"Cache-Control": "no-store"},
        )

    def _expire(self) -> None:
        now = time.monotonic()
        for code in [c for c, g in self._codes.items() if g.expires < now]:
            del self._codes[code]


def authorize_refusal(params: dict[str, str]) -> str | None:
    """What is wrong with an authorization request before any client check (the flow this issuer speaks)."""
    if params.get("response_type") != "code":
        return "response_type must be code"
    if params.get("code_challenge_method") != "S256" or len(params.get("code_challenge", "")) < 43:
        return "PKCE is required: code_challenge (S256)"
    return None


def _s256(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()


def _token_error(error: str, description: str) -> JSONResponse:
    return JSONResponse({"error": error, "error_description": description}, status_code=400)
