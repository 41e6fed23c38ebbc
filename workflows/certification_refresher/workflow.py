"""CertificationRefresherWorkflow: one per certification, for as long as it is kept up to date.

Ahead of expiry the holder is reminded, then enrolled in a refresher (activities calling training with
Idempotency-Keys). When training reports the refresher completed (an Update, refused before enrolment or twice),
the certification is renewed for another validity period and the workflow continues as new for that period; if
the expiry comes first, the certification expires. A revoked certification ends it (signal). Deterministic:
standard library, temporalio and the shared models only.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta

from temporalio import workflow

from workflows.policies import ACTIVITY_TIMEOUT, SERVICE_RETRY

with workflow.unsafe.imports_passed_through():
    from workflows.certification_refresher.shared import (
        Expire,
        RefresherCompleted,
        RefresherInput,
        RefresherStatus,
        RefresherStep,
        Renew,
        Renewal,
        State,
    )


@workflow.defn
class CertificationRefresherWorkflow:
    @workflow.init
    def __init__(self, request: RefresherInput) -> None:
        self._request = request
        self._state: State = "valid"
        self._reminded = False
        self._enrolled = False
        self._completed: RefresherCompleted | None = None
        self._ended = False
        self._expires_at = request.expires_at

    @workflow.run
    async def run(self, request: RefresherInput) -> RefresherStatus:
        key = f"{workflow.info().workflow_id}:{request.cycle}"
        timers = request.timers
        for kind, before in (
            ("reminder", timers.remind_before_expiry_seconds),
            ("enrolment", timers.enrol_before_expiry_seconds),
        ):
            if await self._until(request.expires_at - timedelta(seconds=before), self._settled):
                break
            await workflow.execute_activity(
                "take_refresher_step",
                RefresherStep(
                    certification_id=request.certification_id, kind=kind, idempotency_key=f"{key}:{kind}"
                ),
                start_to_close_timeout=ACTIVITY_TIMEOUT,
                retry_policy=SERVICE_RETRY,
            )
            self._reminded = True
            if kind == "enrolment":
                self._enrolled = True
                self._state = "enrolled"
            else:
                self._state = "reminded"
        await self._until(request.expires_at, self._settled)
        if self._ended:
            self._state = "ended"
            return self.status()
        if self._completed is None:
            await workflow.execute_activity(
                "expire_certification",
                Expire(certification_id=request.certification_id, idempotency_key=f"{key}:expiry"),
                start_to_close_timeout=ACTIVITY_TIMEOUT,
                retry_policy=SERVICE_RETRY,
            )
            self._state = "expired"
            return self.status()
        renewal = await workflow.execute_activity(
            "renew_certification",
            Renew(
                certification_id=request.certification_id,
                completed_on=self._completed.completed_on,
                idempotency_key=f"{key}:renewal",
            ),
            result_type=Renewal,
            start_to_close_timeout=ACTIVITY_TIMEOUT,
            retry_policy=SERVICE_RETRY,
        )
        self._state, self._expires_at = "renewed", renewal.expires_at
        await workflow.wait_condition(workflow.all_handlers_finished)
        workflow.continue_as_new(
            RefresherInput(
                certification_id=request.certification_id,
                expires_at=renewal.expires_at,
                timers=request.timers,
                cycle=request.cycle + 1,
            )
        )

    def _settled(self) -> bool:
        return self._ended or self._completed is not None

    async def _until(self, at: datetime, done: Callable[[], bool]) -> bool:
        wait = (at - workflow.now()).total_seconds()
        if wait <= 0:
            return done()
        try:
            await workflow.wait_condition(done, timeout=timedelta(seconds=wait))
        except TimeoutError:
            return done()
        return True

    @workflow.update
    def complete_refresher(self, completed: RefresherCompleted) -> RefresherStatus:
        self._completed = completed
        return self.status()

    @complete_refresher.validator
    def validate_completion(self, completed: RefresherCompleted) -> None:
        if not self._enrolled:
            raise ValueError("not_enrolled: the officer has not been enrolled in a refresher yet")
        if self._completed is not None or self._state in ("renewed", "expired", "ended"):
            raise ValueError("already_settled: this validity period is already settled")
        if completed.completed_on > workflow.now().date():
            raise ValueError("completed_in_the_future: completed_on is after today")

    @workflow.signal
    def end(self) -> None:
        """The certification was revoked: nothing more to refresh."""
        self._ended = True

    @workflow.query
    def status(self) -> RefresherStatus:
        completed_on: date | None = self._completed.completed_on if self._completed else None
        return RefresherStatus(
            certification_id=self._request.certification_id,
            state=self._state,
            cycle=self._request.cycle,
            expires_at=self._expires_at,
            reminded=self._reminded,
            enrolled=self._enrolled,
            completed_on=completed_on,
        )
