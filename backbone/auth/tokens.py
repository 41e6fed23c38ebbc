"""Bearer token verification: PyJWT against the issuer's JWKS, pinned algorithms, issuer, audience and time.

Only asymmetric algorithms are accepted (RS256, ES256 by default): `none` and every HMAC algorithm are refused
before any key is looked at, so a token signed with the public key as an HMAC secret (the RS/HS confusion) is
worthless. The key is chosen by the token's `kid`; an unknown `kid` refreshes the JWKS once (key rotation at
the issuer), at most every `refresh_floor` seconds so that random kids cannot turn us into a load generator
against the issuer; a stale cache is refreshed in the background, so an issuer outage delays no request. A key
whose JWK names an algorithm is used with that algorithm only.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from dataclasses import dataclass
from typing import Any, Literal

import httpx
import jwt
from jwt import PyJWK

from backbone.auth.principal import ROLES, Principal

log = logging.getLogger(__name__)

ROLE_SCOPE = "role:"
ASYMMETRIC = frozenset(
    {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"}
)


class InvalidToken(Exception):
    """The reason is for logs; callers only learn that the token is not acceptable."""


@dataclass(frozen=True)
class VerifierConfig:
    issuer: str
    audience: str
    jwks_url: str
    algorithms: tuple[str, ...] = ("RS256", "ES256")
    leeway_seconds: float = 30
    cache_seconds: float = 300
    refresh_floor_seconds: float = 1
    client_claim: tuple[str, str] = ("gty", "client-credentials")
    """The claim and value by which the identity provider marks a machine client's token."""
    retry_initial_seconds: float = 1
    retry_max_seconds: float = 60
    """After a failed JWKS fetch, the next is tried after 1, 2, 4 ... seconds, at most a minute."""

    def __post_init__(self) -> None:
        unsafe = set(self.algorithms) - ASYMMETRIC
        if unsafe or not self.algorithms:
            raise ValueError(f"only asymmetric JWT algorithms may be accepted, not {sorted(unsafe)}")


class JwksCache:
    """The issuer's signing keys. A known key is served at once, even when the cache is stale: the refresh runs in
    the background, and an issuer outage costs no request any latency. Only an unknown `kid` (a rotation) waits
    for a fetch, and not while the issuer is known to be down (failed fetches back off exponentially)."""

    def __init__(self, config: VerifierConfig, http: httpx.AsyncClient | None = None) -> None:
        self.config = config
        self._http = http
        self._keys: dict[str, PyJWK] = {}
        self._fetched_at = -1e9
        self._lock = asyncio.Lock()
        self._background: asyncio.Task[None] | None = None
        self._failures = 0
        self._retry_at = 0.0

    async def key(self, kid: str) -> PyJWK:
        found = self._keys.get(kid)
        if found is not None:
            if self._stale():
                self._refresh_in_background()
            return found
        if time.monotonic() < self._retry_at:
            raise InvalidToken(f"unknown key id {kid!r} (the issuer's JWKS is unreachable; retrying later)")
        await self._refresh(force=True)
        found = self._keys.get(kid)
        if found is None:
            raise InvalidToken(f"unknown key id {kid!r}")
        return found

    async def refreshed(self) -> None:
        """Wait for a background refresh in progress (tests, shutdown)."""
        if self._background is not None:
            await asyncio.shield(self._background)

    def _stale(self) -> bool:
        return time.monotonic() - self._fetched_at > self.config.cache_seconds

    def _refresh_in_background(self) -> None:
        if self._background is not None and not self._background.done():
            return
        if time.monotonic() < self._retry_at:
            return
        self._background = asyncio.get_running_loop().create_task(self._refresh_quietly())

    async def _refresh_quietly(self) -> None:
        with contextlib.suppress(InvalidToken):
            await self._refresh(force=False)

    async def _refresh(self, *, force: bool) -> None:
        async with self._lock:
            since = time.monotonic() - self._fetched_at
            if since < self.config.refresh_floor_seconds or (not force and not self._stale()):
                return
            try:
                if self._http is not None:
                    response = await self._http.get(self.config.jwks_url)
                else:
                    async with httpx.AsyncClient(timeout=5) as http:
                        response = await http.get(self.config.jwks_url)
                response.raise_for_status()
                document = response.json()
            except (httpx.HTTPError, ValueError) as exc:
                self._failures += 1
                backoff = min(
                    self.config.retry_max_seconds,
                    self.config.retry_initial_seconds * 2 ** (self._failures - 1),
                )
                self._retry_at = time.monotonic() + backoff
                log.warning(
                    "JWKS fetch failed; known keys still serve",
                    extra={"error": repr(exc), "retry_in": backoff},
                )
                if self._keys:  # keep serving with the keys we have; the issuer is briefly away
                    return
                raise InvalidToken(f"JWKS unavailable: {exc!r}") from exc
            keys: dict[str, PyJWK] = {}
            for jwk in document.get("keys", []):
                if jwk.get("use", "sig") == "sig" and "kid" in jwk:
                    try:
                        keys[jwk["kid"]] = PyJWK(jwk)
                    except jwt.PyJWTError:
                        continue  # a key type we cannot use: ignore it, do not fail the others
            self._keys = keys
            self._fetched_at = time.monotonic()
            self._failures, self._retry_at = 0, 0.0


class TokenVerifier:
    def __init__(self, config: VerifierConfig, http: httpx.AsyncClient | None = None) -> None:
        self.config = config
        self.jwks = JwksCache(config, http)

    async def verify(self, token: str) -> Principal:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise InvalidToken(f"malformed token: {exc}") from exc
        algorithm = header.get("alg")
        if algorithm not in self.config.algorithms:
            raise InvalidToken(f"algorithm {algorithm!r} is not accepted")
        kid = header.get("kid")
        if not isinstance(kid, str):
            raise InvalidToken("the token names no key (kid)")
        key = await self.jwks.key(kid)
        if key.algorithm_name and key.algorithm_name != algorithm:
            raise InvalidToken(f"key {kid} is for {key.algorithm_name}, not {algorithm}")
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key=key.key,
                algorithms=[algorithm],
                audience=self.config.audience,
                issuer=self.config.issuer,
                leeway=self.config.leeway_seconds,
                options={"require": ["exp", "iat", "iss", "aud", "sub"]},
            )
        except jwt.PyJWTError as exc:
            raise InvalidToken(str(exc)) from exc
        return principal_from(claims, client_claim=self.config.client_claim)


def principal_from(
    claims: dict[str, Any], *, client_claim: tuple[str, str] = ("gty", "client-credentials")
) -> Principal:
    roles = claims.get("roles", [])
    if not isinstance(roles, list) or not all(isinstance(r, str) for r in roles):
        raise InvalidToken("roles must be a list of strings")
    unknown = set(roles) - ROLES
    if unknown:
        raise InvalidToken(f"unknown roles {sorted(unknown)}")
    country = claims.get("country")
    if country is not None and (not isinstance(country, str) or len(country) != 2 or not country.isupper()):
        raise InvalidToken("country must be an ISO 3166-1 alpha-2 code")
    scope = claims.get("scope", "")
    if not isinstance(scope, str):
        raise InvalidToken("scope must be a space-separated string")
    name, value = client_claim
    kind: Literal["user", "client"] = "client" if claims.get(name) == value else "user"
    if kind == "user" and (not roles or country is None):
        raise InvalidToken("a user token needs roles and a country")
    scopes = frozenset(scope.split())
    if kind == "client":
        # A partner's integration or a national system acts in a role, granted as a `role:<name>` scope, for
        # the country (and agency) the identity provider registered it with.
        roles = sorted({s.removeprefix(ROLE_SCOPE) for s in scopes if s.startswith(ROLE_SCOPE)})
        unknown_scoped = set(roles) - ROLES
        if unknown_scoped:
            raise InvalidToken(f"unknown role scopes {sorted(unknown_scoped)}")
        if roles and country is None:
            raise InvalidToken("a client acting in a role needs a country")
    agency = claims.get("agency")
    return Principal(
        subject=str(claims["sub"]),
        kind=kind,
        roles=frozenset(roles),
        country=country,
        agency=str(agency) if agency else None,
        scopes=scopes,
        token_id=str(claims["jti"]) if claims.get("jti") else None,
    )
