"""Activities of evaluation cycles: the assessment API's workflow routes, with Idempotency-Keys."""

from __future__ import annotations

from typing import Any

import httpx
from temporalio import activity

from workflows.evaluation_cycle.shared import Chase, Chased, CloseRound, OpenRound, RoundClosed, RoundOpened
from workflows.service_calls import post


class EvaluationCycleActivities:
    def __init__(self, http: httpx.AsyncClient) -> None:
        """`http` has the assessment service's base URL."""
        self.http = http

    @activity.defn(name="open_evaluation_round")
    async def open_round(self, request: OpenRound) -> RoundOpened:
        body = request.model_dump(mode="json", exclude={"plan_id"})
        opened = await post(self.http, f"/internal/evaluation-plans/{request.plan_id}/rounds", body)
        return RoundOpened(round_id=str(opened["id"]), number=int(opened["number"]))

    @activity.defn(name="chase_evaluation_round")
    async def chase(self, request: Chase) -> Chased:
        answer = await post(
            self.http,
            f"/internal/evaluation-rounds/{request.round_id}/chase",
            {"kind": request.kind},
            key=request.idempotency_key,
        )
        return Chased(round_id=request.round_id, missing=[str(c) for c in answer["missing"]])

    @activity.defn(name="close_evaluation_round")
    async def close(self, request: CloseRound) -> RoundClosed:
        closed = await post(self.http, f"/internal/evaluation-rounds/{request.round_id}/closure", {})
        return RoundClosed(
            round_id=request.round_id, missing=list((closed.get("results") or {}).get("missing", []))
        )

    def all(self) -> list[Any]:
        return [self.open_round, self.chase, self.close]
