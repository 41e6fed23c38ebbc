"""EvaluationCycleWorkflow: the rounds of one evaluation plan, one round per run (continue-as-new to the next).

At the round's opening time (from the plan's schedule, `rules.evaluation_schedule`) it opens the round for the
period just ended (the assessment service assigns each member country's reports a reviewer of another country),
then waits for the national systems' measurements: each `measurement_reported` signal makes it check who is still
missing, and it closes early once nobody is. Before the due day it reminds those missing; at the due day, if some
still are, it escalates to the partnership and closes after the grace days. Closing computes the round's results
(the assessment service keeps and announces them). `replanned` (a newer published version) applies from the next
round (or this one, if it has not opened yet); `stop` ends the cycle: at once before a round opens, otherwise
once the open round is closed. Activities are the assessment API's, with Idempotency-Keys.
"""

from __future__ import annotations

import contextlib
from datetime import datetime, timedelta

from temporalio import workflow

from rules.evaluation_schedule import RoundTimes, round_times
from workflows.policies import ACTIVITY_TIMEOUT, SERVICE_RETRY

with workflow.unsafe.imports_passed_through():
    from workflows.evaluation_cycle.shared import (
        Chase,
        Chased,
        CloseRound,
        CycleResult,
        CycleStatus,
        EvaluationCycleInput,
        OpenRound,
        Replan,
        RoundClosed,
        RoundOpened,
    )


@workflow.defn
class EvaluationCycleWorkflow:
    @workflow.init
    def __init__(self, request: EvaluationCycleInput) -> None:
        self._version = request.version
        self._schedule = request.schedule
        self._number = request.number
        self._times = round_times(request.schedule.model_dump(), request.number)
        self._stage = "waiting"
        self._round_id: str | None = None
        self._missing: list[str] = []
        self._reminded = False
        self._escalated = False
        self._reported = False
        self._replanned = False
        self._stopped = False

    @workflow.run
    async def run(self, request: EvaluationCycleInput) -> CycleResult:
        if await self._wait_to_open():
            return self._end(request, "stopped", self._number - 1)
        times = self._times
        opened: RoundOpened = await workflow.execute_activity(
            "open_evaluation_round",
            OpenRound(
                plan_id=request.plan_id,
                version=self._version,
                number=self._number,
                period_start=times.period_start,
                period_end=times.period_end,
                due_at=times.due_at,
            ),
            result_type=RoundOpened,
            start_to_close_timeout=ACTIVITY_TIMEOUT,
            retry_policy=SERVICE_RETRY,
        )
        self._round_id, self._stage = opened.round_id, "collecting"
        complete = await self._collect_until(times.remind_at)
        if not complete:
            complete = not await self._chase("reminder")
            self._reminded = True
        if not complete:
            complete = await self._collect_until(times.due_at)
        if not complete:
            complete = not await self._chase("escalation")
            self._escalated, self._stage = not complete, "escalated" if not complete else self._stage
        if not complete:
            await self._collect_until(times.close_at)
        closed: RoundClosed = await workflow.execute_activity(
            "close_evaluation_round",
            CloseRound(round_id=opened.round_id),
            result_type=RoundClosed,
            start_to_close_timeout=ACTIVITY_TIMEOUT,
            retry_policy=SERVICE_RETRY,
        )
        self._missing, self._stage = closed.missing, "closed"
        if self._stopped:
            return self._end(request, "stopped", self._number)
        if request.last_round is not None and self._number >= request.last_round:
            return self._end(request, "last_round", self._number)
        workflow.continue_as_new(
            EvaluationCycleInput(
                plan_id=request.plan_id,
                partnership_id=request.partnership_id,
                version=self._version,
                schedule=self._schedule,
                number=self._number + 1,
                last_round=request.last_round,
            )
        )

    async def _wait_to_open(self) -> bool:
        """Wait for the round's opening time (True: stopped first). A round already due when the wait starts
        (a plan published or replanned after its early rounds) is skipped; a newer version replanned while
        waiting times this round by its schedule."""
        while True:
            self._times = round_times(self._schedule.model_dump(), self._number)
            if self._times.due_at <= workflow.now():
                self._number += 1
                continue
            wait = (self._times.opens_at - workflow.now()).total_seconds()
            if wait <= 0 or self._stopped:
                return self._stopped
            self._replanned = False
            with contextlib.suppress(TimeoutError):
                await workflow.wait_condition(
                    lambda: self._stopped or self._replanned, timeout=timedelta(seconds=wait)
                )
            if not self._replanned:
                return self._stopped

    async def _collect_until(self, at: datetime) -> bool:
        """Wait until `at`, checking who is missing at each reported measurement; True once nobody is."""
        while True:
            wait = (at - workflow.now()).total_seconds()
            if wait <= 0:
                return False
            with contextlib.suppress(TimeoutError):
                await workflow.wait_condition(lambda: self._reported, timeout=timedelta(seconds=wait))
            if not self._reported:
                return False
            # Taken before the check: a report signalled while the check runs wakes the next wait.
            self._reported = False
            if not await self._chase("check"):
                return True

    async def _chase(self, kind: str) -> list[str]:
        """Who is missing (and, for a reminder or an escalation, have them told)."""
        assert self._round_id is not None
        suffix = f":{workflow.now().isoformat()}" if kind == "check" else ""
        chased: Chased = await workflow.execute_activity(
            "chase_evaluation_round",
            Chase(
                round_id=self._round_id,
                kind=kind,
                idempotency_key=f"{workflow.info().workflow_id}:{self._number}:{kind}{suffix}",
            ),
            result_type=Chased,
            start_to_close_timeout=ACTIVITY_TIMEOUT,
            retry_policy=SERVICE_RETRY,
        )
        self._missing = chased.missing
        return chased.missing

    def _end(self, request: EvaluationCycleInput, reason: str, last: int) -> CycleResult:
        if reason == "stopped":
            self._stage = "stopped"
        return CycleResult(plan_id=request.plan_id, last_round=last or None, reason=reason)

    @workflow.signal
    def measurement_reported(self) -> None:
        """A national system reported a measurement for the partnership: check who is still missing."""
        self._reported = True

    @workflow.signal
    def replanned(self, plan: Replan) -> None:
        """A newer published version runs from the next round (an older or the same one changes nothing)."""
        if plan.version > self._version:
            self._version, self._schedule, self._replanned = plan.version, plan.schedule, True

    @workflow.signal
    def stop(self) -> None:
        self._stopped = True

    @workflow.query
    def status(self) -> CycleStatus:
        times: RoundTimes = self._times
        return CycleStatus(
            plan_id=workflow.info().workflow_id.removeprefix("evaluation-cycle-"),
            version=self._version,
            number=self._number,
            stage=self._stage,
            opens_at=times.opens_at,
            due_at=times.due_at,
            round_id=self._round_id,
            missing=self._missing,
            reminded=self._reminded,
            escalated=self._escalated,
        )
