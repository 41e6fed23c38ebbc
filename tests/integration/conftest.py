"""Fixtures of the integration tests: the partners API in-process (ASGI) on a private database."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from services.partners.app import build_app
from tests.support import Deployment, service_client


def partners_app(deployment: Deployment, **overrides: Any) -> FastAPI:
    return build_app(deployment.settings("partners", uses_temporal=True, **overrides))


@pytest.fixture
async def api(deployment: Deployment) -> AsyncIterator[httpx.AsyncClient]:
    headers = deployment.user_headers()
    async with service_client(
        deployment, "partners", build_app, headers=headers, uses_temporal=True
    ) as client:
        yield client
