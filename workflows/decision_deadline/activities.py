"""Activities that keep a decision's time: the partners API's reminders and closing at the deadline, called
with Idempotency-Keys (`service_calls`).

PartnershipOnboardingWorkflow times its gate decisions with the same two activities (by name), so the worker
registers them once, here.
"""

from __future__ import annotations

from typing import Any

import httpx
from temporalio import activity

from workflows.decision_deadline.shared import CloseAtDeadline, ClosedDecision, Remind
from workflows.service_calls import post


class DecisionDeadlineActivities:
    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http = http

    @activity.defn(name="send_decision_reminders")
    async def send_decision_reminders(self, request: Remind) -> list[str]:
        sent = await post(
            self.http,
            f"/decisions/{request.decision_id}/reminders",
            {"kind": request.kind},
            key=request.idempotency_key,
        )
        return [str(m) for m in sent["member_ids"]]

    @activity.defn(name="close_decision_at_deadline")
    async def close_decision_at_deadline(self, request: CloseAtDeadline) -> ClosedDecision:
        decision = await post(self.http, f"/decisions/{request.decision_id}/deadline", {})
        return ClosedDecision(
            decision_id=str(decision["id"]), outcome=decision["outcome"], **decision["tally"]
        )

    def all(self) -> list[Any]:
        return [self.send_decision_reminders, self.close_decision_at_deadline]
