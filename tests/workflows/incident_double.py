"""Activity double of the incidents API for IncidentResponseWorkflow, under the real activity's name; each
escalation is kept with the workflow time at which it was scheduled."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from temporalio import activity

from workflows.incident_response.shared import AssignRoles, Escalate


@dataclass
class IncidentsDouble:
    escalations: list[tuple[datetime, Escalate]] = field(default_factory=list)
    assignments: list[AssignRoles] = field(default_factory=list)

    @activity.defn(name="escalate_incident")
    async def escalate(self, request: Escalate) -> str:
        self.escalations.append((activity.info().scheduled_time, request))
        return "triaged"

    @activity.defn(name="assign_incident_roles")
    async def assign_roles(self, request: AssignRoles) -> str:
        self.assignments.append(request)
        return "declared"

    def activities(self) -> list[Callable[..., Any]]:
        return [self.escalate, self.assign_roles]

    def reasons(self) -> list[str]:
        return [request.reason for _, request in self.escalations]
