"""IncidentResponseWorkflow: one per real incident, following its protocol version's steps.

It first assigns the protocol's on-call people to their roles (a patched change: runs recorded before it
replay without it). Each step's clock starts when the step before it is completed (the first at declaration);
a step not completed within its limit (plus the protocol's grace) is escalated once, through the incidents API,
which records it on the timeline and notifies the partners the protocol names. Declaring at, or raising the
severity to, the protocol's threshold escalates too (once per level). The incidents consumer tells the workflow
what happened (signals from the service's own events); resolution ends the step clocks, closure ends it.
Deterministic: standard library, temporalio and the shared models only.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from temporalio import workflow

from workflows.policies import ACTIVITY_TIMEOUT, SERVICE_RETRY

with workflow.unsafe.imports_passed_through():
    from workflows.incident_response.shared import (
        SEVERITIES,
        AssignRoles,
        Escalate,
        ResponseInput,
        ResponseStatus,
        Severity,
        State,
        StepDone,
    )


@workflow.defn
class IncidentResponseWorkflow:
    @workflow.init
    def __init__(self, request: ResponseInput) -> None:
        self._request = request
        self._severity: Severity = request.severity
        self._escalated_level = -1
        self._done: dict[str, datetime] = {}
        self._state: State = "responding"
        self._current: str | None = None
        self._deadline: datetime | None = None
        self._escalations: list[str] = []

    @workflow.run
    async def run(self, request: ResponseInput) -> ResponseStatus:
        if workflow.patched("assign-on-call-roles") and request.roles:
            await workflow.execute_activity(
                "assign_incident_roles",
                AssignRoles(
                    incident_id=request.incident_id,
                    roles=request.roles,
                    idempotency_key=f"{workflow.info().workflow_id}:roles",
                ),
                start_to_close_timeout=ACTIVITY_TIMEOUT,
                retry_policy=SERVICE_RETRY,
            )
        await self._escalate_for_severity()
        started = request.declared_at
        for step in request.steps:
            if self._state != "responding":
                break
            self._current = step.code
            self._deadline = started + timedelta(minutes=step.limit_minutes + request.grace_minutes)
            code = step.code

            def settled(code: str = code) -> bool:
                return self._settled(code)

            if not await self._until(self._deadline, settled):
                await self._escalate(f"step_late:{code}", code)
                await workflow.wait_condition(settled)
            started = self._done.get(step.code, workflow.now())
        self._current = self._deadline = None
        await workflow.wait_condition(lambda: self._state == "closed")
        await workflow.wait_condition(workflow.all_handlers_finished)
        return self.status()

    def _settled(self, code: str) -> bool:
        return code in self._done or self._state != "responding"

    async def _until(self, at: datetime, done: Callable[[], bool]) -> bool:
        wait = (at - workflow.now()).total_seconds()
        if wait <= 0:
            return done()
        try:
            await workflow.wait_condition(done, timeout=timedelta(seconds=wait))
        except TimeoutError:
            return done()
        return True

    async def _escalate(self, reason: str, step_code: str | None = None) -> None:
        self._escalations.append(reason)
        await workflow.execute_activity(
            "escalate_incident",
            Escalate(
                incident_id=self._request.incident_id,
                reason=reason,
                step_code=step_code,
                idempotency_key=f"{workflow.info().workflow_id}:escalate:{reason}",
            ),
            start_to_close_timeout=ACTIVITY_TIMEOUT,
            retry_policy=SERVICE_RETRY,
        )

    async def _escalate_for_severity(self) -> None:
        level = SEVERITIES.index(self._severity)
        if level >= SEVERITIES.index(self._request.severity_threshold) and level > self._escalated_level:
            self._escalated_level = level
            await self._escalate(f"severity:{self._severity}")

    @workflow.signal
    def step_completed(self, done: StepDone) -> None:
        self._done.setdefault(done.code, done.at)

    @workflow.signal
    async def severity_changed(self, severity: Severity) -> None:
        self._severity = severity
        if self._state == "responding":
            await self._escalate_for_severity()

    @workflow.signal
    def resolved(self) -> None:
        if self._state == "responding":
            self._state = "resolved"

    @workflow.signal
    def closed(self) -> None:
        self._state = "closed"

    @workflow.query
    def status(self) -> ResponseStatus:
        return ResponseStatus(
            incident_id=self._request.incident_id,
            state=self._state,
            severity=self._severity,
            current_step=self._current,
            current_deadline=self._deadline,
            completed=list(self._done),
            escalations=list(self._escalations),
        )
