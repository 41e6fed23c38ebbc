"""A Temporal worker killed mid-activity, after its call changed the partners service but before the activity
completed: another worker retries it with the same Idempotency-Key, and the change happens once."""

from __future__ import annotations

import signal
import sys
from pathlib import Path

import httpx
from sqlalchemy import text

from backbone.db import create_engine
from backbone.faults import ACTIVITY_AFTER_CALL
from tests.support import Deployment, ServiceProcess, eventually, free_port, serve_process, wait_http_ok


async def test_a_worker_killed_mid_activity_leaves_one_activation(
    deployment: Deployment, process_logs: Path
) -> None:
    await deployment.create("partners")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    api = serve_process(deployment, "partners", "api", process_logs, http_port=port).start()

    def worker() -> ServiceProcess:
        return ServiceProcess(
            "worker",
            [sys.executable, "-m", "workflows.worker"],
            deployment.env("worker", partners_url=url),
            process_logs,
        )

    crashing = worker().start(BACKBONE_CRASH_AT=ACTIVITY_AFTER_CALL)
    healthy: ServiceProcess | None = None
    try:
        await wait_http_ok(f"{url}/readyz", process=api)
        async with httpx.AsyncClient(
            base_url=url, timeout=30, headers=deployment.national_headers("GH")
        ) as http:
            agency = (
                await http.post(
                    "/agencies",
                    json={
                        "country": {"code": "GH", "name": "Ghana"},
                        "name": "Ghana Police Service",
                        "agency_type": "police",
                    },
                )
            ).json()
            await http.post(f"/agencies/{agency['id']}/onboarding", json={"confirmation_deadline_hours": 24})
            await http.post(
                f"/agencies/{agency['id']}/onboarding/confirmation", json={"confirmed_by": "GH NCU"}
            )
            assert await crashing.wait_exit(60) == -signal.SIGKILL, crashing.log_tail()

            async def status() -> str:
                return str((await http.get(f"/agencies/{agency['id']}")).json()["status"])

            assert await status() == "active", "the call went through before the worker died"
            healthy = worker().start()

            async def workflow_done() -> bool:
                got = await http.get(f"/agencies/{agency['id']}/onboarding")
                if got.status_code == 503:  # workflow_unresponsive: no worker has picked its task up yet
                    assert got.json()["code"] == "workflow_unresponsive", got.text
                    return False
                return bool(got.json()["state"] == "active")

            await eventually(workflow_done, timeout=90, what="the retried activity completed the workflow")
        engine = create_engine(deployment.settings("partners"))
        async with engine.connect() as conn:
            activations = await conn.scalar(
                text("SELECT count(*) FROM outbox WHERE event_type = 'partners.agency_activated.v1'")
            )
            keys = await conn.scalar(
                text("SELECT count(*) FROM idempotency_keys WHERE key LIKE :pattern"),
                {"pattern": "%:activate"},
            )
        await engine.dispose()
        assert activations == 1, "the retry replayed the first answer instead of activating twice"
        assert keys == 1
    finally:
        for process in (api, crashing, healthy):
            if process is not None:
                process.stop()
