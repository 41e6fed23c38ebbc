"""Onboarding activities through ActivityEnvironment; the partners API's answers are scripted per test."""

from __future__ import annotations

import uuid

import httpx
import pytest
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from workflows.agency_onboarding.activities import PartnersActivities
from workflows.agency_onboarding.shared import ActivateAgency, LapseAgencyOnboarding

AGENCY = str(uuid.uuid4())


def activities(handler: httpx.MockTransport) -> PartnersActivities:
    return PartnersActivities(httpx.AsyncClient(transport=handler, base_url="http://partners"))


async def test_activation_posts_with_the_idempotency_key_and_returns_the_new_status() -> None:
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"id": AGENCY, "status": "active"})

    result = await ActivityEnvironment().run(
        activities(httpx.MockTransport(answer)).activate_agency,
        ActivateAgency(agency_id=AGENCY, confirmed_by="NCU", idempotency_key="wf-1:activate"),
    )
    assert result.status == "active" and result.agency_id == AGENCY
    assert seen[0].url.path == f"/agencies/{AGENCY}/activation"
    assert seen[0].headers["idempotency-key"] == "wf-1:activate"
    assert seen[0].read() == b'{"confirmed_by":"NCU"}'


@pytest.mark.parametrize("status", [500, 502, 503, 408, 429])
async def test_server_side_trouble_is_retryable(status: int) -> None:
    transport = httpx.MockTransport(lambda _: httpx.Response(status, json={"code": "x"}))
    with pytest.raises(ApplicationError) as raised:
        await ActivityEnvironment().run(
            activities(transport).lapse_agency_onboarding,
            LapseAgencyOnboarding(agency_id=AGENCY, idempotency_key="wf-1:lapse"),
        )
    assert raised.value.type == "ServiceUnavailable" and not raised.value.non_retryable


async def test_an_unreachable_service_is_retryable() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    with pytest.raises(ApplicationError) as raised:
        await ActivityEnvironment().run(
            activities(httpx.MockTransport(refuse)).lapse_agency_onboarding,
            LapseAgencyOnboarding(agency_id=AGENCY, idempotency_key="wf-1:lapse"),
        )
    assert raised.value.type == "ServiceUnavailable" and not raised.value.non_retryable


@pytest.mark.parametrize("status", [400, 404, 409, 422])
async def test_a_refusal_is_not_retried(status: int) -> None:
    transport = httpx.MockTransport(lambda _: httpx.Response(status, json={"code": "agency_not_pending"}))
    with pytest.raises(ApplicationError) as raised:
        await ActivityEnvironment().run(
            activities(transport).activate_agency,
            ActivateAgency(agency_id=AGENCY, confirmed_by="NCU", idempotency_key="wf-1:activate"),
        )
    assert raised.value.type == "RejectedByService" and raised.value.non_retryable
