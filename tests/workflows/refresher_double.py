"""Activity doubles of the training API for CertificationRefresherWorkflow, under the real activities' names;
each call is kept with the workflow time at which it was scheduled."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from typing import Any

from temporalio import activity

from workflows.certification_refresher.shared import Expire, RefresherStep, Renew, Renewal


@dataclass
class TrainingDouble:
    validity_days: int = 365
    steps: list[tuple[datetime, RefresherStep]] = field(default_factory=list)
    renewals: list[tuple[datetime, Renew]] = field(default_factory=list)
    expiries: list[tuple[datetime, Expire]] = field(default_factory=list)

    @activity.defn(name="take_refresher_step")
    async def take_step(self, request: RefresherStep) -> str:
        self.steps.append((activity.info().scheduled_time, request))
        return "enrolled" if request.kind == "enrolment" else "reminded"

    @activity.defn(name="renew_certification")
    async def renew(self, request: Renew) -> Renewal:
        self.renewals.append((activity.info().scheduled_time, request))
        ends = request.completed_on + timedelta(days=self.validity_days + 1)
        return Renewal(expires_at=datetime.combine(ends, time.min, tzinfo=UTC))

    @activity.defn(name="expire_certification")
    async def expire(self, request: Expire) -> str:
        self.expiries.append((activity.info().scheduled_time, request))
        return "expired"

    def activities(self) -> list[Callable[..., Any]]:
        return [self.take_step, self.renew, self.expire]
