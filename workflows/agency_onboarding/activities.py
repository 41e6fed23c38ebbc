"""Activities of agency onboarding: calls to the partners API, each with an Idempotency-Key.

A retried activity repeats the same key, so the partners service applies the change (and emits its event)
exactly once. A 4xx answer other than 408/429 is the service refusing the command: retrying cannot help.
"""

from __future__ import annotations

import httpx
from temporalio import activity
from temporalio.exceptions import ApplicationError

from backbone.faults import ACTIVITY_AFTER_CALL, crash_point
from backbone.telemetry import current_traceparent
from workflows.agency_onboarding.shared import ActivateAgency, AgencyStatusChanged, LapseAgencyOnboarding

_RETRYABLE_4XX = {408, 425, 429}


class PartnersActivities:
    def __init__(self, http: httpx.AsyncClient) -> None:
        """`http` has the partners service's base URL."""
        self.http = http

    async def _post(self, path: str, *, key: str, body: dict[str, str]) -> AgencyStatusChanged:
        try:
            # The activity runs inside the workflow's trace (Temporal's tracing interceptor); pass it on so
            # the partners service's change and its event belong to the request that started the workflow.
            headers = {"Idempotency-Key": key}
            if traceparent := current_traceparent():
                headers["traceparent"] = traceparent
            response = await self.http.post(path, json=body, headers=headers)
            crash_point(ACTIVITY_AFTER_CALL)
        except httpx.HTTPError as exc:
            raise ApplicationError(
                f"partners service unreachable: {exc!r}", type="PartnersUnavailable"
            ) from exc
        if response.status_code >= 500 or response.status_code in _RETRYABLE_4XX:
            raise ApplicationError(
                f"partners service answered {response.status_code}", type="PartnersUnavailable"
            )
        if response.status_code >= 400:
            raise ApplicationError(
                f"partners service refused {path}: {response.status_code} {response.text[:500]}",
                type="RejectedByService",
                non_retryable=True,
            )
        payload = response.json()
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
