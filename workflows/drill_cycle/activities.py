"""Activities of drill cycles: the incidents API's workflow routes, with Idempotency-Keys."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import httpx
from temporalio import activity

from workflows.drill_cycle.shared import ActionPlan, ChaseCall, DrillCall, InjectCall, NextDrill, Started
from workflows.service_calls import post


class DrillCycleActivities:
    def __init__(self, http: httpx.AsyncClient) -> None:
        """`http` has the incidents service's base URL."""
        self.http = http

    @activity.defn(name="announce_drill")
    async def announce(self, request: DrillCall) -> str:
        done = await post(
            self.http, f"/internal/drills/{request.drill_id}/announcement", {}, key=request.idempotency_key
        )
        return str(done["status"])

    @activity.defn(name="start_drill")
    async def start(self, request: DrillCall) -> Started:
        done = await post(
            self.http, f"/internal/drills/{request.drill_id}/start", {}, key=request.idempotency_key
        )
        return Started.model_validate(done)

    @activity.defn(name="release_inject")
    async def release_inject(self, request: InjectCall) -> str:
        done = await post(
            self.http,
            f"/internal/drills/{request.drill_id}/injects/{request.index}",
            {},
            key=request.idempotency_key,
        )
        return str(done["status"])

    @activity.defn(name="complete_drill")
    async def complete(self, request: DrillCall) -> str:
        done = await post(
            self.http, f"/internal/drills/{request.drill_id}/completion", {}, key=request.idempotency_key
        )
        return str(done["status"])

    @activity.defn(name="drill_actions")
    async def actions(self, request: DrillCall) -> list[ActionPlan]:
        done = await post(
            self.http, f"/internal/drills/{request.drill_id}/actions", {}, key=request.idempotency_key
        )
        return [
            ActionPlan(id=a["id"], due_at=datetime.fromisoformat(a["due_at"]))
            for a in done["actions"]
            if a["status"] == "open"
        ]

    @activity.defn(name="schedule_next_drill")
    async def schedule_next(self, request: DrillCall) -> NextDrill | None:
        done = await post(
            self.http, f"/internal/drills/{request.drill_id}/next", {}, key=request.idempotency_key
        )
        following = done.get("next")
        return NextDrill.model_validate(following) if following else None

    @activity.defn(name="chase_action")
    async def chase(self, request: ChaseCall) -> str:
        done = await post(
            self.http,
            f"/internal/improvement-actions/{request.action_id}/{request.kind}",
            {},
            key=request.idempotency_key,
        )
        return str(done["status"])

    def all(self) -> list[Any]:
        return [
            self.announce,
            self.start,
            self.release_inject,
            self.complete,
            self.actions,
            self.schedule_next,
            self.chase,
        ]
