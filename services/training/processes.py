"""The training service's one door to Temporal: every workflow it starts, signals or updates.

- Certification refreshers (CertificationRefresherWorkflow): started once per issued certification (from its
  event, so none is lost between commit and Temporal), ended on revocation, told of a completed refresher
  through an Update whose validator answers at once.
"""

from __future__ import annotations

import contextlib
from datetime import datetime

from temporalio.client import Client, WorkflowUpdateFailedError
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError

from backbone.errors import NotFound
from backbone.temporal import missing_workflow_as, signal_if_running, update_refusal, workflow_answer
from workflows.certification_refresher.shared import (
    RefresherCompleted,
    RefresherInput,
    RefresherStatus,
    refresher_workflow_id,
)
from workflows.certification_refresher.workflow import CertificationRefresherWorkflow

REFRESHER_REFUSALS: dict[str, tuple[int, str | None]] = {
    "not_enrolled": (409, None),
    "already_settled": (409, None),
    "completed_in_the_future": (422, "completed_on"),
}


async def start_refresher(
    client: Client, *, task_queue: str, certification_id: str, expires_at: datetime
) -> None:
    with contextlib.suppress(WorkflowAlreadyStartedError):  # it ran and finished: nothing more to do
        await client.start_workflow(
            CertificationRefresherWorkflow.run,
            RefresherInput(certification_id=certification_id, expires_at=expires_at),
            id=refresher_workflow_id(certification_id),
            task_queue=task_queue,
            id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
            id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
        )


async def end_refresher(client: Client, certification_id: str) -> None:
    """A revoked certification needs no refresher; one already finished has nothing to end."""
    handle = client.get_workflow_handle_for(
        CertificationRefresherWorkflow.run, refresher_workflow_id(certification_id)
    )
    await signal_if_running(handle.signal(CertificationRefresherWorkflow.end))


async def complete_refresher(
    client: Client, certification_id: str, body: RefresherCompleted
) -> RefresherStatus:
    handle = client.get_workflow_handle_for(
        CertificationRefresherWorkflow.run, refresher_workflow_id(certification_id)
    )
    with missing_workflow_as(
        NotFound(f"Certification {certification_id} has no refresher running.", code="refresher_not_found")
    ):
        try:
            return await workflow_answer(
                handle.execute_update(CertificationRefresherWorkflow.complete_refresher, body)
            )
        except WorkflowUpdateFailedError as exc:
            raise update_refusal(
                str(exc.cause),
                REFRESHER_REFUSALS,
                title="Not a completion we can take",
                default="refresher_refused",
            ) from exc


# --- operators' view ---------------------------------------------------------------------------------------

OPERATED: tuple[str, ...] = (CertificationRefresherWorkflow.__name__,)
"""The workflow types operators follow on the board (their type names are their class names)."""
