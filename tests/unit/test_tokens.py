"""Token verification without a network: the issuer's JWKS served through httpx's mock transport."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import jwt
import pytest

from backbone.auth.tokens import InvalidToken, TokenVerifier, VerifierConfig, principal_from
from backbone.issuer.keys import KeyStore, client_claims, user_claims

ISSUER, AUDIENCE = "https://issuer.test", "training-backbone"


def verifier(store: KeyStore, *, up: list[bool] | None = None, cache_seconds: float = 300) -> TokenVerifier:
    availability = up if up is not None else [True]

    def serve(request: httpx.Request) -> httpx.Response:
        if not availability[0]:
            return httpx.Response(503)
        return httpx.Response(200, json=store.jwks())

    http = httpx.AsyncClient(transport=httpx.MockTransport(serve))
    config = VerifierConfig(
        issuer=ISSUER,
        audience=AUDIENCE,
        jwks_url=f"{ISSUER}/jwks.json",
        cache_seconds=cache_seconds,
        refresh_floor_seconds=0,
    )
    return TokenVerifier(config, http)


def user_token(store: KeyStore, **extra: object) -> str:
    claims = user_claims(issuer=ISSUER, audience=AUDIENCE, subject="amina", roles=["evaluator"], country="SN")
    return store.sign({**claims, **extra})


async def test_a_user_token_names_its_roles_country_and_agency(tmp_path: Path) -> None:
    store = KeyStore(tmp_path)
    principal = await verifier(store).verify(user_token(store, agency="a-1"))
    assert (principal.subject, principal.kind, principal.country, principal.agency) == (
        "amina",
        "user",
        "SN",
        "a-1",
    )
    assert principal.roles == {"evaluator"} and principal.has_role("evaluator", "auditor")


async def test_a_client_token_carries_scopes_and_no_country(tmp_path: Path) -> None:
    store = KeyStore(tmp_path)
    token = store.sign(
        client_claims(issuer=ISSUER, audience=AUDIENCE, client_id="ghana-hr", scopes=["a", "b"])
    )
    principal = await verifier(store).verify(token)
    assert principal.kind == "client" and principal.scopes == {"a", "b"} and principal.country is None


async def test_a_retired_key_stops_verifying_once_the_jwks_is_refreshed(tmp_path: Path) -> None:
    store = KeyStore(tmp_path)
    old = user_token(store)
    check = verifier(store, cache_seconds=0)
    await check.verify(old)
    store.rotate()
    old_kid = jwt.get_unverified_header(old)["kid"]
    store.retire(old_kid)
    assert old_kid not in {k["kid"] for k in store.jwks()["keys"]}
    await check.verify(old)  # the stale cache still serves it, while the refresh runs in the background
    await check.jwks.refreshed()
    with pytest.raises(InvalidToken):
        await check.verify(old)
    await check.verify(user_token(store))


async def test_while_the_issuer_is_down_the_known_keys_keep_working(tmp_path: Path) -> None:
    store = KeyStore(tmp_path)
    up = [True]
    check = verifier(store, up=up, cache_seconds=0)
    await check.verify(user_token(store))
    up[0] = False
    await check.verify(user_token(store))  # stale cache, refresh fails: the keys we had still verify


async def test_without_any_jwks_nothing_verifies(tmp_path: Path) -> None:
    store = KeyStore(tmp_path)
    with pytest.raises(InvalidToken):
        await verifier(store, up=[False]).verify(user_token(store))


@pytest.mark.parametrize("algorithms", [("HS256",), ("RS256", "none"), ()])
def test_only_asymmetric_algorithms_can_be_configured(algorithms: tuple[str, ...]) -> None:
    with pytest.raises(ValueError, match="asymmetric"):
        VerifierConfig(issuer=ISSUER, audience=AUDIENCE, jwks_url="x", algorithms=algorithms)


def test_client_secrets_are_stored_as_digests_and_checked(tmp_path: Path) -> None:
    store = KeyStore(tmp_path)
    secret = store.register_client("worker", ["backbone:workflows"])
    assert secret not in (tmp_path / "clients.json").read_text()
    assert store.client_scopes("worker", secret) == ["backbone:workflows"]
    assert store.client_scopes("worker", "guess") is None and store.client_scopes("nobody", secret) is None


async def test_an_issuer_outage_delays_no_request_and_is_retried_with_backoff(tmp_path: Path) -> None:
    """A stale cache during an outage: the request is answered from the known keys at once, while one
    background fetch hangs; a failed fetch is not tried again before its backoff, however many requests come."""
    store = KeyStore(tmp_path)
    hanging, release, fetches = asyncio.Event(), asyncio.Event(), [0]

    async def serve(request: httpx.Request) -> httpx.Response:
        fetches[0] += 1
        if hanging.is_set():
            await release.wait()  # the issuer does not answer until the test lets it fail
            return httpx.Response(503)
        return httpx.Response(200, json=store.jwks())

    config = VerifierConfig(
        issuer=ISSUER,
        audience=AUDIENCE,
        jwks_url=f"{ISSUER}/jwks.json",
        cache_seconds=0,
        refresh_floor_seconds=0,
        retry_initial_seconds=60,
    )
    check = TokenVerifier(config, httpx.AsyncClient(transport=httpx.MockTransport(serve)))
    token = user_token(store)
    await check.verify(token)
    hanging.set()
    for _ in range(20):
        principal = await asyncio.wait_for(check.verify(token), timeout=5)  # never waits for the issuer
        assert principal.subject == "amina"
    assert fetches[0] == 2, "one background fetch in flight, not one per request"
    release.set()
    await check.jwks.refreshed()
    for _ in range(20):
        await check.verify(token)
    assert fetches[0] == 2, "after the failure, the next fetch waits for its backoff"


def test_only_the_issuers_marker_makes_a_machine_client() -> None:
    base = {"sub": "x", "scope": "workflows", "client_id": "backbone-worker"}
    with pytest.raises(InvalidToken, match="user token needs roles"):
        principal_from(base)  # a client_id alone is no client (people's tokens carry one too)
    person = principal_from({**base, "roles": ["auditor"], "country": "FR"})
    assert person.kind == "user"
    client = principal_from({**base, "gty": "client-credentials"})
    assert client.kind == "client" and client.has_scope("workflows")
    assert (
        principal_from({**base, "azp_type": "service"}, client_claim=("azp_type", "service")).kind == "client"
    )
