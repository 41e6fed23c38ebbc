"""The incidents service's one door to Temporal: every workflow it starts or signals.

- Incident response (IncidentResponseWorkflow): one per real incident, started from the service's own
  `incident_declared` event (nothing is lost between commit and Temporal), told of completed steps, severity
  changes, resolution and closure.
- Drill cycles (DrillCycleWorkflow): one per cycle, started from its first drill's `scheduled` event, told of
  acknowledged steps, the debrief and finished improvement actions; triggered or stopped by operators.

A signal to a workflow that has finished already tells nobody anything, and is not an error.
"""

from __future__ import annotations

import contextlib
from datetime import datetime

from temporalio.client import Client, WorkflowHandle
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError

from backbone.temporal import signal_if_running
from workflows.drill_cycle.shared import (
    Acknowledged,
    DrillCycleInput,
    DrillCycleStatus,
    drill_cycle_workflow_id,
)
from workflows.drill_cycle.workflow import DrillCycleWorkflow
from workflows.incident_response.shared import (
    ResponseInput,
    ResponseStatus,
    Severity,
    StepDone,
    incident_response_workflow_id,
)
from workflows.incident_response.workflow import IncidentResponseWorkflow

ResponseHandle = WorkflowHandle[IncidentResponseWorkflow, ResponseStatus]
CycleHandle = WorkflowHandle[DrillCycleWorkflow, DrillCycleStatus]

# --- incident response -------------------------------------------------------------------------------------


async def start_response(client: Client, *, task_queue: str, request: ResponseInput) -> None:
    with contextlib.suppress(WorkflowAlreadyStartedError):  # it ran and finished already
        await client.start_workflow(
            IncidentResponseWorkflow.run,
            request,
            id=incident_response_workflow_id(request.incident_id),
            task_queue=task_queue,
            id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
            id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
        )


def _response(client: Client, incident_id: str) -> ResponseHandle:
    return client.get_workflow_handle_for(
        IncidentResponseWorkflow.run, incident_response_workflow_id(incident_id)
    )


async def step_completed(client: Client, incident_id: str, *, code: str, at: datetime) -> None:
    handle = _response(client, incident_id)
    await signal_if_running(
        handle.signal(IncidentResponseWorkflow.step_completed, StepDone(code=code, at=at))
    )


async def severity_changed(client: Client, incident_id: str, severity: Severity) -> None:
    await signal_if_running(
        _response(client, incident_id).signal(IncidentResponseWorkflow.severity_changed, severity)
    )


async def incident_resolved(client: Client, incident_id: str) -> None:
    await signal_if_running(_response(client, incident_id).signal(IncidentResponseWorkflow.resolved))


async def incident_closed(client: Client, incident_id: str) -> None:
    await signal_if_running(_response(client, incident_id).signal(IncidentResponseWorkflow.closed))


# --- drill cycles ------------------------------------------------------------------------------------------


async def start_drill_cycle(client: Client, *, task_queue: str, request: DrillCycleInput) -> None:
    with contextlib.suppress(WorkflowAlreadyStartedError):
        await client.start_workflow(
            DrillCycleWorkflow.run,
            request,
            id=drill_cycle_workflow_id(request.cycle_id),
            task_queue=task_queue,
            id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
            id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
        )


def _cycle(client: Client, cycle_id: str) -> CycleHandle:
    return client.get_workflow_handle_for(DrillCycleWorkflow.run, drill_cycle_workflow_id(cycle_id))


async def drill_debriefed(client: Client, cycle_id: str) -> None:
    await signal_if_running(_cycle(client, cycle_id).signal(DrillCycleWorkflow.debriefed))


async def drill_step_acknowledged(client: Client, cycle_id: str, *, code: str, at: datetime) -> None:
    handle = _cycle(client, cycle_id)
    await signal_if_running(
        handle.signal(DrillCycleWorkflow.step_acknowledged, Acknowledged(code=code, at=at))
    )


async def improvement_action_done(client: Client, cycle_id: str, action_id: str) -> None:
    await signal_if_running(_cycle(client, cycle_id).signal(DrillCycleWorkflow.action_done, action_id))


async def trigger_drill(client: Client, cycle_id: str) -> None:
    """Run the cycle's next drill now instead of at its scheduled time."""
    await signal_if_running(_cycle(client, cycle_id).signal(DrillCycleWorkflow.trigger_now))


async def stop_drill_cycle(client: Client, cycle_id: str) -> None:
    """No further drills; open improvement actions are still followed."""
    await signal_if_running(_cycle(client, cycle_id).signal(DrillCycleWorkflow.stop))


# --- operators' view ---------------------------------------------------------------------------------------

OPERATED: tuple[str, ...] = (IncidentResponseWorkflow.__name__, DrillCycleWorkflow.__name__)
"""The workflow types operators follow on the board (their type names are their class names)."""
