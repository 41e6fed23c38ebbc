"""Fixtures of the integration tests: the partners API in-process (ASGI) on a private database."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from services.partners.app import build_app
from tests.support import Deployment


def partners_app(deployment: Deployment, **overrides: Any) -> FastAPI:
    return build_app(deployment.settings("partners", uses_temporal=True, **overrides))


@pytest.fixture
async def api(deployment: Deployment) -> AsyncIterator[httpx.AsyncClient]:
    await deployment.create("partners")
    app = partners_app(deployment)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://partners", headers=deployment.user_headers()
        ) as client:
            client.app = app  # type: ignore[attr-defined]
            client.deployment = deployment  # type: ignore[attr-defined]
            yield client
