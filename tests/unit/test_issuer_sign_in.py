"""The development issuer's sign-in for people: authorization code with PKCE, as a browser client uses it."""

from __future__ import annotations

import base64
import hashlib
import secrets
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import httpx
import jwt
import pytest

from backbone.auth.tokens import TokenVerifier, VerifierConfig
from backbone.issuer.keys import KeyStore
from backbone.issuer.server import build_issuer_app
from backbone.registry import ALL_AUDIENCES, audience_of

ISSUER = "http://issuer.test"
CLIENT = "backbone-console"
REDIRECT = "http://console.test/auth/callback"


@pytest.fixture
def issuer(tmp_path: Path) -> tuple[httpx.AsyncClient, KeyStore]:
    store = KeyStore(tmp_path)
    store.register_public_client(CLIENT, [REDIRECT], post_logout_redirect_uris=["http://console.test/"])
    app = build_issuer_app(store, issuer=ISSUER, audience=list(ALL_AUDIENCES))
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=ISSUER), store


def _pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def _authorize(challenge: str, **extra: str) -> dict[str, str]:
    return {
        "response_type": "code",
        "client_id": CLIENT,
        "redirect_uri": REDIRECT,
        "scope": "openid profile",
        "state": "st4te",
        "nonce": "n0nce",
        "code_challenge": challenge,
        "code_challenge_method": "S256",
        **extra,
    }


async def _code(http: httpx.AsyncClient, challenge: str, person: str = "delegate.sn") -> str:
    page = await http.get("/authorize", params=_authorize(challenge))
    assert page.status_code == 200 and "Aminata Diallo" in page.text and 'lang="en"' in page.text
    chosen = await http.post("/authorize", data={**_authorize(challenge), "person": person})
    assert chosen.status_code == 303
    back = urlparse(chosen.headers["location"])
    query = parse_qs(back.query)
    assert f"{back.scheme}://{back.netloc}{back.path}" == REDIRECT and query["state"] == ["st4te"]
    return query["code"][0]


async def test_a_person_signs_in_with_pkce_and_the_services_accept_the_token(
    issuer: tuple[httpx.AsyncClient, KeyStore],
) -> None:
    http, _ = issuer
    discovery = (await http.get("/.well-known/openid-configuration")).json()
    assert discovery["code_challenge_methods_supported"] == ["S256"]
    assert discovery["authorization_endpoint"] == f"{ISSUER}/authorize"
    verifier, challenge = _pkce()
    code = await _code(http, challenge)
    exchange = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": REDIRECT,
        "client_id": CLIENT,
    }
    tokens = (await http.post("/token", data={**exchange, "code_verifier": verifier})).json()
    identity = jwt.decode(tokens["id_token"], options={"verify_signature": False})
    assert identity["aud"] == CLIENT and identity["nonce"] == "n0nce" and identity["sub"] == "delegate.sn"
    assert identity["locale"] == "fr" and identity["zoneinfo"] == "Africa/Dakar"
    verifier_config = VerifierConfig(
        issuer=ISSUER, audience=audience_of("partners"), jwks_url=f"{ISSUER}/jwks.json"
    )
    principal = await TokenVerifier(verifier_config, http).verify(tokens["access_token"])
    assert principal.kind == "user" and principal.subject == "delegate.sn"
    assert principal.country == "SN" and principal.has_role("oversight_member")
    again = await http.post("/token", data={**exchange, "code_verifier": verifier})
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"  # a code is single-use


async def test_a_code_without_its_verifier_or_for_another_redirect_is_refused(
    issuer: tuple[httpx.AsyncClient, KeyStore],
) -> None:
    http, _ = issuer
    verifier, challenge = _pkce()
    code = await _code(http, challenge)
    stolen = await http.post(
        "/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": REDIRECT,
            "client_id": CLIENT,
            "code_verifier": secrets.token_urlsafe(48),
        },
    )
    assert stolen.status_code == 400 and stolen.json()["error"] == "invalid_grant"
    code = await _code(http, challenge)
    elsewhere = await http.post(
        "/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": "http://console.test/other",
            "client_id": CLIENT,
            "code_verifier": verifier,
        },
    )
    assert elsewhere.status_code == 400 and elsewhere.json()["error"] == "invalid_grant"


async def test_authorization_requests_are_checked_before_anyone_is_offered(
    issuer: tuple[httpx.AsyncClient, KeyStore],
) -> None:
    http, _ = issuer
    _, challenge = _pkce()
    wrong_redirect = await http.get(
        "/authorize", params=_authorize(challenge, redirect_uri="https://evil.test/cb")
    )
    assert wrong_redirect.status_code == 400 and "location" not in wrong_redirect.headers
    unknown = await http.get("/authorize", params=_authorize(challenge, client_id="nobody"))
    assert unknown.status_code == 400
    no_pkce = await http.get("/authorize", params=_authorize("", code_challenge_method=""))
    assert no_pkce.status_code == 400 and "PKCE" in no_pkce.json()["error_description"]
    nobody = await http.post("/authorize", data={**_authorize(challenge), "person": "intruder"})
    assert nobody.status_code == 400
    # A public client has no secret: it cannot use the client-credentials grant.
    machine = await http.post("/token", data={"grant_type": "client_credentials", "client_id": CLIENT})
    assert machine.status_code == 401
    back = await http.get(
        "/logout", params={"client_id": CLIENT, "post_logout_redirect_uri": "http://console.test/"}
    )
    assert back.status_code == 303 and back.headers["location"] == "http://console.test/"
    elsewhere = await http.get(
        "/logout", params={"client_id": CLIENT, "post_logout_redirect_uri": "https://evil.test/"}
    )
    assert elsewhere.status_code == 200
