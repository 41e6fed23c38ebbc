"""End to end, as a partner agency and its national unit would use the backbone.

Real processes: the partners API and relay, the training consumer and API, and the Temporal worker, on the
real PostgreSQL, Kafka and Temporal. HTTP in; a CloudEvent on Kafka; training's read model; a workflow
started by the API that changes the partners service through an activity.
"""

from __future__ import annotations

import json
import sys
import uuid
from pathlib import Path

import httpx

from tests.support import (
    Deployment,
    ServiceProcess,
    eventually,
    free_port,
    header,
    read_topic,
    serve_process,
    wait_http_ok,
)


async def test_agency_registration_reaches_training_and_onboarding_activates_it(
    deployment: Deployment,
    process_logs: Path,
) -> None:
    await deployment.create("partners", "training")
    partners_port, training_port = free_port(), free_port()
    partners_url, training_url = f"http://127.0.0.1:{partners_port}", f"http://127.0.0.1:{training_port}"
    processes = [
        serve_process(deployment, "partners", "api", process_logs, http_port=partners_port),
        serve_process(deployment, "partners", "relay", process_logs),
        serve_process(deployment, "training", "consumer", process_logs),
        serve_process(deployment, "training", "api", process_logs, http_port=training_port),
        ServiceProcess(
            "worker",
            [sys.executable, "-m", "workflows.worker"],
            deployment.env("worker", partners_url=partners_url),
            process_logs,
        ),
    ]
    for process in processes:
        process.start()
    try:
        await wait_http_ok(f"{partners_url}/readyz", process=processes[0])
        await wait_http_ok(f"{training_url}/readyz", process=processes[3])
        async with httpx.AsyncClient(timeout=30, headers=deployment.national_headers("PH")) as http:
            response = await http.post(
                f"{partners_url}/agencies",
                json={
                    "country": {"code": "PH", "name": "Philippines"},
                    "name": "Philippine National Police",
                    "agency_type": "police",
                    "mandate": "National law enforcement",
                },
                headers={"Idempotency-Key": f"e2e-{uuid.uuid4()}"},
            )
            assert response.status_code == 201, response.text
            agency_id = response.json()["id"]
            trace_id = response.headers["x-trace-id"]

            records = await read_topic(
                deployment.endpoints,
                deployment.topic("partners.events.v1"),
                until=lambda r: len(r) >= 1,
            )
            event = records[0]
            assert header(event, "ce_type") == "partners.agency_registered.v1"
            assert header(event, "ce_specversion") == "1.0"
            assert event.key == agency_id.encode()
            assert json.loads(event.value)["name"] == "Philippine National Police"
            assert (header(event, "traceparent") or "").split("-")[1] == trace_id, (
                "one trace from HTTP to Kafka"
            )

            async def training_sees(status: str) -> dict[str, object] | None:
                got = await http.get(f"{training_url}/agencies/{agency_id}")
                return got.json() if got.status_code == 200 and got.json()["status"] == status else None

            known = await eventually(
                lambda: training_sees("pending"), what="training read model has the agency"
            )
            assert known["country_name"] == "Philippines" and known["version"] == 1

            started = await http.post(
                f"{partners_url}/agencies/{agency_id}/onboarding", json={"confirmation_deadline_hours": 48}
            )
            assert started.status_code == 202, started.text
            assert started.json()["state"] == "awaiting_confirmation"
            onboarding_trace = started.headers["x-trace-id"]
            again = await http.post(f"{partners_url}/agencies/{agency_id}/onboarding", json={})
            assert again.json()["workflow_id"] == started.json()["workflow_id"], "one onboarding per agency"

            confirmed = await http.post(
                f"{partners_url}/agencies/{agency_id}/onboarding/confirmation",
                json={"confirmed_by": "PH national coordination unit"},
            )
            assert confirmed.status_code == 202, confirmed.text

            async def partners_active() -> dict[str, object] | None:
                got = (await http.get(f"{partners_url}/agencies/{agency_id}")).json()
                return got if got["status"] == "active" else None

            active = await eventually(partners_active, timeout=60, what="workflow activated the agency")
            assert active["confirmed_by"] == "PH national coordination unit"
            onboarding = (await http.get(f"{partners_url}/agencies/{agency_id}/onboarding")).json()
            assert onboarding["state"] == "active"
            known = await eventually(lambda: training_sees("active"), what="activation reached training")
            assert known["version"] == 2

            # One trace from the HTTP request that started the workflow, through Temporal and its activity's
            # call back into partners, to the event on Kafka.
            records = await read_topic(
                deployment.endpoints,
                deployment.topic("partners.events.v1"),
                until=lambda r: len(r) >= 2,
            )
            activated = next(r for r in records if header(r, "ce_type") == "partners.agency_activated.v1")
            assert (header(activated, "traceparent") or "").split("-")[1] == onboarding_trace

            late = await http.post(f"{partners_url}/agencies/{agency_id}/onboarding", json={})
            assert late.status_code == 409 and late.json()["code"] == "agency_not_pending"
            no_onboarding = await http.get(f"{partners_url}/agencies/{uuid.uuid4()}/onboarding")
            assert no_onboarding.status_code == 404
            assert no_onboarding.headers["content-type"] == "application/problem+json"
    finally:
        for process in processes:
            process.stop()
