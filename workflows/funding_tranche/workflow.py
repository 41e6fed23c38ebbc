"""FundingTrancheWorkflow: one per tranche of a grant or budget line, from its reservation to its release or void.

The tranche's amount is reserved as a pending transfer (an activity calling finance). Measurements of its
indicator arrive as signals (finance's consumer reads `assessment.indicator_measured.v1`); the first that meets
the target releases the tranche (the pending transfer is posted). At the deadline it is voided, unless the
oversight body granted a later deadline: an extension asked before the deadline is waited for until its
decision's due time. Deterministic: standard library, temporalio and the shared models only.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from functools import partial

from temporalio import workflow

from workflows.policies import ACTIVITY_TIMEOUT, SERVICE_RETRY

with workflow.unsafe.imports_passed_through():
    from workflows.funding_tranche.shared import (
        ExtensionAsked,
        ExtensionDecided,
        Measurement,
        State,
        TrancheCall,
        TrancheInput,
        TrancheStatus,
        meets,
    )


@workflow.defn
class FundingTrancheWorkflow:
    @workflow.init
    def __init__(self, request: TrancheInput) -> None:
        self._request = request
        self._state: State = "reserving"
        self._deadline = request.deadline
        self._measurements = 0
        self._met: Measurement | None = None
        self._asked: ExtensionAsked | None = None
        self._granted = 0

    @workflow.run
    async def run(self, request: TrancheInput) -> TrancheStatus:
        key = workflow.info().workflow_id
        await self._call(
            "reserve_tranche", TrancheCall(tranche_id=request.tranche_id, idempotency_key=f"{key}:reserve")
        )
        self._state = "reserved"
        while self._met is None:
            deadline = self._deadline
            if await self._until(deadline, partial(self._met_or_moved, deadline)):
                continue  # met, or the deadline moved: look again
            asked = self._asked
            if asked is None:
                break
            decided = await self._until(asked.decide_by, partial(self._met_or_answered, asked))
            if not decided:
                self._asked = None  # no answer in time: the deadline stands
            if self._deadline <= workflow.now() and self._met is None:
                break
        if self._met is not None:
            await self._call(
                "release_tranche",
                TrancheCall(
                    tranche_id=request.tranche_id, idempotency_key=f"{key}:release", measurement=self._met
                ),
            )
            self._state = "released"
        else:
            await self._call(
                "void_tranche", TrancheCall(tranche_id=request.tranche_id, idempotency_key=f"{key}:void")
            )
            self._state = "voided"
        await workflow.wait_condition(workflow.all_handlers_finished)
        return self.status()

    async def _call(self, activity: str, call: TrancheCall) -> None:
        await workflow.execute_activity(
            activity, call, start_to_close_timeout=ACTIVITY_TIMEOUT, retry_policy=SERVICE_RETRY
        )

    def _met_or_moved(self, waited: datetime) -> bool:
        return self._met is not None or self._deadline != waited

    def _met_or_answered(self, asked: ExtensionAsked) -> bool:
        return self._met is not None or self._asked is not asked

    async def _until(self, at: datetime, done: Callable[[], bool]) -> bool:
        """Wait until `done()` or `at`; whether `done()` came first."""
        wait = (at - workflow.now()).total_seconds()
        if wait <= 0:
            return done()
        try:
            await workflow.wait_condition(done, timeout=timedelta(seconds=wait))
        except TimeoutError:
            return done()
        return True

    @workflow.signal
    def measured(self, measurement: Measurement) -> None:
        if measurement.indicator != self._request.indicator or self._state not in ("reserving", "reserved"):
            return
        self._measurements += 1
        if self._met is None and meets(
            measurement.value, target=self._request.target, comparison=self._request.comparison
        ):
            self._met = measurement

    @workflow.signal
    def extension_asked(self, asked: ExtensionAsked) -> None:
        if self._state in ("reserving", "reserved") and asked.deadline > self._deadline:
            self._asked = asked

    @workflow.signal
    def extension_decided(self, decided: ExtensionDecided) -> None:
        asked = self._asked
        if asked is None or asked.extension_id != decided.extension_id:
            return
        if decided.granted and self._state in ("reserving", "reserved"):
            self._deadline = max(self._deadline, asked.deadline)
            self._granted += 1
        self._asked = None

    @workflow.query
    def status(self) -> TrancheStatus:
        return TrancheStatus(
            tranche_id=self._request.tranche_id,
            state=self._state,
            deadline=self._deadline,
            measurements=self._measurements,
            released_by=self._met,
            extension_pending=self._asked,
            extensions_granted=self._granted,
        )
