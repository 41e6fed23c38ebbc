"""Drills through the incidents API on its real database: a cycle on an approved protocol, the workflow's steps
(announce, start as an exercise incident, injects, completion with timings, next drill) called as the worker
calls them, a debrief whose findings become improvement actions, a training revision request and the protocol's
next version, and a history that shows whether response times improve."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from contracts.envelope import decode
from contracts.events.revisions import RevisionRequestDecidedV1
from tests.integration.test_incidents import (
    approved_protocol,
    declaration,
    deliver,
    incidents,
    ops,
    partnership,
)
from tests.integration.test_partner_relations_api import outbox_records
from tests.support import acting

__all__ = ["incidents"]  # the fixture


def soon(days: float = 3) -> str:
    return (datetime.now(UTC) + timedelta(days=days)).isoformat()


async def cycle(api: httpx.AsyncClient) -> tuple[str, dict[str, Any], dict[str, Any]]:
    pid = await partnership(api, "FR", "SN", "BR")
    protocol = await approved_protocol(api, pid)
    created = await api.post(
        "/drill-cycles",
        json={
            "protocol_id": protocol["id"],
            "environment": {"kind": "virtual_lab", "id": "lab-dakar"},
            "cadence_days": 91,
            "notice_hours": 48,
            "first_at": soon(),
            "injects": [
                {"after_minutes": 40, "message": "Ransom note on the evidence share"},
                {"after_minutes": 10, "message": "Alarm"},
            ],
            "participants": [
                {"role": "incident_commander", "holder": "anne@fr", "country_code": "FR"},
                {"role": "liaison", "holder": "awa@sn", "country_code": "SN"},
            ],
        },
        headers=ops(api, "FR"),
    )
    assert created.status_code == 201, created.text
    return pid, protocol, created.json()


async def run_drill(api: httpx.AsyncClient, drill_id: str, *, acknowledge: tuple[str, ...]) -> dict[str, Any]:
    worker = api.deployment.issuer.workflow_headers()  # type: ignore[attr-defined]

    async def step(path: str, name: str) -> dict[str, Any]:
        response = await api.post(path, headers={**worker, "Idempotency-Key": f"drill-{drill_id}:{name}"})
        assert response.status_code == 200, response.text
        return response.json()  # type: ignore[no-any-return]

    await step(f"/internal/drills/{drill_id}/announcement", "announce")
    started = await step(f"/internal/drills/{drill_id}/start", "start")
    again = await step(f"/internal/drills/{drill_id}/start", "start")
    assert again["incident_id"] == started["incident_id"], "a retried start opens no second incident"
    await step(f"/internal/drills/{drill_id}/injects/0", "inject-0")
    for code in acknowledge:
        done = await api.post(
            f"/incidents/{started['incident_id']}/steps/{code}/completion", headers=ops(api, "FR")
        )
        assert done.status_code == 200, done.text
    return await step(f"/internal/drills/{drill_id}/completion", "complete")


async def test_a_drill_is_run_timed_debriefed_and_feeds_training_and_the_protocol(
    incidents: httpx.AsyncClient,
) -> None:
    pid, protocol, created = await cycle(incidents)
    assert [i["after_minutes"] for i in created["injects"]] == [10, 40], "injects in time order"
    drill = created["drills"][0]
    assert (drill["number"], drill["status"]) == (1, "scheduled")
    completed = await run_drill(incidents, drill["id"], acknowledge=("isolate", "notify"))
    assert completed["status"] == "completed"
    assert [(t["code"], t["late"]) for t in completed["timings"]] == [
        ("isolate", False),
        ("notify", False),
        ("restore", True),
    ]
    incident = (
        await incidents.get(f"/incidents/{completed['incident_id']}", headers=ops(incidents, "SN"))
    ).json()
    assert incident["exercise"] and incident["status"] == "closed" and incident["drill_id"] == drill["id"]
    assert {r["holder"] for r in incident["roles"]} == {"anne@fr", "awa@sn"}
    declared = [
        decode(r.headers, r.key, r.value).data
        for r in await outbox_records(incidents, "incidents.incident_declared.v1")
    ]
    assert [d["exercise"] for d in declared if d["incident_id"] == completed["incident_id"]] == [True]
    stages = [
        decode(r.headers, r.key, r.value).data["stage"]
        for r in await outbox_records(incidents, "incidents.drill_event.v1")
        if decode(r.headers, r.key, r.value).data["drill_id"] == drill["id"]
    ]
    assert stages == ["scheduled", "announced", "started", "inject_released", "completed"]
    announced = next(
        decode(r.headers, r.key, r.value).data
        for r in await outbox_records(incidents, "incidents.drill_event.v1")
        if decode(r.headers, r.key, r.value).data["stage"] == "announced"
    )
    assert {(p["role"], p["country_code"]) for p in announced["participants"]} == {
        ("incident_commander", "FR"),
        ("liaison", "SN"),
    }

    curriculum = str(uuid.uuid4())
    report: dict[str, Any] = {
        "expected": "Lab isolated in 30 min, partners briefed in 60",
        "happened": "Isolated in time; restore never started",
        "why": "Nobody owned the clean images",
        "change": "Name an image custodian; train liaisons on evidence sharing",
        "findings": [
            {
                "about": "training",
                "summary": "Liaisons unsure of evidence-sharing rules",
                "rating": "major",
                "curriculum_id": curriculum,
                "countries": ["SN"],
                "action": {
                    "title": "Add a module on evidence sharing",
                    "owner": "awa@sn",
                    "owner_country_code": "SN",
                    "due_at": soon(30),
                },
            },
            {
                "about": "protocol",
                "summary": "Restore step has no owner",
                "rating": "critical",
                "action": {
                    "title": "Give the restore step an owner",
                    "owner": "anne@fr",
                    "owner_country_code": "FR",
                    "due_at": soon(14),
                },
            },
        ],
    }
    early = await incidents.post(
        f"/drills/{created['drills'][0]['id']}/debrief",
        json={**report, "findings": [{**report["findings"][0], "curriculum_id": None}]},
        headers=ops(incidents, "FR"),
    )
    assert early.status_code == 422, "a training finding names a curriculum or a competency"
    evaluator = acting(incidents, "evaluator", country="BR", subject="eva@br")
    debriefed = await incidents.post(f"/drills/{drill['id']}/debrief", json=report, headers=evaluator)
    assert debriefed.status_code == 200, debriefed.text
    assert debriefed.json()["report"]["why"] == "Nobody owned the clean images"
    twice = await incidents.post(f"/drills/{drill['id']}/debrief", json=report, headers=evaluator)
    assert (twice.status_code, twice.json()["code"]) == (409, "already_debriefed")
    requests = [
        decode(r.headers, r.key, r.value).data
        for r in await outbox_records(incidents, "incidents.training_revision_requested.v1")
    ]
    assert [(r["request"], r["curriculum_id"], r["rating"]) for r in requests] == [
        ("curriculum_revision", curriculum, "major")
    ]

    def answered(partnership: str, outcome: str) -> RevisionRequestDecidedV1:
        return RevisionRequestDecidedV1(
            revision_request_id=str(uuid.uuid4()),
            finding_id=requests[0]["finding_id"],
            source="drill",
            partnership_id=partnership,
            curriculum_id=curriculum,
            outcome=outcome,
            reason="A module on clean images goes into version 2",
            draft_version=2 if outcome == "accepted" else None,
            decided_by_country_code="SN",
            decided_at=datetime.now(UTC),
        )

    await deliver(incidents, answered(str(uuid.uuid4()), "declined"))  # another partnership's: nothing
    await deliver(incidents, answered(pid, "accepted"))
    await deliver(incidents, answered(pid, "declined"))  # a later contradicting answer: nothing
    findings = (await incidents.get(f"/drills/{drill['id']}/findings", headers=ops(incidents, "BR"))).json()
    about_training = [f for f in findings if f["about"] == "training"]
    assert [(f["training_outcome"], f["training_draft_version"]) for f in about_training] == [
        ("accepted", 2)
    ], "the drill that raised it sees what training made of it"
    revised = (await incidents.get(f"/protocols/{protocol['id']}", headers=ops(incidents, "SN"))).json()
    assert (
        revised["versions"][-1]["status"] == "draft"
        and "Restore step has no owner" in revised["versions"][-1]["reason"]
    )

    actions = (await incidents.get(f"/drills/{drill['id']}/actions", headers=ops(incidents, "SN"))).json()[
        "items"
    ]
    assert [a["status"] for a in actions] == ["open", "open"]
    worker = incidents.deployment.issuer.workflow_headers()  # type: ignore[attr-defined]
    for kind in ("reminded", "reminded", "escalated"):
        chased = await incidents.post(
            f"/internal/improvement-actions/{actions[0]['id']}/{kind}",
            headers={**worker, "Idempotency-Key": f"k-{uuid.uuid4()}"},
        )
        assert chased.status_code == 200
    done = await incidents.post(
        f"/improvement-actions/{actions[0]['id']}/completion",
        json={"note": "Owner named"},
        headers=ops(incidents, "FR"),
    )
    assert done.json()["status"] == "done"
    owned_by_fr = next(a for a in actions if a["owner_country_code"] == "FR")
    for country in ("SN", "BR"):
        viewer = await incidents.post(
            f"/improvement-actions/{owned_by_fr['id']}/completion", json={}, headers=ops(incidents, country)
        )
        assert (viewer.status_code, viewer.json()["code"]) == (403, "not_steering"), "seeing is not steering"
    owned_by_sn = next(a for a in actions if a["owner_country_code"] == "SN")
    own = await incidents.post(
        f"/improvement-actions/{owned_by_sn['id']}/completion", json={}, headers=ops(incidents, "SN")
    )
    assert own.status_code == 200, "its owner's country completes it"
    statuses = [
        decode(r.headers, r.key, r.value).data["status"]
        for r in await outbox_records(incidents, "incidents.improvement_action.v1")
        if decode(r.headers, r.key, r.value).data["action_id"] == actions[0]["id"]
    ]
    assert statuses == ["opened", "reminded", "escalated", "done"], "each once"

    following = await incidents.post(
        f"/internal/drills/{drill['id']}/next", headers={**worker, "Idempotency-Key": f"next-{drill['id']}"}
    )
    second = following.json()["next"]
    assert second["number"] == 2
    gap = datetime.fromisoformat(second["scheduled_for"]) - datetime.fromisoformat(drill["scheduled_for"])
    assert gap == timedelta(days=91)
    await run_drill(incidents, second["drill_id"], acknowledge=("isolate", "notify", "restore"))
    history = (
        await incidents.get(f"/protocols/{protocol['id']}/drills", headers=ops(incidents, "BR"))
    ).json()
    assert [d["number"] for d in history["drills"]] == [1, 2] and [
        d["late_steps"] for d in history["drills"]
    ] == [1, 0]
    assert history["improving"] in (True, False)
    assert (await incidents.get(f"/drills/{drill['id']}", headers=ops(incidents, "GH"))).status_code == 404
    real = await incidents.post(
        "/incidents", json=declaration(pid, handling_code="partnership"), headers=ops(incidents, "FR")
    )
    await incidents.post(
        f"/incidents/{real.json()['id']}/resolution", json={"summary": "Done"}, headers=ops(incidents, "FR")
    )
    figures = (
        await incidents.get(f"/partnerships/{pid}/incident-statistics", headers=ops(incidents, "SN"))
    ).json()
    assert (figures["incidents"], figures["exercises"]) == (1, 2), "drills never count as real incidents"
    assert figures["by_kind"][0]["open"] == 0 and figures["by_kind"][0]["mean_minutes_to_resolve"] is not None
    declared_lines = [
        line
        for line in (await incidents.get("/metrics")).text.splitlines()
        if line.startswith("incidents_declared_total{")
    ]
    assert any('exercise="true"' in line for line in declared_lines), declared_lines
    assert any('exercise="false"' in line for line in declared_lines), declared_lines


async def test_bad_cycles_are_refused_with_the_field_named(incidents: httpx.AsyncClient) -> None:
    _, protocol, _ = await cycle(incidents)
    base = {
        "protocol_id": protocol["id"],
        "environment": {"kind": "virtual_lab", "id": "x"},
        "cadence_days": 30,
        "first_at": soon(),
        "participants": [{"role": "scribe", "holder": "s@fr", "country_code": "FR"}],
    }
    for change, field in (
        ({"first_at": soon(-1)}, "first_at"),
        ({"environment": {"kind": "facility", "id": "x"}}, "environment.kind"),
        ({"protocol_id": str(uuid.uuid4())}, "protocol_id"),
        ({"cadence_days": 0}, "cadence_days"),
        ({"participants": []}, "participants"),
    ):
        refused = await incidents.post("/drill-cycles", json={**base, **change}, headers=ops(incidents, "FR"))
        assert refused.status_code == 422, (change, refused.text)
        assert refused.json()["errors"][0]["field"] == field, refused.json()


async def test_a_country_lists_the_drill_cycles_it_takes_part_in(incidents: httpx.AsyncClient) -> None:
    pid, _, created = await cycle(incidents)
    mine = await incidents.get("/drill-cycles", params={"partnership_id": pid}, headers=ops(incidents, "SN"))
    assert mine.status_code == 200, mine.text
    [listed] = mine.json()["items"]
    assert listed["id"] == created["id"] and [d["number"] for d in listed["drills"]] == [1]
    elsewhere = await incidents.get(
        "/drill-cycles", params={"partnership_id": pid}, headers=ops(incidents, "KE")
    )
    assert elsewhere.status_code == 200 and elsewhere.json()["items"] == []  # row-level security: not Kenya's
