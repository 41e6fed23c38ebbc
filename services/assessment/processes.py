"""The assessment service's door to Temporal: every workflow it starts, signals, updates or queries goes here.

- Evaluation cycles (EvaluationCycleWorkflow): one per evaluation plan, started from the plan's own
  `evaluation_plan_published` event (signal-with-start: a later version reaches the running cycle as `replanned`),
  told of every measurement reported for the partnership (`measurement_reported`: it checks who is missing).

A signal to a workflow that has finished already tells nobody anything, and is not an error.
"""

from __future__ import annotations

from temporalio.client import Client, WorkflowHandle
from temporalio.common import WorkflowIDConflictPolicy

from backbone.temporal import signal_if_running
from workflows.evaluation_cycle.shared import (
    CycleResult,
    EvaluationCycleInput,
    Replan,
    evaluation_cycle_workflow_id,
)
from workflows.evaluation_cycle.workflow import EvaluationCycleWorkflow

CycleHandle = WorkflowHandle[EvaluationCycleWorkflow, CycleResult]


async def plan_published(client: Client, *, task_queue: str, request: EvaluationCycleInput) -> None:
    """Start the plan's cycle, or tell the running one about the newer version (it applies it once)."""
    await client.start_workflow(
        EvaluationCycleWorkflow.run,
        request,
        id=evaluation_cycle_workflow_id(request.plan_id),
        task_queue=task_queue,
        id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
        start_signal="replanned",
        start_signal_args=[Replan(version=request.version, schedule=request.schedule)],
    )


def _cycle(client: Client, plan_id: str) -> CycleHandle:
    return client.get_workflow_handle_for(EvaluationCycleWorkflow.run, evaluation_cycle_workflow_id(plan_id))


async def measurement_reported(client: Client, plan_id: str) -> None:
    await signal_if_running(_cycle(client, plan_id).signal(EvaluationCycleWorkflow.measurement_reported))
