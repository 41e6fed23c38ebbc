"""A machine client's side of OAuth2 client credentials, as an `httpx.Auth`: every request carries a fresh token.

The token is fetched on first use, renewed a minute before it expires, and fetched again once if the service
answers 401 (the issuer rotated its keys, or the service restarted with another issuer).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncGenerator

import httpx


class ClientCredentials(httpx.Auth):
    def __init__(self, token_url: str, client_id: str, client_secret: str, scope: str | None = None) -> None:
        self.token_url, self.client_id, self.client_secret, self.scope = (
            token_url,
            client_id,
            client_secret,
            scope,
        )
        self._token: str | None = None
        self._expires_at = 0.0
        self._lock = asyncio.Lock()

    async def _fetch(self) -> str:
        form = {
            "grant_type": "client_credentials",
            "client_id": self.client_id,
            "client_secret": self.client_secret,
        }
        if self.scope:
            form["scope"] = self.scope
        async with httpx.AsyncClient(timeout=10) as http:
            response = await http.post(self.token_url, data=form)
        response.raise_for_status()
        body = response.json()
        self._expires_at = time.monotonic() + float(body.get("expires_in", 300))
        token = str(body["access_token"])
        self._token = token
        return token

    async def token(self, *, renew: bool = False) -> str:
        async with self._lock:
            if renew or self._token is None or time.monotonic() > self._expires_at - 60:
                return await self._fetch()
            return self._token

    async def async_auth_flow(self, request: httpx.Request) -> AsyncGenerator[httpx.Request, httpx.Response]:
        request.headers["Authorization"] = f"Bearer {await self.token()}"
        response = yield request
        if response.status_code == 401:
            request.headers["Authorization"] = f"Bearer {await self.token(renew=True)}"
            yield request
