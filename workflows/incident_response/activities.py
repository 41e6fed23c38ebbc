"""Activities of incident responses: the incidents API's workflow routes, with Idempotency-Keys."""

from __future__ import annotations

from typing import Any

import httpx
from temporalio import activity

from workflows.incident_response.shared import AssignRoles, Escalate
from workflows.service_calls import post


class IncidentResponseActivities:
    def __init__(self, http: httpx.AsyncClient) -> None:
        """`http` has the incidents service's base URL."""
        self.http = http

    @activity.defn(name="escalate_incident")
    async def escalate(self, request: Escalate) -> str:
        done = await post(
            self.http,
            f"/internal/incidents/{request.incident_id}/escalations",
            {"reason": request.reason, "step_code": request.step_code},
            key=request.idempotency_key,
        )
        return str(done["status"])

    @activity.defn(name="assign_incident_roles")
    async def assign_roles(self, request: AssignRoles) -> str:
        done = await post(
            self.http,
            f"/internal/incidents/{request.incident_id}/roles",
            {"assignments": [r.model_dump() for r in request.roles]},
            key=request.idempotency_key,
        )
        return str(done["status"])

    def all(self) -> list[Any]:
        return [self.escalate, self.assign_roles]
