"""Activity doubles of the assessment API for EvaluationCycleWorkflow, under the real activities' names; each
call is kept with the workflow time at which it was scheduled, and `missing` says who has not reported."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from temporalio import activity

from workflows.evaluation_cycle.shared import Chase, Chased, CloseRound, OpenRound, RoundClosed, RoundOpened


@dataclass
class EvaluationsDouble:
    missing: list[str] = field(default_factory=lambda: ["BR", "SN"])
    calls: list[tuple[datetime, str, Any]] = field(default_factory=list)

    def _keep(self, name: str, request: Any) -> None:
        self.calls.append((activity.info().scheduled_time, name, request))

    @activity.defn(name="open_evaluation_round")
    async def open_round(self, request: OpenRound) -> RoundOpened:
        self._keep("open", request)
        return RoundOpened(
            round_id=str(uuid.uuid5(uuid.NAMESPACE_URL, f"{request.plan_id}:{request.number}")),
            number=request.number,
        )

    @activity.defn(name="chase_evaluation_round")
    async def chase(self, request: Chase) -> Chased:
        self._keep(request.kind, request)
        return Chased(round_id=request.round_id, missing=list(self.missing))

    @activity.defn(name="close_evaluation_round")
    async def close(self, request: CloseRound) -> RoundClosed:
        self._keep("close", request)
        return RoundClosed(round_id=request.round_id, missing=list(self.missing))

    def activities(self) -> list[Any]:
        return [self.open_round, self.chase, self.close]

    def kinds(self) -> list[str]:
        return [name for _, name, _ in self.calls]
