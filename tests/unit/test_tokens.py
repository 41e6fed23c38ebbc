"""Token verification without a network: the issuer's JWKS served through httpx's mock transport."""

from __future__ import annotations

from pathlib import Path

import httpx
import jwt
import pytest

from backbone.auth.tokens import InvalidToken, TokenVerifier, VerifierConfig
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
