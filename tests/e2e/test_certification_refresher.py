"""End to end, a certification's refresher cycle: issued over HTTP on an assessment result training learnt from
Kafka, the training consumer starts its
CertificationRefresherWorkflow from the event, the worker reminds and enrols the officer through training's API,
the completed refresher is reported over HTTP and the certification is renewed for another period."""

from __future__ import annotations

import sys
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx

from contracts.events.assessment import TraineeAssessedV1
from tests.support import (
    Deployment,
    ServiceProcess,
    eventually,
    free_port,
    publish,
    serve_process,
    wait_http_ok,
)


async def test_a_certification_is_reminded_enrolled_and_renewed_by_its_refresher(
    deployment: Deployment, process_logs: Path
) -> None:
    await deployment.create("training")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    processes = [
        serve_process(deployment, "training", "api", process_logs, http_port=port, uses_temporal=True),
        serve_process(deployment, "training", "relay", process_logs),
        serve_process(deployment, "training", "consumer", process_logs, uses_temporal=True),
        ServiceProcess(
            "worker",
            [sys.executable, "-m", "workflows.worker"],
            deployment.env("worker", partners_url=url, training_url=url),
            process_logs,
        ),
    ]
    for process in processes:
        process.start()
    try:
        await wait_http_ok(f"{url}/readyz", process=processes[0])
        agency = await _known_agency(deployment)
        sn = deployment.national_headers("SN")
        partnership, assessment = str(uuid.uuid4()), str(uuid.uuid4())
        await publish(deployment, passed(assessment, partnership), source="/assessment", key="SN-PN-004217")
        body = {
            "trainee_id": "SN-PN-004217",
            "trainee_name": "Awa Ndiaye",
            "agency_id": agency,
            "curriculum_ref": "chain-of-custody/v2",
            "curriculum_completed": True,
            "assessment_id": assessment,
            "competencies": ["cf:chain-of-custody"],
            "level": 2,
            "issuing_partnership_id": partnership,
            "issued_on": date.today().isoformat(),
            "validity_months": 1,  # inside the reminder and enrolment windows at once
            "time_zone": "Africa/Dakar",
        }
        async with httpx.AsyncClient(base_url=url, timeout=30, headers=sn) as http:

            async def issue() -> list[httpx.Response]:
                answer = await http.post("/certifications", json=body)
                if answer.status_code == 422 and answer.json()["code"] == "assessment_unknown":
                    return []  # the consumer has not brought the assessment's result in yet
                return [answer]

            (issued,) = await eventually(
                issue, timeout=60, what="training learnt the assessment and certified"
            )
            assert issued.status_code == 201, issued.text
            certification: dict[str, Any] = issued.json()
            link = f"/certifications/{certification['id']}"

            async def enrolled() -> bool:
                return bool((await http.get(link)).json()["refresher_state"] == "enrolled")

            await eventually(enrolled, timeout=60, what="the workflow reminded and enrolled the officer")
            # Senegal's operators see the refresher of their officer on the board; Kenya's do not.
            listed = await http.get("/workflows", headers=deployment.operator_headers("SN"))
            assert listed.status_code == 200, listed.text
            assert [w["type"] for w in listed.json()["items"]] == ["CertificationRefresherWorkflow"]
            assert listed.json()["items"][0]["workflow_id"].endswith(certification["id"])
            elsewhere = await http.get("/workflows", headers=deployment.operator_headers("KE"))
            assert elsewhere.status_code == 200 and elsewhere.json()["items"] == []
            future = await http.post(f"{link}/refresher-completion", json={"completed_on": "2099-01-01"})
            assert future.status_code == 422 and future.json()["errors"][0]["field"] == "completed_on"
            done = await http.post(
                f"{link}/refresher-completion", json={"completed_on": date.today().isoformat()}
            )
            assert done.status_code == 200, done.text

            async def renewed() -> dict[str, Any] | None:
                now = (await http.get(link)).json()
                return now if now["renewals"] == 1 else None

            after = await eventually(renewed, timeout=60, what="the certification renewed")
            assert after["expires_on"] >= certification["expires_on"]
            # The renewal clears the refresher; the next period, inside its windows at once with a one-month
            # validity, may already have been reminded or enrolled by its own run when this is read.
            assert after["refresher_state"] in ("none", "reminded", "enrolled"), after
            again = await http.post(
                f"{link}/refresher-completion", json={"completed_on": date.today().isoformat()}
            )
            # A validity of one month puts the next period inside its enrolment window at once, so the next
            # run may already have enrolled the officer when this arrives (a race the first version of this
            # test lost on a fast worker). Either way the settled period is never completed twice.
            if again.status_code == 200:
                assert (done.json()["cycle"], again.json()["cycle"]) == (1, 2), (
                    "the next period, not the settled one"
                )
            else:
                assert again.status_code == 409, again.text
                assert again.json()["code"] in ("not_enrolled", "already_settled"), again.text
    finally:
        for process in reversed(processes):
            process.stop()


def passed(assessment_id: str, partnership_id: str) -> TraineeAssessedV1:
    """The assessment service's result for the officer (its side is tested with it)."""
    return TraineeAssessedV1(
        assessment_id=assessment_id,
        partnership_id=partnership_id,
        rubric_id=str(uuid.uuid4()),
        rubric_version_id=str(uuid.uuid4()),
        competency="cf:chain-of-custody",
        kind="proficiency_test",
        cohort_id=None,
        trainee_id="SN-PN-004217",
        trainee_country_code="SN",
        assessor_country_code="FR",
        percent=Decimal("90"),
        passed=True,
        failed_dimensions=[],
        assessed_at=datetime.now(UTC),
    )


async def _known_agency(deployment: Deployment) -> str:
    """Training learns agencies from partners events; written straight into its read model here."""
    import asyncpg

    agency = uuid.uuid4()
    conn = await asyncpg.connect(deployment.settings("training").asyncpg_dsn)
    try:
        await conn.execute(
            "INSERT INTO known_agencies (agency_id, country_code, country_name, name, agency_type, "
            "is_national_coordination_unit, status, registered_at, last_event_id, version) "
            "VALUES ($1, 'SN', 'Senegal', 'Police nationale', 'police', false, 'active', now(), 'seed', 1)",
            agency,
        )
    finally:
        await conn.close()
    return str(agency)
