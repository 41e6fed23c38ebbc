"""The issuer's signing keys and machine clients, kept in `<state>/issuer/` (git-ignored).

Keys are RSA 2048, one PEM per key id; `current` names the key that signs. Rotation adds a key and makes it
current; the previous one stays in the JWKS until retired, so tokens it signed stay valid until they expire.
Client secrets are stored as SHA-256 digests only.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
import uuid
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

ALGORITHM = "RS256"


class MissingSigningKey(RuntimeError):
    """A key store that may not create keys (a mounted secret) has none to sign with."""


class KeyStore:
    """Signing keys by key id: `<kid>.pem` files and a `current` file naming the one that signs.

    A development store creates its first key itself, under `keys/`. A mounted one (`generate=False`, a
    Kubernetes Secret: `current` and `<kid>.pem` files side by side, read-only) never writes: every pod signs
    with the same key, and rotating is adding the new key to the Secret and pointing `current` at it; the old
    key stays published, so what it signed still verifies, until it is removed from the Secret."""

    def __init__(self, folder: Path, *, generate: bool = True) -> None:
        self.folder = folder
        self.generate = generate
        self.keys = folder / "keys" if generate or (folder / "keys").is_dir() else folder
        self.retired = folder / "retired"

    def ensure(self) -> str:
        """The current key id, creating the first key if there is none (when this store may)."""
        current = self.folder / "current"
        if current.exists():
            kid = current.read_text().strip()
            if not (self.keys / f"{kid}.pem").exists():
                raise MissingSigningKey(
                    f"{current} names key {kid!r}, but {self.keys}/{kid}.pem does not exist"
                )
            return kid
        if not self.generate:
            raise MissingSigningKey(
                f"no signing key in {self.folder}: mount one there (a `current` file naming the key id, and "
                "`<kid>.pem` with the key), or point SIGNING_KEYS_DIR at it"
            )
        return self.rotate()

    def rotate(self) -> str:
        self.keys.mkdir(parents=True, exist_ok=True)
        kid = f"dev-{time.strftime('%Y%m%d%H%M%S')}-{uuid.uuid4().hex[:6]}"
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        path = self.keys / f"{kid}.pem"
        path.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        )
        path.chmod(0o600)
        (self.folder / "current").write_text(kid)
        return kid

    def retire(self, kid: str) -> None:
        if kid == self.ensure():
            raise ValueError("the current key cannot be retired; rotate first")
        self.retired.mkdir(parents=True, exist_ok=True)
        (self.keys / f"{kid}.pem").rename(self.retired / f"{kid}.pem")

    def _private(self, kid: str) -> rsa.RSAPrivateKey:
        loaded = serialization.load_pem_private_key((self.keys / f"{kid}.pem").read_bytes(), password=None)
        assert isinstance(loaded, rsa.RSAPrivateKey)
        return loaded

    def jwks(self) -> dict[str, Any]:
        self.ensure()
        published = []
        for path in sorted(self.keys.glob("*.pem")):
            jwk = json.loads(RSAAlgorithm.to_jwk(self._private(path.stem).public_key()))
            published.append({**jwk, "kid": path.stem, "use": "sig", "alg": ALGORITHM})
        return {"keys": published}

    def sign(self, claims: dict[str, Any], *, kid: str | None = None) -> str:
        kid = kid or self.ensure()
        return jwt.encode(claims, self._private(kid), algorithm=ALGORITHM, headers={"kid": kid})

    # Machine clients (OAuth2 client credentials).

    @property
    def _clients_file(self) -> Path:
        return self.folder / "clients.json"

    def _clients(self) -> dict[str, dict[str, Any]]:
        if not self._clients_file.exists():
            return {}
        loaded: dict[str, dict[str, Any]] = json.loads(self._clients_file.read_text())
        return loaded

    def register_client(
        self,
        client_id: str,
        scopes: list[str],
        *,
        secret: str | None = None,
        country: str | None = None,
        agency: str | None = None,
    ) -> str:
        """`country`/`agency`: whom a partner's integration acts for (put in its tokens)."""
        secret = secret or secrets.token_urlsafe(32)
        clients = self._clients()
        clients[client_id] = {
            "secret_sha256": hashlib.sha256(secret.encode()).hexdigest(),
            "scopes": scopes,
            "country": country,
            "agency": agency,
        }
        self.folder.mkdir(parents=True, exist_ok=True)
        self._clients_file.write_text(json.dumps(clients, indent=2))
        self._clients_file.chmod(0o600)
        return secret

    def register_public_client(
        self, client_id: str, redirect_uris: list[str], *, post_logout_redirect_uris: list[str] | None = None
    ) -> None:
        """A browser application signing people in with the authorization code flow and PKCE (no secret: it
        proves each exchange with its code verifier, and codes go only to its registered redirect URIs)."""
        clients = self._clients()
        clients[client_id] = {
            "public": True,
            "redirect_uris": redirect_uris,
            "post_logout_redirect_uris": post_logout_redirect_uris or [],
        }
        self.folder.mkdir(parents=True, exist_ok=True)
        self._clients_file.write_text(json.dumps(clients, indent=2))
        self._clients_file.chmod(0o600)

    def public_client(self, client_id: str) -> dict[str, Any] | None:
        client = self._clients().get(client_id)
        return client if client is not None and client.get("public") else None

    def client_scopes(self, client_id: str, secret: str) -> list[str] | None:
        client = self.client(client_id, secret)
        return list(client["scopes"]) if client else None

    def client(self, client_id: str, secret: str) -> dict[str, Any] | None:
        """The registered client, if the secret is its own."""
        client = self._clients().get(client_id)
        if client is None or client.get("public"):
            return None
        digest = hashlib.sha256(secret.encode()).hexdigest()
        if not hmac.compare_digest(digest, client["secret_sha256"]):
            return None
        return client


def user_claims(
    *,
    issuer: str,
    audience: str | list[str],
    subject: str,
    roles: list[str],
    country: str,
    agency: str | None = None,
    ttl_seconds: int = 3600,
    not_before: float | None = None,
) -> dict[str, Any]:
    now = int(time.time())
    claims: dict[str, Any] = {
        "iss": issuer,
        "aud": audience,
        "sub": subject,
        "iat": now,
        "nbf": int(not_before) if not_before is not None else now,
        "exp": now + ttl_seconds,
        "jti": uuid.uuid4().hex,
        "roles": roles,
        "country": country,
    }
    if agency:
        claims["agency"] = agency
    return claims


def client_claims(
    *,
    issuer: str,
    audience: str | list[str],
    client_id: str,
    scopes: list[str],
    ttl_seconds: int = 900,
    country: str | None = None,
    agency: str | None = None,
) -> dict[str, Any]:
    now = int(time.time())
    acting_for = {k: v for k, v in (("country", country), ("agency", agency)) if v}
    return {
        **acting_for,
        "iss": issuer,
        "aud": audience,
        "sub": client_id,
        "client_id": client_id,
        "gty": "client-credentials",  # how this issuer marks a machine client (auth_client_claim)
        "iat": now,
        "nbf": now,
        "exp": now + ttl_seconds,
        "jti": uuid.uuid4().hex,
        "scope": " ".join(scopes),
    }
