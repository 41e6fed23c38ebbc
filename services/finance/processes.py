"""The finance service's door to Temporal: every workflow it starts or signals goes here.

- Funding tranches (FundingTrancheWorkflow): one per tranche, started from its planning event; measurements of
  its indicator and the oversight body's answers about extensions reach it as signals. Each signal is sent with
  start (the workflow is started from the tranche's row if its planning event has not been handled yet), and a
  tranche already settled is never started again.
"""

from __future__ import annotations

import contextlib
from datetime import timedelta

from pydantic import BaseModel
from temporalio.client import Client
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError

from services.finance.models import FundingTranche
from workflows.funding_tranche.shared import TrancheInput, funding_tranche_workflow_id
from workflows.funding_tranche.workflow import FundingTrancheWorkflow

OUTLIVES_DEADLINE = timedelta(days=400)
"""How long a tranche's workflow may run past its deadline before Temporal ends it (extensions included)."""


async def tranche(
    client: Client,
    tranche: FundingTranche,
    *,
    task_queue: str,
    signal: str | None = None,
    arg: BaseModel | None = None,
) -> None:
    """Start the tranche's workflow if it is not running (never again once it finished), then send `signal`."""
    request = TrancheInput(
        tranche_id=str(tranche.id),
        partnership_id=str(tranche.partnership_id),
        indicator=tranche.indicator,
        target=tranche.target,
        comparison=tranche.comparison,
        deadline=tranche.deadline,
    )
    with contextlib.suppress(WorkflowAlreadyStartedError):  # it settled the tranche: nothing more to tell it
        await client.start_workflow(
            FundingTrancheWorkflow.run,
            request,
            id=funding_tranche_workflow_id(str(tranche.id)),
            task_queue=task_queue,
            id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
            id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
            execution_timeout=(tranche.deadline - tranche.planned_at) + OUTLIVES_DEADLINE,
            start_signal=signal,
            start_signal_args=[arg] if arg is not None else [],
        )
