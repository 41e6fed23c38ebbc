"""Activity doubles of the partners API, registered under the real activities' names (agency onboarding).

Used by the time-skipping tests and by `record_history`; the real activities are covered by unit and e2e tests.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from temporalio import activity
from temporalio.exceptions import ApplicationError

from workflows.agency_onboarding.shared import ActivateAgency, AgencyStatusChanged, LapseAgencyOnboarding


@dataclass
class PartnersDouble:
    """Stands in for the partners API. `activations` and `lapses` hold the successful calls only;
    `activation_attempts` holds the attempt number of every call to `activate_agency`."""

    retryable_failures: int = 0
    refuse: bool = False
    hold_activation: bool = False
    activations: list[ActivateAgency] = field(default_factory=list)
    lapses: list[LapseAgencyOnboarding] = field(default_factory=list)
    activation_attempts: list[int] = field(default_factory=list)
    activation_started: asyncio.Event = field(default_factory=asyncio.Event)
    release_activation: asyncio.Event = field(default_factory=asyncio.Event)

    @activity.defn(name="activate_agency")
    async def activate_agency(self, request: ActivateAgency) -> AgencyStatusChanged:
        self.activation_attempts.append(activity.info().attempt)
        self.activation_started.set()
        if self.hold_activation:
            await self.release_activation.wait()
        if self.refuse:
            raise ApplicationError("agency is not pending", type="RejectedByService", non_retryable=True)
        if self.retryable_failures > 0:
            self.retryable_failures -= 1
            raise ApplicationError("partners answered 503", type="ServiceUnavailable")
        self.activations.append(request)
        return AgencyStatusChanged(agency_id=request.agency_id, status="active")

    @activity.defn(name="lapse_agency_onboarding")
    async def lapse_agency_onboarding(self, request: LapseAgencyOnboarding) -> AgencyStatusChanged:
        self.lapses.append(request)
        return AgencyStatusChanged(agency_id=request.agency_id, status="lapsed")

    def activities(self) -> list[Callable[..., Any]]:
        return [self.activate_agency, self.lapse_agency_onboarding]
