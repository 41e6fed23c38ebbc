"""Activity doubles of the incidents API for DrillCycleWorkflow, under the real activities' names; each call is
kept with the workflow time at which it was scheduled."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from temporalio import activity

from workflows.drill_cycle.shared import (
    ActionPlan,
    ChaseCall,
    DrillCall,
    InjectCall,
    NextDrill,
    Started,
    StepLimit,
)


@dataclass
class DrillsDouble:
    cadence_days: int
    scheduled_for: datetime
    actions: list[ActionPlan] = field(default_factory=list)
    calls: list[tuple[datetime, str, Any]] = field(default_factory=list)
    numbers: dict[str, int] = field(default_factory=dict)

    def _keep(self, name: str, request: Any) -> None:
        self.calls.append((activity.info().scheduled_time, name, request))

    @activity.defn(name="announce_drill")
    async def announce(self, request: DrillCall) -> str:
        self._keep("announce", request)
        return "announced"

    @activity.defn(name="start_drill")
    async def start(self, request: DrillCall) -> Started:
        self._keep("start", request)
        return Started(
            incident_id=str(uuid.uuid4()),
            steps=[StepLimit(code="isolate", limit_minutes=30), StepLimit(code="notify", limit_minutes=60)],
            started_at=activity.info().scheduled_time,
        )

    @activity.defn(name="release_inject")
    async def release_inject(self, request: InjectCall) -> str:
        self._keep("inject", request)
        return "running"

    @activity.defn(name="complete_drill")
    async def complete(self, request: DrillCall) -> str:
        self._keep("complete", request)
        return "completed"

    @activity.defn(name="drill_actions")
    async def drill_actions(self, request: DrillCall) -> list[ActionPlan]:
        self._keep("actions", request)
        return self.actions

    @activity.defn(name="schedule_next_drill")
    async def schedule_next(self, request: DrillCall) -> NextDrill | None:
        self._keep("next", request)
        number = self.numbers.get(request.drill_id, 1) + 1
        following = str(uuid.uuid4())
        self.numbers[following] = number
        return NextDrill(
            drill_id=following,
            number=number,
            scheduled_for=self.scheduled_for + timedelta(days=self.cadence_days * (number - 1)),
        )

    @activity.defn(name="chase_action")
    async def chase(self, request: ChaseCall) -> str:
        self._keep(f"chase:{request.kind}", request)
        return "open"

    def activities(self) -> list[Callable[..., Any]]:
        return [
            self.announce,
            self.start,
            self.release_inject,
            self.complete,
            self.drill_actions,
            self.schedule_next,
            self.chase,
        ]

    def names(self) -> list[str]:
        return [name for _, name, _ in self.calls]

    def at(self, name: str) -> datetime:
        return next(when for when, called, _ in self.calls if called == name)
