"""Baselines: the least a workflow can be (start, one activity, complete: T1), and one that only waits (T2, S1W)."""

from __future__ import annotations

from datetime import timedelta

from temporalio import activity, workflow


@activity.defn(name="bench_trivial_step")
async def trivial_step(n: int) -> int:
    return n


@workflow.defn(name="BenchTrivialWorkflow")
class TrivialWorkflow:
    @workflow.run
    async def run(self, n: int) -> int:
        return await workflow.execute_activity(trivial_step, n, start_to_close_timeout=timedelta(seconds=30))


@workflow.defn(name="BenchOpenWorkflow")
class OpenWorkflow:
    """A workflow that stays open until told to finish: T2's bare Update, S1W's many open workflows."""

    def __init__(self) -> None:
        self._touched = 0
        self._done = False

    @workflow.run
    async def run(self) -> int:
        await workflow.wait_condition(lambda: self._done)
        return self._touched

    @workflow.update
    def touch(self) -> int:
        self._touched += 1
        return self._touched

    @workflow.query
    def touched(self) -> int:
        return self._touched

    @workflow.signal
    def finish(self) -> None:
        self._done = True
