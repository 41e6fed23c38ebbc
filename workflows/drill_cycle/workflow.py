"""DrillCycleWorkflow: one per drill cycle; each run is one drill, then it continues as new with the next.

Ahead of the drill (`notice_hours`) its participants are told; at its time (or at once, on `trigger_now`) it
starts as an exercise incident; injects are released on timers; participants acknowledge steps (signals from
the incidents consumer); the drill completes when every step is acknowledged or twice the protocol's total time
has passed, and the incidents service records its timings. The debrief (a signal once it is recorded) opens
improvement actions, which the workflow follows: a reminder `remind_before_hours` ahead of each due date, an
escalation when it passes, until each is done (signal). The next drill is scheduled `cadence_days` later and the
workflow continues as new, carrying the actions still open. `stop` ends the cycle after the current drill.
Deterministic: standard library, temporalio and the shared models only.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from datetime import datetime, timedelta

from temporalio import workflow

from workflows.policies import ACTIVITY_TIMEOUT, SERVICE_RETRY

with workflow.unsafe.imports_passed_through():
    from workflows.drill_cycle.shared import (
        Acknowledged,
        ActionPlan,
        ChaseCall,
        DrillCall,
        DrillCycleInput,
        DrillCycleStatus,
        InjectCall,
        NextDrill,
        Stage,
        Started,
    )


@workflow.defn
class DrillCycleWorkflow:
    @workflow.init
    def __init__(self, request: DrillCycleInput) -> None:
        self._request = request
        self._stage: Stage = "waiting"
        self._triggered = False
        self._stopped = False
        self._debriefed = False
        self._acks: dict[str, datetime] = {}
        self._steps: list[str] = []
        self._actions: dict[str, ActionPlan] = {a.id: a for a in request.open_actions}
        self._done_actions: set[str] = set()
        self._injects = 0
        self._wake = False

    @workflow.run
    async def run(self, request: DrillCycleInput) -> DrillCycleStatus:
        key = f"{workflow.info().workflow_id}:{request.number}"
        announce_at = request.scheduled_for - timedelta(hours=request.notice_hours)
        await self._wait(announce_at, lambda: self._triggered or self._stopped)
        if self._stopped:
            return await self._finish()
        await self._call(
            "announce_drill", DrillCall(drill_id=request.drill_id, idempotency_key=f"{key}:announce")
        )
        self._stage = "announced"
        await self._wait(request.scheduled_for, lambda: self._triggered or self._stopped)
        if self._stopped:
            return await self._finish()
        started: Started = await workflow.execute_activity(
            "start_drill",
            DrillCall(drill_id=request.drill_id, idempotency_key=f"{key}:start"),
            result_type=Started,
            start_to_close_timeout=ACTIVITY_TIMEOUT,
            retry_policy=SERVICE_RETRY,
        )
        self._stage, self._steps = "running", [s.code for s in started.steps]
        begun = workflow.now()
        for index, after in enumerate(request.inject_minutes):
            if not await self._wait(begun + timedelta(minutes=after), self._all_acknowledged):
                await self._call(
                    "release_inject",
                    InjectCall(
                        drill_id=request.drill_id, index=index, idempotency_key=f"{key}:inject:{index}"
                    ),
                )
                self._injects += 1
        longest = 2 * sum(s.limit_minutes for s in started.steps)
        await self._wait(begun + timedelta(minutes=longest), self._all_acknowledged)
        await self._call(
            "complete_drill", DrillCall(drill_id=request.drill_id, idempotency_key=f"{key}:complete")
        )
        self._stage = "completed"
        next_at = request.scheduled_for + timedelta(days=request.cadence_days)
        debrief_by = next_at - timedelta(hours=request.notice_hours)
        if await self._wait(debrief_by, lambda: self._debriefed or self._stopped) and self._debriefed:
            opened: list[ActionPlan] = await workflow.execute_activity(
                "drill_actions",
                DrillCall(drill_id=request.drill_id, idempotency_key=f"{key}:actions"),
                result_type=list[ActionPlan],
                start_to_close_timeout=ACTIVITY_TIMEOUT,
                retry_policy=SERVICE_RETRY,
            )
            for action in opened:
                if action.id not in self._done_actions:
                    self._actions.setdefault(action.id, action)
            self._stage = "debriefed"
        if self._stopped:
            return await self._finish()
        following: NextDrill | None = await workflow.execute_activity(
            "schedule_next_drill",
            DrillCall(drill_id=request.drill_id, idempotency_key=f"{key}:next"),
            result_type=NextDrill | None,  # type: ignore[arg-type]  # a union is a fine pydantic result type
            start_to_close_timeout=ACTIVITY_TIMEOUT,
            retry_policy=SERVICE_RETRY,
        )
        if following is None:  # the cycle was stopped in the service
            return await self._finish()
        await workflow.wait_condition(workflow.all_handlers_finished)
        workflow.continue_as_new(
            request.model_copy(
                update={
                    "drill_id": following.drill_id,
                    "number": following.number,
                    "scheduled_for": following.scheduled_for,
                    "open_actions": list(self._actions.values()),
                }
            )
        )

    async def _finish(self) -> DrillCycleStatus:
        """Stopped: the actions still open are followed to the end, then the cycle is over."""
        self._stage = "stopped"
        await self._wait(None, lambda: not self._actions)
        await workflow.wait_condition(workflow.all_handlers_finished)
        return self.status()

    def _all_acknowledged(self) -> bool:
        return bool(self._steps) and all(code in self._acks for code in self._steps)

    async def _call(self, activity: str, request: DrillCall | InjectCall) -> None:
        await workflow.execute_activity(
            activity,
            request,
            start_to_close_timeout=ACTIVITY_TIMEOUT,
            retry_policy=SERVICE_RETRY,
        )

    def _next_chase(self) -> datetime | None:
        times = []
        for action in self._actions.values():
            if not action.reminded:
                times.append(action.due_at - timedelta(hours=self._request.remind_before_hours))
            elif not action.escalated:
                times.append(action.due_at)
        return min(times) if times else None

    async def _chase_due(self) -> None:
        now = workflow.now()
        for action in list(self._actions.values()):
            for kind, at, done in (
                (
                    "reminded",
                    action.due_at - timedelta(hours=self._request.remind_before_hours),
                    action.reminded,
                ),
                ("escalated", action.due_at, action.escalated),
            ):
                if not done and at <= now and action.id in self._actions:
                    await workflow.execute_activity(
                        "chase_action",
                        ChaseCall(
                            action_id=action.id,
                            kind=kind,
                            idempotency_key=f"{workflow.info().workflow_id}:{action.id}:{kind}",
                        ),
                        start_to_close_timeout=ACTIVITY_TIMEOUT,
                        retry_policy=SERVICE_RETRY,
                    )
                    if kind == "reminded":
                        action.reminded = True
                    else:
                        action.escalated = True

    async def _wait(self, until: datetime | None, done: Callable[[], bool]) -> bool:
        """Wait for `done` or `until`, chasing improvement actions meanwhile; whether `done` came true."""
        while True:
            if done():
                return True
            await self._chase_due()
            now = workflow.now()
            if until is not None and now >= until:
                return done()
            wakes = [t for t in (until, self._next_chase()) if t is not None]
            self._wake = False
            condition = lambda: done() or self._wake  # noqa: E731
            if not wakes:
                await workflow.wait_condition(condition)
                continue
            seconds = (min(wakes) - now).total_seconds()
            if seconds > 0:
                with contextlib.suppress(TimeoutError):
                    await workflow.wait_condition(condition, timeout=timedelta(seconds=seconds))

    @workflow.signal
    def trigger_now(self) -> None:
        self._triggered = True

    @workflow.signal
    def stop(self) -> None:
        self._stopped = True

    @workflow.signal
    def step_acknowledged(self, ack: Acknowledged) -> None:
        self._acks.setdefault(ack.code, ack.at)

    @workflow.signal
    def debriefed(self) -> None:
        self._debriefed = True

    @workflow.signal
    def action_done(self, action_id: str) -> None:
        self._done_actions.add(action_id)
        self._actions.pop(action_id, None)
        self._wake = True

    @workflow.query
    def status(self) -> DrillCycleStatus:
        return DrillCycleStatus(
            cycle_id=self._request.cycle_id,
            drill_id=self._request.drill_id,
            number=self._request.number,
            stage=self._stage,
            acknowledged=list(self._acks),
            open_actions=list(self._actions.values()),
            injects_released=self._injects,
        )
