"""Bearer tokens at the partners API: only a token the issuer signed, for us, in its time, gets through.

The service fetches the issuer's JWKS over HTTP (the session's development issuer); the forged tokens below are
built with PyJWT the way an attacker would.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import time
from typing import Any

import httpx
import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from backbone.auth.http import WORKFLOWS_SCOPE
from backbone.issuer.keys import client_claims
from tests.integration.test_partners_api import PROBLEM
from tests.support import WORKER_CLIENT, WORKER_SECRET, TestIssuer

PROTECTED = "/agencies"


def issuer_of(api: httpx.AsyncClient) -> TestIssuer:
    found: TestIssuer = api.deployment.issuer  # type: ignore[attr-defined]
    return found


def claims(issuer: TestIssuer, **changes: Any) -> dict[str, Any]:
    now = int(time.time())
    body: dict[str, Any] = {
        "iss": issuer.url,
        "aud": issuer.audience,
        "sub": "alice@FR",
        "iat": now,
        "nbf": now,
        "exp": now + 600,
        "roles": ["national_coordinator"],
        "country": "FR",
    }
    body.update(changes)
    return {k: v for k, v in body.items() if v is not None}


def b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


async def status_with(api: httpx.AsyncClient, token: str) -> httpx.Response:
    return await api.get(PROTECTED, headers={"Authorization": f"Bearer {token}"})


async def assert_refused(api: httpx.AsyncClient, token: str, why: str) -> None:
    response = await status_with(api, token)
    assert response.status_code == 401, (why, response.text)
    assert response.headers["content-type"] == PROBLEM and response.json()["code"] == "unauthenticated", why
    assert response.headers["www-authenticate"].startswith("Bearer"), why
    assert "Traceback" not in response.text and "signature" not in response.text.lower(), why


async def test_a_token_from_the_issuer_is_accepted_and_no_token_is_a_401(api: httpx.AsyncClient) -> None:
    issuer = issuer_of(api)
    assert (await status_with(api, issuer.token("agency_integrator", country="SN"))).status_code == 200
    anonymous = await api.get(PROTECTED, headers={"Authorization": ""})
    assert anonymous.status_code == 401 and anonymous.json()["code"] == "unauthenticated"
    basic = await api.get(PROTECTED, headers={"Authorization": "Basic YWxpY2U6c2VjcmV0"})
    assert basic.status_code == 401
    for open_path in ("/healthz", "/docs", "/openapi.json", "/metrics"):
        assert (await api.get(open_path, headers={"Authorization": ""})).status_code == 200, open_path


async def test_forged_and_out_of_date_tokens_are_all_401(api: httpx.AsyncClient) -> None:
    issuer = issuer_of(api)
    kid = issuer.store.ensure()
    now = int(time.time())
    public_pem = next(
        k for k in issuer.store.jwks()["keys"] if k["kid"] == kid
    )  # what anyone can read from the JWKS
    public_key = jwt.PyJWK(public_pem).key
    pem = public_key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ec_key = ec.generate_private_key(ec.SECP256R1())

    unsigned = jwt.encode(claims(issuer), key=None, algorithm="none", headers={"kid": kid})  # type: ignore[arg-type]
    await assert_refused(api, unsigned, "alg none")
    # RS/HS confusion: HMAC with the public key (PEM) as the shared secret. PyJWT refuses to build one, so
    # assemble it by hand as an attacker would.
    signing_input = (
        f"{b64(json.dumps({'alg': 'HS256', 'kid': kid}).encode())}.{b64(json.dumps(claims(issuer)).encode())}"
    )
    confused = f"{signing_input}.{b64(hmac.new(pem, signing_input.encode(), hashlib.sha256).digest())}"
    await assert_refused(api, confused, "HS256 with the public key")
    await assert_refused(
        api,
        jwt.encode(claims(issuer), stranger, algorithm="RS256", headers={"kid": kid}),
        "wrong key, real kid",
    )
    await assert_refused(
        api, jwt.encode(claims(issuer), stranger, algorithm="RS256", headers={"kid": "forged"}), "unknown kid"
    )
    await assert_refused(
        api,
        jwt.encode(claims(issuer), ec_key, algorithm="ES256", headers={"kid": kid}),
        "ES256 on an RSA key",
    )
    await assert_refused(api, issuer.store.sign(claims(issuer, exp=now - 120, iat=now - 700)), "expired")
    await assert_refused(api, issuer.store.sign(claims(issuer, nbf=now + 300)), "not yet valid")
    await assert_refused(api, issuer.store.sign(claims(issuer, aud="another-system")), "wrong audience")
    await assert_refused(api, issuer.store.sign(claims(issuer, iss="https://evil.example")), "wrong issuer")
    await assert_refused(api, issuer.store.sign(claims(issuer, exp=None)), "no expiry")
    await assert_refused(api, issuer.store.sign(claims(issuer, roles=["emperor"])), "unknown role")
    await assert_refused(api, issuer.store.sign(claims(issuer, country=None)), "user without a country")
    await assert_refused(api, "not.a.jwt", "malformed")
    # Clock skew: a token that expired 10 s ago is still accepted (30 s leeway), one 120 s ago is not (above).
    skewed = issuer.store.sign(claims(issuer, exp=now - 10, iat=now - 600))
    assert (await status_with(api, skewed)).status_code == 200


async def test_a_rotated_key_is_picked_up_by_kid_without_restarting_the_service(
    api: httpx.AsyncClient,
) -> None:
    issuer = issuer_of(api)
    before = issuer.token("national_coordinator")
    assert (await status_with(api, before)).status_code == 200  # JWKS fetched and cached
    old_kid = issuer.store.ensure()
    new_kid = issuer.store.rotate()
    await asyncio.sleep(1.1)  # unknown kids refresh the JWKS at most once a second
    after = issuer.token("national_coordinator")
    assert jwt.get_unverified_header(after)["kid"] == new_kid != old_kid
    assert (await status_with(api, after)).status_code == 200, "the new key was fetched by its kid"
    assert (await status_with(api, before)).status_code == 200, "the old key stays valid until retired"


async def test_workflow_routes_take_the_workers_client_credentials_only(api: httpx.AsyncClient) -> None:
    issuer = issuer_of(api)
    route = "/decisions/00000000-0000-0000-0000-000000000000/reminders"
    as_user = await api.post(route, json={"kind": "reminder"})
    assert as_user.status_code == 403 and as_user.json()["code"] == "forbidden"
    async with httpx.AsyncClient() as http:
        granted = await http.post(
            f"{issuer.url}/token",
            data={
                "grant_type": "client_credentials",
                "client_id": WORKER_CLIENT,
                "client_secret": WORKER_SECRET,
            },
        )
        wrong = await http.post(
            f"{issuer.url}/token",
            data={"grant_type": "client_credentials", "client_id": WORKER_CLIENT, "client_secret": "guess"},
        )
    assert wrong.status_code == 401 and wrong.json()["error"] == "invalid_client"
    token = granted.json()["access_token"]
    as_worker = await api.post(route, json={"kind": "reminder"}, headers={"Authorization": f"Bearer {token}"})
    assert as_worker.status_code == 404 and as_worker.json()["code"] == "decision_not_found"


async def test_a_partners_integration_is_a_client_acting_in_a_role_for_its_agency(
    api: httpx.AsyncClient,
) -> None:
    issuer = issuer_of(api)
    coordinator = {"Authorization": f"Bearer {issuer.token('national_coordinator', country='SN')}"}

    async def sn_agency(name: str) -> str:
        created = await api.post(
            "/agencies",
            json={"country": {"code": "SN", "name": "Senegal"}, "name": name, "agency_type": "police"},
            headers=coordinator,
        )
        return str(created.json()["id"])

    ours, theirs = await sn_agency("Police nationale"), await sn_agency("Gendarmerie nationale")
    client_id = f"sn-police-integration-{ours[:8]}"
    issuer.store.register_client(
        client_id, ["role:agency_integrator"], secret="integration-secret", country="SN", agency=ours
    )
    async with httpx.AsyncClient() as http:
        granted = await http.post(
            f"{issuer.url}/token",
            data={
                "grant_type": "client_credentials",
                "client_id": client_id,
                "client_secret": "integration-secret",
            },
        )
    token = {"Authorization": f"Bearer {granted.json()['access_token']}"}
    profile = {"competency": "cyber_forensics", "current_level": 1, "target_level": 3}
    mine = await api.post(f"/agencies/{ours}/capacity-profiles", json=profile, headers=token)
    assert mine.status_code == 201, mine.text
    other = await api.post(f"/agencies/{theirs}/capacity-profiles", json=profile, headers=token)
    assert other.status_code == 403, "an integration acts for its own agency only"
    elsewhere = await api.get("/partnerships", headers=token)
    assert elsewhere.status_code == 200 and elsewhere.json()["items"] == []
    workflows_only = await api.post(
        f"/agencies/{ours}/activation", json={"confirmed_by": "me"}, headers=token
    )
    assert workflows_only.status_code == 403
    crowned = issuer.store.sign(
        {**client_claims(issuer=issuer.url, audience=issuer.audience, client_id="x", scopes=["role:emperor"])}
    )
    assert (await status_with(api, crowned)).status_code == 401


async def test_a_user_token_carrying_client_id_and_the_workflows_scope_is_still_a_user(
    api: httpx.AsyncClient,
) -> None:
    """RFC 9068 access tokens of people carry `client_id` too: only the identity provider's client-credentials
    marker (`gty`) makes a machine client, so a person's token cannot reach the workflows' routes."""
    issuer = issuer_of(api)
    route = "/decisions/00000000-0000-0000-0000-000000000000/reminders"
    person = issuer.store.sign(claims(issuer, client_id=WORKER_CLIENT, scope=WORKFLOWS_SCOPE))
    refused = await api.post(route, json={"kind": "reminder"}, headers={"Authorization": f"Bearer {person}"})
    assert (refused.status_code, refused.json()["code"]) == (403, "forbidden")
    unmarked = claims(issuer, client_id=WORKER_CLIENT, scope=WORKFLOWS_SCOPE, roles=None, country=None)
    await assert_refused(
        api, issuer.store.sign(unmarked), "a client_id without the IdP's marker is no client"
    )
    marked = issuer.store.sign(
        client_claims(
            issuer=issuer.url, audience=issuer.audience, client_id=WORKER_CLIENT, scopes=[WORKFLOWS_SCOPE]
        )
    )
    as_worker = await api.post(
        route, json={"kind": "reminder"}, headers={"Authorization": f"Bearer {marked}"}
    )
    assert as_worker.status_code == 404, "the marked client is the worker"


async def test_a_token_for_another_service_is_refused(api: httpx.AsyncClient) -> None:
    """One audience per service: a token the identity provider issued for training is no key to partners."""
    issuer = issuer_of(api)
    for_training = issuer.store.sign(claims(issuer, aud="training-backbone.training"))
    await assert_refused(api, for_training, "a token for training")
    for_partners = issuer.store.sign(claims(issuer, aud="training-backbone.partners"))
    assert (await status_with(api, for_partners)).status_code == 200
    shared = issuer.store.sign(claims(issuer, aud="training-backbone"))
    await assert_refused(api, shared, "the old shared audience")
