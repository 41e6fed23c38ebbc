"""The partners API's decision endpoints for DecisionDeadlineWorkflow tests, under the real activity names."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from temporalio import activity
from temporalio.exceptions import ApplicationError

from workflows.decision_deadline.shared import CloseAtDeadline, ClosedDecision, Remind


@dataclass
class DecisionsDouble:
    """The partners API's decision endpoints, under the real activity names; `closed` refuses reminders."""

    closed: set[str] = field(default_factory=set)
    reminders: list[tuple[datetime, Remind]] = field(default_factory=list)
    closings: list[tuple[datetime, str]] = field(default_factory=list)

    @activity.defn(name="send_decision_reminders")
    async def send_decision_reminders(self, request: Remind) -> list[str]:
        if request.decision_id in self.closed:
            raise ApplicationError(
                "decision closed", "decision_closed", type="RejectedByService", non_retryable=True
            )
        self.reminders.append((activity.info().scheduled_time, request))
        return ["member"]

    @activity.defn(name="close_decision_at_deadline")
    async def close_decision_at_deadline(self, request: CloseAtDeadline) -> ClosedDecision:
        self.closings.append((activity.info().scheduled_time, request.decision_id))
        return ClosedDecision(
            decision_id=request.decision_id,
            outcome="expired",
            approvals=1,
            rejections=0,
            abstentions=0,
            not_voted=2,
        )

    def activities(self) -> list[Callable[..., Any]]:
        return [self.send_decision_reminders, self.close_decision_at_deadline]
