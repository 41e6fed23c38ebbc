"""Activity doubles of the partners API for CommitmentRenewalWorkflow, under the real activities' names.

Each call is kept with the workflow time at which it was scheduled, so tests check when the partner was asked,
reminded, escalated and concluded, not only that it was.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from temporalio import activity

from workflows.commitment_renewal.shared import (
    ConcludeRenewal,
    Conclusion,
    RenewalNotice,
    RequestReaffirmation,
)


@dataclass
class RenewalDouble:
    asked: list[tuple[datetime, RequestReaffirmation]] = field(default_factory=list)
    notices: list[tuple[datetime, RenewalNotice]] = field(default_factory=list)
    conclusions: list[tuple[datetime, ConcludeRenewal]] = field(default_factory=list)
    hold_conclusion: asyncio.Event | None = None
    """When set, concluding waits for it (at most a minute): a test keeps the run open while it races a second
    answer. Time-skipping's Java server fails a workflow task that completes the run with an update in flight
    (`Invalid Transition{from=NONE, action=COMPLETE}`) and then hangs."""

    @activity.defn(name="request_commitment_reaffirmation")
    async def request_reaffirmation(self, request: RequestReaffirmation) -> str:
        self.asked.append((activity.info().scheduled_time, request))
        return "renewal_pending"

    @activity.defn(name="send_commitment_renewal_notice")
    async def send_notice(self, request: RenewalNotice) -> list[str]:
        self.notices.append((activity.info().scheduled_time, request))
        return ["member-1"] if request.kind == "escalation" else []

    @activity.defn(name="conclude_commitment_renewal")
    async def conclude(self, request: ConcludeRenewal) -> Conclusion:
        if self.hold_conclusion is not None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.hold_conclusion.wait(), timeout=60)
        self.conclusions.append((activity.info().scheduled_time, request))
        successor = None if request.outcome == "lapsed" else f"successor-of-{request.commitment_id}"
        return Conclusion(outcome=request.outcome, new_commitment_id=successor)

    def activities(self) -> list[Callable[..., Any]]:
        return [self.request_reaffirmation, self.send_notice, self.conclude]
