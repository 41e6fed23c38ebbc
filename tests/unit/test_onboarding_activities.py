"""Onboarding activities through ActivityEnvironment; the partners API's answers are scripted per test."""

from __future__ import annotations

import json
import uuid
from collections.abc import Awaitable, Callable

import httpx
import pytest
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from workflows.agency_onboarding.activities import PartnersActivities
from workflows.agency_onboarding.shared import ActivateAgency, AgencyStatusChanged, LapseAgencyOnboarding

AGENCY = str(uuid.uuid4())
ACTIVATE = ActivateAgency(agency_id=AGENCY, confirmed_by="GH NCU", idempotency_key="wf-1:activate")
LAPSE = LapseAgencyOnboarding(agency_id=AGENCY, idempotency_key="wf-1:lapse")
Run = Callable[[PartnersActivities], Awaitable[AgencyStatusChanged]]


def partners(answer: Callable[[httpx.Request], httpx.Response]) -> PartnersActivities:
    return PartnersActivities(
        httpx.AsyncClient(transport=httpx.MockTransport(answer), base_url="http://partners")
    )


def answering(
    status: int, seen: list[httpx.Request] | None = None
) -> Callable[[httpx.Request], httpx.Response]:
    def answer(request: httpx.Request) -> httpx.Response:
        if seen is not None:
            seen.append(request)
        if status == 200:
            return httpx.Response(200, json={"id": AGENCY, "status": "active", "country_code": "GH"})
        return httpx.Response(
            status,
            json={"type": "about:blank", "status": status, "code": "agency_not_pending", "detail": "no"},
            headers={"content-type": "application/problem+json"},
        )

    return answer


async def run_activation(activities: PartnersActivities) -> AgencyStatusChanged:
    return await ActivityEnvironment().run(activities.activate_agency, ACTIVATE)


async def run_lapse(activities: PartnersActivities) -> AgencyStatusChanged:
    return await ActivityEnvironment().run(activities.lapse_agency_onboarding, LAPSE)


async def test_activation_posts_with_the_idempotency_key_and_returns_the_new_status() -> None:
    seen: list[httpx.Request] = []
    result = await run_activation(partners(answering(200, seen)))
    assert result == AgencyStatusChanged(agency_id=AGENCY, status="active")
    [request] = seen
    assert request.method == "POST" and request.url.path == f"/agencies/{AGENCY}/activation"
    assert request.headers["Idempotency-Key"] == ACTIVATE.idempotency_key
    assert json.loads(request.read()) == {"confirmed_by": "GH NCU"}


async def test_lapse_posts_with_its_own_idempotency_key() -> None:
    seen: list[httpx.Request] = []
    result = await run_lapse(partners(answering(200, seen)))
    assert result.agency_id == AGENCY
    [request] = seen
    assert request.method == "POST" and request.url.path == f"/agencies/{AGENCY}/onboarding-lapse"
    assert request.headers["Idempotency-Key"] == LAPSE.idempotency_key


@pytest.mark.parametrize("status", [500, 502, 503, 408, 425, 429])
@pytest.mark.parametrize("run", [run_activation, run_lapse], ids=["activate", "lapse"])
async def test_server_side_trouble_is_retryable(status: int, run: Run) -> None:
    with pytest.raises(ApplicationError) as raised:
        await run(partners(answering(status)))
    assert raised.value.type == "ServiceUnavailable" and raised.value.non_retryable is False


@pytest.mark.parametrize(
    "failure",
    [httpx.ConnectError("connection refused"), httpx.ReadTimeout("no answer")],
    ids=["connect", "timeout"],
)
async def test_an_unreachable_service_is_retryable(failure: httpx.TransportError) -> None:
    def fail(request: httpx.Request) -> httpx.Response:
        raise failure

    with pytest.raises(ApplicationError) as raised:
        await run_activation(partners(fail))
    assert raised.value.type == "ServiceUnavailable" and raised.value.non_retryable is False


@pytest.mark.parametrize("status", [400, 404, 409, 422])
@pytest.mark.parametrize("run", [run_activation, run_lapse], ids=["activate", "lapse"])
async def test_a_refusal_is_not_retried(status: int, run: Run) -> None:
    with pytest.raises(ApplicationError) as raised:
        await run(partners(answering(status)))
    assert raised.value.type == "RejectedByService" and raised.value.non_retryable is True
    assert raised.value.details == ("agency_not_pending",)
