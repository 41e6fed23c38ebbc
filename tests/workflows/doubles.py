"""Activity doubles registered under the real activities' names, recording what the workflow asked for."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from temporalio import activity
from temporalio.exceptions import ApplicationError

from workflows.agency_onboarding.shared import ActivateAgency, AgencyStatusChanged, LapseAgencyOnboarding


@dataclass
class PartnersDouble:
    activated: list[ActivateAgency] = field(default_factory=list)
    lapsed: list[LapseAgencyOnboarding] = field(default_factory=list)
    failures_before_success: int = 0
    reject: bool = False

    @activity.defn(name="activate_agency")
    async def activate_agency(self, request: ActivateAgency) -> AgencyStatusChanged:
        if self.reject:
            raise ApplicationError("agency is lapsed", type="RejectedByService", non_retryable=True)
        if self.failures_before_success > 0:
            self.failures_before_success -= 1
            raise ApplicationError("partners answered 503", type="ServiceUnavailable")
        self.activated.append(request)
        return AgencyStatusChanged(agency_id=request.agency_id, status="active")

    @activity.defn(name="lapse_agency_onboarding")
    async def lapse_agency_onboarding(self, request: LapseAgencyOnboarding) -> AgencyStatusChanged:
        self.lapsed.append(request)
        return AgencyStatusChanged(agency_id=request.agency_id, status="lapsed")

    def activities(self) -> list[Callable[..., Any]]:
        return [self.activate_agency, self.lapse_agency_onboarding]
