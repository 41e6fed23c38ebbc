"""The console's app without the stack: what it answers before any API is reached."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import httpx
import pytest
from cryptography.fernet import Fernet

from console.app import create_app
from console.settings import console_settings
from tests.support import free_port


@pytest.fixture
async def console() -> AsyncIterator[httpx.AsyncClient]:
    nowhere = f"http://127.0.0.1:{free_port()}"  # nothing listens: every service is down
    settings = console_settings(
        environment="test",
        session_key=Fernet.generate_key().decode(),
        live_updates=False,
        partners_url=nowhere,
        assessment_url=nowhere,
        finance_url=nowhere,
        auth_issuer=nowhere,
    )
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://console.test") as client:
            yield client


async def test_pages_carry_a_strict_content_security_policy(console: httpx.AsyncClient) -> None:
    home = await console.get("/")
    assert home.status_code == 200
    policy = home.headers["content-security-policy"]
    assert (
        "default-src 'self'" in policy and "script-src 'self'" in policy and "'unsafe-inline'" not in policy
    )
    assert home.headers["x-frame-options"] == "DENY" and home.headers["x-content-type-options"] == "nosniff"
    assert (await console.get("/static/console.css")).status_code == 200  # served by the console, no CDN


async def test_a_page_needing_a_person_asks_to_sign_in_first(console: httpx.AsyncClient) -> None:
    for path in ("/approvals", f"/decisions/{uuid.uuid4()}", "/operations", "/drills"):
        answer = await console.get(path)
        assert answer.status_code == 303 and answer.headers["location"] == f"/auth/login?next={path}", path
    vote = await console.post(f"/decisions/{uuid.uuid4()}/vote", data={"seat_id": "x", "choice": "approve"})
    assert vote.status_code == 303 and vote.headers["location"].startswith("/auth/login")


async def test_a_service_that_does_not_answer_is_a_page_saying_so(console: httpx.AsyncClient) -> None:
    answer = await console.get(f"/public/partnerships/{uuid.uuid4()}", headers={"accept-language": "fr"})
    assert answer.status_code == 503
    assert "Un service dont cette page a besoin ne répond pas." in answer.text
    assert (await console.get("/readyz")).status_code == 503  # the issuer does not answer either
