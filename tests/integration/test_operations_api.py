"""The operators' list of running workflows is confined to the partnerships of the caller's country (issue 14:
`GET /workflows` listed every running workflow, with its state, to any country's operations staff)."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter

from tests.integration.test_partnerships_api import AGREEMENT, agency, partnership
from tests.support import acting, eventually, ncu


async def ghana_and_kenya(api: httpx.AsyncClient) -> str:
    gh, ke = await agency(api, "GH", "Ghana Police Service"), await agency(api, "KE", "Kenya Police")
    created = await api.post(
        "/partnerships",
        json={
            "name": f"East-west maritime {uuid.uuid4().hex[:6]}",
            "agreement": AGREEMENT,
            "voting_rule": {"kind": "members", "approvals_needed": 1},
            "members": [{"agency_id": gh, "role": "lead"}, {"agency_id": ke, "role": "member"}],
        },
        headers=ncu(api, "GH"),
    )
    assert created.status_code == 201, created.text
    return str(created.json()["id"])


async def listed(api: httpx.AsyncClient, country: str) -> set[str]:
    response = await api.get(
        "/workflows",
        params={"type": "PartnershipOnboardingWorkflow", "limit": 200},
        headers=acting(api, "operations_staff", country=country),
    )
    assert response.status_code == 200, response.text
    return {w["workflow_id"] for w in response.json()["items"]}


async def test_operators_see_the_workflows_of_their_countrys_partnerships_only(
    api: httpx.AsyncClient,
) -> None:
    created = await partnership(api, {"kind": "members", "approvals_needed": 2})
    atlantic = created["id"]
    french_agency = next(m["agency_id"] for m in created["members"] if m["country_code"] == "FR")
    maritime = await ghana_and_kenya(api)
    deployment: Any = api.deployment  # type: ignore[attr-defined]
    temporal = await Client.connect(
        deployment.endpoints.temporal_address, data_converter=pydantic_data_converter
    )
    queue = f"tq-nobody-{uuid.uuid4().hex}"  # no worker: the runs just wait, listed as running
    ids = {p: f"partnership-onboarding-{p}" for p in (atlantic, maritime)}
    handles = [
        await temporal.start_workflow(
            "PartnershipOnboardingWorkflow", {"partnership_id": p}, id=i, task_queue=queue
        )
        for p, i in ids.items()
    ]
    agency_onboarding = f"agency-onboarding-{french_agency}"
    handles.append(
        await temporal.start_workflow(
            "AgencyOnboardingWorkflow", {"agency_id": french_agency}, id=agency_onboarding, task_queue=queue
        )
    )
    try:
        french = await eventually(
            lambda: _with(listed(api, "FR"), ids[atlantic]), timeout=30, what="FR's operators see theirs"
        )
        assert ids[maritime] not in french, "another partnership's workflow is not France's business"
        kenyan = await listed(api, "KE")
        assert ids[maritime] in kenyan and ids[atlantic] not in kenyan
        assert not ({ids[atlantic], ids[maritime]} & await listed(api, "DE")), "an outsider sees neither"
        await eventually(lambda: _with(paged(api, "FR"), agency_onboarding), timeout=30, what="both, paged")
        walked = await paged(api, "FR")
        assert {ids[atlantic], agency_onboarding} <= walked and ids[maritime] not in walked
    finally:
        for handle in handles:
            await handle.terminate("end of test")


async def paged(api: httpx.AsyncClient, country: str) -> set[str]:
    """Every workflow the country's operators see, one per page (cursors over the visibility store)."""
    seen: list[str] = []
    cursor = None
    for _ in range(50):
        params: dict[str, Any] = {"limit": 1, **({"cursor": cursor} if cursor else {})}
        page = await api.get(
            "/workflows", params=params, headers=acting(api, "operations_staff", country=country)
        )
        assert page.status_code == 200, page.text
        assert len(page.json()["items"]) <= 1
        seen += [w["workflow_id"] for w in page.json()["items"]]
        cursor = page.json()["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == len(set(seen)), f"a workflow listed twice: {seen}"
    return set(seen)


async def _with(answer: Any, workflow_id: str) -> set[str] | None:
    found: set[str] = await answer
    return found if workflow_id in found else None
