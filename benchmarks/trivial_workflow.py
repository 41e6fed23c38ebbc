"""T1's baseline: the least a workflow can be (start, one activity, complete)."""

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
