"""OpenID Connect for the console: discovery, the authorization code flow with PKCE, the ID token's checks.

The console reads everything it needs from the issuer's discovery document, so pointing it at the partners'
identity provider is a setting (`CONSOLE_AUTH_ISSUER`), not code."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import secrets
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import httpx
import jwt

from console.settings import ConsoleSettings


class SignInFailed(Exception):
    """The identity provider refused the exchange, or its answer did not verify."""


@dataclass(frozen=True)
class Tokens:
    access_token: str
    expires_in: int
    identity: dict[str, Any]


class OpenIdClient:
    def __init__(self, settings: ConsoleSettings, http: httpx.AsyncClient) -> None:
        self.settings, self.http = settings, http
        self.issuer = settings.auth_issuer.rstrip("/")
        self._discovery: dict[str, Any] | None = None
        self._keys: jwt.PyJWKClient | None = None

    async def discovery(self) -> dict[str, Any]:
        if self._discovery is None:
            answer = await self.http.get(f"{self.issuer}/.well-known/openid-configuration")
            answer.raise_for_status()
            self._discovery = answer.json()
        return self._discovery

    def _for_browser(self, url: str) -> str:
        """An endpoint as the browser must reach it (the issuer's public address, when it has one)."""
        public = self.settings.issuer_public_url
        return url.replace(self.issuer, public.rstrip("/"), 1) if public else url

    async def authorization_url(self) -> tuple[str, dict[str, str]]:
        """Where to send the browser, and what to keep until it comes back (state, nonce, PKCE verifier)."""
        found = await self.discovery()
        pending = {
            "state": secrets.token_urlsafe(24),
            "nonce": secrets.token_urlsafe(24),
            "verifier": secrets.token_urlsafe(48),
        }
        challenge = base64.urlsafe_b64encode(hashlib.sha256(pending["verifier"].encode()).digest())
        query = {
            "response_type": "code",
            "client_id": self.settings.client_id,
            "redirect_uri": self.settings.redirect_uri,
            "scope": "openid profile",
            "state": pending["state"],
            "nonce": pending["nonce"],
            "code_challenge": challenge.rstrip(b"=").decode(),
            "code_challenge_method": "S256",
        }
        return f"{self._for_browser(found['authorization_endpoint'])}?{urlencode(query)}", pending

    async def exchange(self, code: str, pending: dict[str, str]) -> Tokens:
        found = await self.discovery()
        answer = await self.http.post(
            found["token_endpoint"],
            data={
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": self.settings.redirect_uri,
                "client_id": self.settings.client_id,
                "code_verifier": pending["verifier"],
            },
        )
        if answer.status_code != 200:
            raise SignInFailed(answer.json().get("error_description") or answer.text)
        body = answer.json()
        identity = await self._verified_identity(body.get("id_token", ""), found)
        if identity.get("nonce") != pending["nonce"]:
            raise SignInFailed("the ID token's nonce is not this sign-in's")
        return Tokens(body["access_token"], int(body.get("expires_in", 300)), identity)

    async def logout_url(self) -> str | None:
        found = await self.discovery()
        endpoint = found.get("end_session_endpoint")
        if not endpoint:
            return None
        query = {
            "client_id": self.settings.client_id,
            "post_logout_redirect_uri": self.settings.after_logout_uri,
        }
        return f"{self._for_browser(endpoint)}?{urlencode(query)}"

    async def _verified_identity(self, id_token: str, found: dict[str, Any]) -> dict[str, Any]:
        if self._keys is None:
            self._keys = jwt.PyJWKClient(found["jwks_uri"], cache_keys=True)
        keys = self._keys
        try:
            key = await asyncio.to_thread(keys.get_signing_key_from_jwt, id_token)
            claims: dict[str, Any] = jwt.decode(
                id_token,
                key.key,
                algorithms=list(self.settings.auth_algorithms),
                audience=self.settings.client_id,
                issuer=found["issuer"],
                leeway=self.settings.auth_leeway_seconds,
            )
        except jwt.PyJWTError as exc:
            raise SignInFailed(f"the ID token does not verify: {exc}") from exc
        return claims
