"""Abuse limits at the partners API: request size (announced or streamed) and request rate per client."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx

from services.partners.app import build_app
from tests.integration.test_partners_api import PROBLEM
from tests.support import Deployment, acting


async def client_of(deployment: Deployment, **limits: int) -> AsyncIterator[httpx.AsyncClient]:
    app = build_app(deployment.settings("partners", uses_temporal=True, **limits))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://partners", headers=deployment.user_headers()
        ) as client:
            yield client


async def test_a_client_over_its_rate_gets_429_with_retry_after_and_others_go_on(
    deployment: Deployment,
) -> None:
    await deployment.create("partners")
    assert deployment.issuer is not None
    async for api in client_of(deployment, rate_limit_per_minute=60, rate_limit_burst=3):
        answers = [(await api.get("/agencies")).status_code for _ in range(4)]
        assert answers == [200, 200, 200, 429]
        limited = await api.get("/agencies")
        assert limited.headers["content-type"] == PROBLEM and limited.json()["code"] == "rate_limited"
        assert 1 <= int(limited.headers["retry-after"]) <= 2
        other = deployment.issuer.headers("auditor", country="SN")
        assert (await api.get("/agencies", headers=other)).status_code == 200, "buckets are per client"
        assert (await api.get("/healthz")).status_code == 200, "probes are never limited"


async def test_bodies_over_the_limit_are_refused_whether_announced_or_streamed(
    deployment: Deployment,
) -> None:
    await deployment.create("partners")
    async for api in client_of(deployment, max_request_bytes=2048):
        big = {"country": {"code": "FR", "name": "France"}, "name": "x" * 5000, "agency_type": "police"}
        announced = await api.post("/agencies", json=big)
        assert announced.status_code == 413, announced.text
        assert (
            announced.headers["content-type"] == PROBLEM and announced.json()["code"] == "request_too_large"
        )

        async def chunks() -> AsyncIterator[bytes]:
            for _ in range(10):
                yield b" " * 1000

        streamed = await api.post("/agencies", content=chunks(), headers={"content-type": "application/json"})
        assert streamed.status_code == 413, streamed.text
        small = await api.post(
            "/agencies",
            json={"country": {"code": "FR", "name": "France"}, "name": "PN", "agency_type": "police"},
        )
        assert small.status_code == 201


async def test_text_postgresql_cannot_store_is_a_422_and_stores_nothing(api: httpx.AsyncClient) -> None:
    """A NUL character (found by the seeded fuzz in a protocol revision's reason) was a 500 from the database:
    refused as the caller's error, in a body, a query or a path, wherever the text goes."""
    body = {
        "country": {"code": "FR", "name": "France"},
        "name": "Police\u0000nationale",
        "agency_type": "police",
    }
    refused = await api.post("/agencies", json=body)
    assert (refused.status_code, refused.json()["code"]) == (422, "invalid_character"), refused.text
    assert refused.headers["content-type"].startswith(PROBLEM)
    assert (await api.get("/agencies")).json()["items"] == [], "nothing stored"
    auditor = acting(api, "auditor", country="FR")
    queried = await api.get("/audit", params={"object_type": "agency\u0000"}, headers=auditor)
    assert (queried.status_code, queried.json()["code"]) == (422, "invalid_character"), queried.text


def test_a_strict_body_names_the_field_with_a_nul_character() -> None:
    from pydantic import ValidationError

    from services.incidents.incidents.schemas import TriageIn

    try:
        TriageIn.model_validate({"note": "a\u0000b"})
    except ValidationError as error:
        problems = {(e["loc"][0], e["msg"]) for e in error.errors()}
        assert ("note", "Value error, text may not contain NUL characters (U+0000)") in problems, problems
    else:
        raise AssertionError("a NUL character got through")
