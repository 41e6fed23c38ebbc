"""Activities of agency onboarding: calls to the partners API, each with an Idempotency-Key."""

from __future__ import annotations

import httpx
from temporalio import activity

from workflows.agency_onboarding.shared import ActivateAgency, AgencyStatusChanged, LapseAgencyOnboarding
from workflows.service_calls import post


class PartnersActivities:
    def __init__(self, http: httpx.AsyncClient) -> None:
        """`http` has the partners service's base URL."""
        self.http = http

    async def _post(self, path: str, *, key: str, body: dict[str, str]) -> AgencyStatusChanged:
        payload = await post(self.http, path, body, key=key)
        return AgencyStatusChanged(agency_id=str(payload["id"]), status=str(payload["status"]))

    @activity.defn(name="activate_agency")
    async def activate_agency(self, request: ActivateAgency) -> AgencyStatusChanged:
        return await self._post(
            f"/agencies/{request.agency_id}/activation",
            key=request.idempotency_key,
            body={"confirmed_by": request.confirmed_by},
        )

    @activity.defn(name="lapse_agency_onboarding")
    async def lapse_agency_onboarding(self, request: LapseAgencyOnboarding) -> AgencyStatusChanged:
        return await self._post(
            f"/agencies/{request.agency_id}/onboarding-lapse", key=request.idempotency_key, body={}
        )
