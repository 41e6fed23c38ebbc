"""What incidents change in training, from the incidents service's events: cohorts in an affected facility are
paused and resumed on resolution, a module whose content is exposed is suspended, drills change nothing, and a
debrief finding becomes a revision request (once)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import httpx

from contracts.events.incidents import (
    EnvironmentV1,
    IncidentDeclaredV1,
    IncidentResolvedV1,
    TrainingRevisionRequestedV1,
)
from tests.integration.test_training_certifications import certification_request
from tests.integration.test_training_cohorts import ncu, schedule, world
from tests.integration.test_training_facilities import training
from tests.integration.test_training_learning import enrolled, statement
from tests.integration.training_events import deliver
from tests.support import acting

__all__ = ["training"]  # the fixture


def declared(environment: EnvironmentV1, partnership: str, *, exercise: bool = False) -> IncidentDeclaredV1:
    return IncidentDeclaredV1(
        incident_id=str(uuid.uuid4()),
        partnership_id=partnership,
        protocol_id=str(uuid.uuid4()),
        protocol_version=1,
        kind="onsite_emergency",
        environment=environment,
        severity="high",
        affected_countries=["SN"],
        exercise=exercise,
        declared_at=datetime.now(UTC),
    )


def resolved(incident: IncidentDeclaredV1) -> IncidentResolvedV1:
    return IncidentResolvedV1(
        incident_id=incident.incident_id,
        partnership_id=incident.partnership_id,
        kind=incident.kind,
        environment=incident.environment,
        exercise=incident.exercise,
        minutes_to_resolve=42,
        resolved_at=datetime.now(UTC),
    )


async def status(api: httpx.AsyncClient, cohort: dict[str, Any]) -> str:
    return str((await api.get(f"/cohorts/{cohort['id']}", headers=ncu(api, "FR"))).json()["status"])


async def test_an_incident_in_a_facility_pauses_its_cohorts_until_resolved(
    training: httpx.AsyncClient,
) -> None:
    w = await world(training)
    lab = await training.post(
        "/facilities",
        json={
            "owner_agency_id": w["agencies"]["FR"],
            "name": "Lyon range",
            "kind": "field_site",
            "location": "Lyon",
            "capacity": 30,
            "time_zone": "Europe/Paris",
        },
        headers=ncu(training, "FR"),
    )
    at_site = (await schedule(training, w, facility_id=lab.json()["id"])).json()
    remote = (await schedule(training, w)).json()
    drill = declared(EnvironmentV1(kind="facility", id=lab.json()["id"]), w["id"], exercise=True)
    await deliver(training, drill)
    assert await status(training, at_site) == "scheduled", "a drill pauses nothing"
    elsewhere = declared(EnvironmentV1(kind="facility", id=lab.json()["id"]), str(uuid.uuid4()))
    await deliver(training, elsewhere)
    assert await status(training, at_site) == "scheduled", (
        "another partnership's incident pauses nothing here"
    )
    foreign_cohort = declared(EnvironmentV1(kind="cohort", id=at_site["id"]), str(uuid.uuid4()))
    await deliver(training, foreign_cohort)
    assert await status(training, at_site) == "scheduled", "nor when it names this partnership's cohort"

    incident = declared(EnvironmentV1(kind="facility", id=lab.json()["id"]), w["id"])
    await deliver(training, incident)
    await deliver(training, incident)
    assert (await status(training, at_site), await status(training, remote)) == ("paused", "scheduled")
    reason = (await training.get(f"/cohorts/{at_site['id']}", headers=ncu(training, "SN"))).json()[
        "status_reason"
    ]
    assert incident.incident_id in reason
    await deliver(training, resolved(incident))
    assert await status(training, at_site) == "scheduled"

    by_hand = await training.post(
        f"/cohorts/{remote['id']}/status-changes",
        json={"change": "pause", "reason": "Strike"},
        headers=ncu(training, "FR"),
    )
    assert by_hand.json()["status"] == "paused"
    cohort_incident = declared(EnvironmentV1(kind="cohort", id=remote["id"]), w["id"])
    await deliver(training, cohort_incident)
    await deliver(training, resolved(cohort_incident))
    assert await status(training, remote) == "paused", "an incident resumes only what it paused"


async def test_exposed_content_suspends_its_module_and_findings_become_revision_requests(
    training: httpx.AsyncClient,
) -> None:
    w = await world(training)
    cohort = (await schedule(training, w)).json()["id"]
    await enrolled(training, w, cohort, "SN", "SN-1")
    lms = acting(training, "agency_integrator", country="SN", agency=w["agencies"]["SN"])
    module = EnvironmentV1(kind="module", id=f"{w['version']['curriculum_id']}:m1")
    await deliver(training, declared(module, str(uuid.uuid4())))
    unsuspended = await training.post(
        "/xapi/statements", json=statement(cohort, "SN-1", "m1", "attended"), headers=lms
    )
    assert unsuspended.status_code == 200, (
        "another partnership's incident suspends none of this one's modules"
    )
    exposure = declared(module, w["id"])
    await deliver(training, exposure)
    refused = await training.post(
        "/xapi/statements", json=statement(cohort, "SN-1", "m1", "attended"), headers=lms
    )
    assert (refused.status_code, refused.json()["code"]) == (409, "module_suspended")
    other = await training.post(
        "/xapi/statements", json=statement(cohort, "SN-1", "m2", "attended"), headers=lms
    )
    assert other.status_code == 200, "only the exposed module is suspended"
    await deliver(training, resolved(exposure))
    again = await training.post(
        "/xapi/statements", json=statement(cohort, "SN-1", "m1", "attended"), headers=lms
    )
    assert again.status_code == 200

    finding = TrainingRevisionRequestedV1(
        finding_id=str(uuid.uuid4()),
        drill_id=str(uuid.uuid4()),
        partnership_id=w["id"],
        request="curriculum_revision",
        curriculum_id=w["version"]["curriculum_id"],
        countries=["SN"],
        summary="Liaisons did not know the evidence-sharing rules",
        rating="major",
        requested_at=datetime.now(UTC),
    )
    await deliver(training, finding)
    await deliver(training, finding)
    url = f"/curricula/{w['version']['curriculum_id']}/revision-requests"
    requests = (await training.get(url, headers=ncu(training, "BR"))).json()["items"]
    assert [(r["request"], r["rating"], r["status"]) for r in requests] == [
        ("curriculum_revision", "major", "open")
    ]
    listed = (
        await training.get(
            "/revision-requests", params={"partnership_id": w["id"]}, headers=ncu(training, "FR")
        )
    ).json()["items"]
    assert len(listed) == 1
    assert (await training.get("/revision-requests", headers=ncu(training, "GH"))).json()["items"] == []

    holder = await training.post(
        "/certifications",
        json=await certification_request(training, w["agencies"]["SN"], trainee_id="SN-9"),
        headers=ncu(training, "SN"),
    )
    refresh = finding.model_copy(
        update={
            "finding_id": str(uuid.uuid4()),
            "request": "refresher",
            "curriculum_id": None,
            "competency": "cf:chain-of-custody",
        }
    )
    await deliver(training, refresh)
    await deliver(training, refresh)
    request_id = next(
        r["id"]
        for r in (await training.get("/revision-requests", headers=ncu(training, "SN"))).json()["items"]
        if r["request"] == "refresher"
    )
    assigned = f"/revision-requests/{request_id}/refresher-assignments"
    assert (await training.get(assigned, headers=ncu(training, "SN"))).json()["items"] == [
        holder.json()["id"]
    ]
    assert (await training.get(assigned, headers=ncu(training, "BR"))).json()["items"] == [], (
        "Senegal's officers only"
    )
