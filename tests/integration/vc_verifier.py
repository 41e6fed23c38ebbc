"""An independent verifier of the backbone's credentials, written from the published public key only.

It uses `cryptography` directly (no PyJWT, nothing of the backbone): split the compact JWS, rebuild the RSA
public key from the JWK's modulus and exponent, check the RS256 (PKCS#1 v1.5, SHA-256) signature over
`header.payload`, then the claims a verifier must check (issuer, validity period).
"""

from __future__ import annotations

import base64
import json
import time
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa


class Rejected(Exception):
    pass


def _b64(segment: str) -> bytes:
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


def verify(credential: str, jwks: dict[str, Any], *, issuer: str, now: float | None = None) -> dict[str, Any]:
    try:
        header_b64, payload_b64, signature_b64 = credential.split(".")
    except ValueError as exc:
        raise Rejected("not a compact JWS") from exc
    header = json.loads(_b64(header_b64))
    if header.get("alg") != "RS256":
        raise Rejected(f"unexpected algorithm {header.get('alg')!r}")
    key = next((k for k in jwks["keys"] if k.get("kid") == header.get("kid")), None)
    if key is None or key.get("kty") != "RSA":
        raise Rejected("signed with a key the issuer does not publish")
    public = rsa.RSAPublicNumbers(
        int.from_bytes(_b64(key["e"]), "big"), int.from_bytes(_b64(key["n"]), "big")
    ).public_key()
    try:
        public.verify(
            _b64(signature_b64), f"{header_b64}.{payload_b64}".encode(), padding.PKCS1v15(), hashes.SHA256()
        )
    except InvalidSignature as exc:
        raise Rejected("the signature does not match the content") from exc
    claims: dict[str, Any] = json.loads(_b64(payload_b64))
    moment = time.time() if now is None else now
    if claims.get("iss") != issuer:
        raise Rejected("another issuer")
    if not claims.get("nbf", 0) <= moment < claims.get("exp", 0):
        raise Rejected("outside its validity period")
    return claims
