"""Incident protocols and incidents through the incidents API on its real database: four-eyes approval of
immutable protocol versions, declaration under the current version, the incident's life (triage, severity,
roles handed over, steps, resolution, closure) with its timeline and events, and notifications that tell each
affected partner only what the handling code releases to it."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from backbone.db import SYSTEM_TENANT, TENANT
from contracts.envelope import Event, decode, encode
from contracts.events.partners import PartnershipMemberV1, PartnershipRegisteredV1
from contracts.events.training import CohortScheduledV1
from services.incidents import __main__ as cli
from services.incidents.app import build_app
from services.incidents.handlers import subscription
from tests.integration.test_partner_relations_api import outbox_records
from tests.support import Deployment, acting, run_handler, service_client

STEPS = [
    {"code": "isolate", "title": "Isolate the lab network", "role": "technical_lead", "limit_minutes": 30},
    {"code": "notify", "title": "Brief the partners' liaisons", "role": "liaison", "limit_minutes": 60},
    {
        "code": "restore",
        "title": "Restore from a clean image",
        "role": "technical_lead",
        "limit_minutes": 240,
    },
]
ROLES = ["incident_commander", "scribe", "liaison", "technical_lead"]


@pytest.fixture
async def incidents(deployment: Deployment) -> AsyncIterator[httpx.AsyncClient]:
    async with service_client(deployment, "incidents", build_app) as client:
        yield client


async def deliver(api: httpx.AsyncClient, event: Event) -> None:
    await run_handler(api, subscription().handlers, encode(event, source="/tests", key="k"))


async def partnership(api: httpx.AsyncClient, *countries: str) -> str:
    pid = str(uuid.uuid4())
    await deliver(
        api,
        PartnershipRegisteredV1(
            partnership_id=pid,
            name="Cyber labs",
            phase="exercises",
            agreement_kind="mou",
            agreement_reference="MOU-9",
            agreement_starts_on=date(2026, 1, 1),
            agreement_ends_on=date(2030, 1, 1),
            members=[
                PartnershipMemberV1(
                    agency_id=str(uuid.uuid4()), country_code=c, role="lead" if i == 0 else "member"
                )
                for i, c in enumerate(countries)
            ],
            registered_at=datetime.now(UTC),
        ),
    )
    await deliver(api, cohort_at(pid, site_of(pid), organiser=countries[0]))
    return pid


def site_of(pid: str) -> str:
    """The lab of the partnership's one cohort (where its test incidents happen)."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"lab:{pid}"))


def cohort_at(pid: str, facility: str, *, organiser: str, cohort: str | None = None) -> CohortScheduledV1:
    """Training's news that the partnership runs a cohort at `facility`: incidents learn where it trains."""
    now = datetime.now(UTC)
    return CohortScheduledV1(
        cohort_id=cohort or str(uuid.uuid4()),
        partnership_id=pid,
        curriculum_id=str(uuid.uuid4()),
        curriculum_version=1,
        organiser_country_code=organiser,
        facility_id=facility,
        starts_at=now,
        ends_at=now,
        language="fr",
        seats=[],
        scheduled_at=now,
    )


def ops(api: httpx.AsyncClient, country: str, who: str = "ops") -> dict[str, str]:
    return acting(api, "operations_staff", country=country, subject=f"{who}@{country.lower()}")


async def approved_protocol(api: httpx.AsyncClient, pid: str, **extra: Any) -> dict[str, Any]:
    created = await api.post(
        "/protocols",
        json={
            "partnership_id": pid,
            "kind": "cyber_intrusion",
            "environment_kind": "virtual_lab",
            "name": "Virtual lab intrusion",
            "roles": ROLES,
            "steps": STEPS,
            "escalation": {"late_step_grace_minutes": 5, "severity_at_least": "high"},
            **extra,
        },
        headers=ops(api, "FR", "author"),
    )
    assert created.status_code == 201, created.text
    url = f"/protocols/{created.json()['id']}"
    assert (
        await api.post(f"{url}/draft/review-request", headers=ops(api, "FR", "author"))
    ).status_code == 200
    approved = await api.post(f"{url}/draft/approval", headers=ops(api, "SN", "reviewer"))
    assert approved.status_code == 200, approved.text
    return approved.json()  # type: ignore[no-any-return]


def declaration(pid: str, **extra: Any) -> dict[str, Any]:
    return {
        "partnership_id": pid,
        "environment": {"kind": "virtual_lab", "id": site_of(pid)},
        "kind": "cyber_intrusion",
        "severity": "moderate",
        "description": "Unknown host scanning the lab's evidence server",
        "handling_code": "countries:SN",
        "affected_countries": ["SN", "BR"],
        **extra,
    }


async def test_a_protocol_created_again_under_its_idempotency_key_answers_the_same(
    incidents: httpx.AsyncClient,
) -> None:
    """A client whose answer was lost sends the request again: it gets the protocol it created, not a
    `protocol_exists` that hides its id (found by `make chaos`, which retries every write)."""
    pid = await partnership(incidents, "FR", "SN")
    body = {
        "partnership_id": pid,
        "kind": "safety_threat",
        "environment_kind": "facility",
        "name": "Range threat",
        "roles": ROLES,
        "steps": STEPS,
    }
    key = {**ops(incidents, "FR", "author"), "Idempotency-Key": f"protocol-{uuid.uuid4()}"}
    first = await incidents.post("/protocols", json=body, headers=key)
    again = await incidents.post("/protocols", json=body, headers=key)
    assert (first.status_code, again.status_code) == (201, 201), again.text
    assert again.json() == first.json() and again.headers["Idempotent-Replayed"] == "true"
    other = await incidents.post("/protocols", json=body, headers=ops(incidents, "FR", "author"))
    assert (other.status_code, other.json()["code"]) == (409, "protocol_exists")
    reused = await incidents.post("/protocols", json={**body, "name": "Other name"}, headers=key)
    assert (reused.status_code, reused.json()["code"]) == (422, "idempotency_key_reused"), reused.text
    listed = await incidents.get("/protocols", params={"partnership_id": pid}, headers=ops(incidents, "FR"))
    assert [p["id"] for p in listed.json()["items"]] == [first.json()["id"]]


async def test_a_protocol_version_is_approved_by_another_person_and_then_never_changes(
    incidents: httpx.AsyncClient,
) -> None:
    pid = await partnership(incidents, "FR", "SN", "BR")
    created = await incidents.post(
        "/protocols",
        json={
            "partnership_id": pid,
            "kind": "onsite_emergency",
            "environment_kind": "facility",
            "name": "Range emergency",
            "roles": ROLES,
            "steps": STEPS,
        },
        headers=ops(incidents, "FR", "author"),
    )
    url = f"/protocols/{created.json()['id']}"
    early = await incidents.post(f"{url}/draft/approval", headers=ops(incidents, "SN", "reviewer"))
    assert (early.status_code, early.json()["code"]) == (409, "no_in_review")
    await incidents.post(f"{url}/draft/review-request", headers=ops(incidents, "FR", "author"))
    own = await incidents.post(f"{url}/draft/approval", headers=ops(incidents, "FR", "author"))
    assert (own.status_code, own.json()["code"]) == (409, "four_eyes")
    back = await incidents.post(
        f"{url}/draft/rejection", json={"note": "Add a scribe step"}, headers=ops(incidents, "SN", "reviewer")
    )
    assert back.json()["versions"][0]["status"] == "draft"
    await incidents.post(f"{url}/draft/review-request", headers=ops(incidents, "FR", "author"))
    approved = await incidents.post(f"{url}/draft/approval", headers=ops(incidents, "SN", "reviewer"))
    assert (
        approved.json()["current_version"] == 1
        and approved.json()["versions"][0]["reviewer"] == "reviewer@sn"
    )
    assert len(await outbox_records(incidents, "incidents.protocol_version_approved.v1")) == 1

    token = TENANT.set(SYSTEM_TENANT)
    try:
        with pytest.raises(DBAPIError, match="immutable"):
            async with incidents.app.state.runtime.engine.begin() as conn:  # type: ignore[attr-defined]
                await conn.execute(
                    text("UPDATE protocol_versions SET steps = '[]' WHERE protocol_id = :id"),
                    {"id": created.json()["id"]},
                )
    finally:
        TENANT.reset(token)
    revision = await incidents.post(
        f"{url}/revisions",
        json={"reason": "Drill showed step 2 too slow"},
        headers=ops(incidents, "FR", "author"),
    )
    assert [v["status"] for v in revision.json()["versions"]] == ["approved", "draft"]
    changed = [{**s, "limit_minutes": 20} if s["code"] == "notify" else s for s in STEPS]
    edited = await incidents.put(
        f"{url}/draft", json={"roles": ROLES, "steps": changed}, headers=ops(incidents, "SN", "editor")
    )
    assert edited.status_code == 200, edited.text
    await incidents.post(f"{url}/draft/review-request", headers=ops(incidents, "SN", "editor"))
    second = await incidents.post(f"{url}/draft/approval", headers=ops(incidents, "FR", "author"))
    assert second.json()["current_version"] == 2
    assert [v["status"] for v in second.json()["versions"]] == ["superseded", "approved"]
    assert (await incidents.get(url, headers=ops(incidents, "GH"))).status_code == 404
    bad = await incidents.post(
        "/protocols",
        json={
            "partnership_id": pid,
            "kind": "safety_threat",
            "environment_kind": "cohort",
            "name": "x" * 5,
            "roles": ["scribe"],
            "steps": STEPS,
        },
        headers=ops(incidents, "FR"),
    )
    assert bad.status_code == 422 and "roles the protocol does not have" in bad.text


async def test_an_incident_declared_again_under_its_idempotency_key_is_declared_once(
    incidents: httpx.AsyncClient,
) -> None:
    """A retry after a lost answer must not open a second incident, and so start a second response."""
    pid = await partnership(incidents, "FR", "SN", "BR")
    await approved_protocol(incidents, pid)
    key = {**ops(incidents, "FR"), "Idempotency-Key": f"declare-{uuid.uuid4()}"}
    first = await incidents.post("/incidents", json=declaration(pid), headers=key)
    again = await incidents.post("/incidents", json=declaration(pid), headers=key)
    assert (first.status_code, again.status_code) == (201, 201), again.text
    assert again.json()["id"] == first.json()["id"] and again.headers["Idempotent-Replayed"] == "true"
    declared = [
        decode(r.headers, r.key, r.value).data["incident_id"]
        for r in await outbox_records(incidents, "incidents.incident_declared.v1")
    ]
    assert declared.count(first.json()["id"]) == 1 and len(declared) == 1


async def test_an_incident_is_worked_to_closure_and_partners_are_told_what_they_may_know(
    incidents: httpx.AsyncClient,
) -> None:
    pid = await partnership(incidents, "FR", "SN", "BR", "GH")
    none_yet = await incidents.post("/incidents", json=declaration(pid), headers=ops(incidents, "FR"))
    assert (none_yet.status_code, none_yet.json()["errors"][0]["field"]) == (422, "kind")
    await approved_protocol(incidents, pid)
    declared = await incidents.post("/incidents", json=declaration(pid), headers=ops(incidents, "FR"))
    assert declared.status_code == 201, declared.text
    incident = declared.json()
    url = f"/incidents/{incident['id']}"
    assert [s["code"] for s in incident["steps"]] == ["isolate", "notify", "restore"]
    seen = {
        c: (await incidents.get(url, headers=ops(incidents, c))).status_code for c in ("FR", "SN", "BR", "GH")
    }
    assert seen == {"FR": 200, "SN": 200, "BR": 404, "GH": 404}, (
        "the handling code releases it to Senegal only"
    )

    told = {
        c: (await incidents.get("/notifications", headers=ops(incidents, c))).json()["items"]
        for c in ("SN", "BR", "GH")
    }
    assert told["SN"][0]["details_released"] and told["SN"][0]["content"]["description"].startswith(
        "Unknown host"
    )
    assert not told["BR"][0]["details_released"] and told["BR"][0]["content"]["description"] is None
    assert told["BR"][0]["content"]["contact_country_code"] == "FR" and told["GH"] == []
    notified = [
        decode(r.headers, r.key, r.value)
        for r in await outbox_records(incidents, "incidents.partner_notified.v1")
    ]
    assert {
        (e.data["country_code"], e.extensions["audience"], e.data["description"] is None) for e in notified
    } == {
        ("SN", "FR,SN", False),
        ("BR", "BR,FR", True),
    }

    fr = ops(incidents, "FR")
    assert (await incidents.post(f"{url}/closure", headers=fr)).json()["code"] == "not_resolved"
    triaged = await incidents.post(
        f"{url}/triage", json={"severity": "high", "note": "Evidence server touched"}, headers=fr
    )
    assert (triaged.json()["status"], triaged.json()["severity"]) == ("triaged", "high")
    assert (await incidents.post(f"{url}/triage", json={}, headers=fr)).json()["code"] == "already_triaged"
    await incidents.post(
        f"{url}/roles",
        json={"role": "incident_commander", "holder": "anne@fr", "country_code": "FR"},
        headers=fr,
    )
    handed = await incidents.post(
        f"{url}/roles",
        json={"role": "incident_commander", "holder": "awa@sn", "country_code": "SN"},
        headers=fr,
    )
    commanders = [r for r in handed.json()["roles"] if r["role"] == "incident_commander"]
    assert [(r["holder"], r["ended_at"] is None) for r in commanders] == [
        ("anne@fr", False),
        ("awa@sn", True),
    ]
    unknown_role = await incidents.post(
        f"{url}/roles", json={"role": "mascot", "holder": "x", "country_code": "FR"}, headers=fr
    )
    assert unknown_role.status_code == 422
    done = await incidents.post(f"{url}/steps/isolate/completion", json={"note": "VLAN cut"}, headers=fr)
    step = next(s for s in done.json()["steps"] if s["code"] == "isolate")
    assert step["completed_by"] == "ops@fr" and step["late"] is False and step["minutes_taken"] == 0
    assert (await incidents.post(f"{url}/steps/nope/completion", headers=fr)).status_code == 404
    assert (
        await incidents.post(
            f"{url}/severity", json={"severity": "critical", "reason": "Data copied"}, headers=fr
        )
    ).json()["severity"] == "critical"
    resolved = await incidents.post(
        f"{url}/resolution", json={"summary": "Contained; lab rebuilt"}, headers=fr
    )
    assert resolved.json()["status"] == "resolved"
    late = await incidents.post(f"{url}/severity", json={"severity": "low", "reason": "x" * 5}, headers=fr)
    assert (late.status_code, late.json()["code"]) == (409, "incident_over")
    closed = await incidents.post(f"{url}/closure", headers=fr)
    assert closed.json()["status"] == "closed"
    timeline = [
        t["what"]
        for t in (await incidents.get(f"{url}/timeline", headers=ops(incidents, "SN"))).json()["items"]
    ]
    assert timeline == [
        "declared",
        "notified",
        "triaged",
        "role_assigned",
        "role_assigned",
        "step_completed",
        "severity_changed",
        "resolved",
        "notified",
        "closed",
    ]
    changes = [
        decode(r.headers, r.key, r.value).data
        for r in await outbox_records(incidents, "incidents.incident_changed.v1")
    ]
    assert [c["change"] for c in changes] == [
        "triaged",
        "role_assigned",
        "role_assigned",
        "step_completed",
        "severity_changed",
    ]
    assert all(c["exercise"] is False for c in changes)
    assert len(await outbox_records(incidents, "incidents.incident_closed.v1")) == 1
    board = (
        await incidents.get("/incidents", params={"partnership_id": pid}, headers=ops(incidents, "BR"))
    ).json()
    assert board["items"] == [], "Brazil was notified, not released the incident"
    listed = (
        await incidents.get("/incidents", params={"status": "closed"}, headers=ops(incidents, "SN"))
    ).json()
    assert incident["id"] in [i["id"] for i in listed["items"]]
    protocols_seen = await incidents.get(
        "/protocols", params={"partnership_id": pid}, headers=ops(incidents, "GH")
    )
    assert [p["kind"] for p in protocols_seen.json()["items"]] == ["cyber_intrusion"]

    workflows = incidents.deployment.issuer.workflow_headers()  # type: ignore[attr-defined]
    second = (
        await incidents.post("/incidents", json=declaration(pid, handling_code="partnership"), headers=fr)
    ).json()
    escalation = f"/internal/incidents/{second['id']}/escalations"
    key = {"Idempotency-Key": f"incident-response-{second['id']}:escalate:step_late:isolate"}
    for _ in range(2):
        answered = await incidents.post(
            escalation,
            json={"reason": "step_late:isolate", "step_code": "isolate"},
            headers={**workflows, **key},
        )
        assert answered.status_code == 200, answered.text
    escalated = [
        c
        for c in (
            decode(r.headers, r.key, r.value).data
            for r in await outbox_records(incidents, "incidents.incident_changed.v1")
        )
        if c["incident_id"] == second["id"] and c["change"] == "escalated"
    ]
    assert len(escalated) == 1, "a retried escalation is applied once"
    assert (await incidents.post(escalation, json={"reason": "x" * 4}, headers=fr)).status_code == 403
    on_call = {"assignments": [{"role": "scribe", "holder": "sam@fr", "country_code": "FR"}]}
    roles_url = f"/internal/incidents/{second['id']}/roles"
    for _ in range(2):
        staffed = await incidents.post(
            roles_url, json=on_call, headers={**workflows, "Idempotency-Key": f"r-{second['id']}"}
        )
        assert staffed.status_code == 200, staffed.text
    assert [(r["role"], r["holder"]) for r in staffed.json()["roles"]] == [("scribe", "sam@fr")]
    ghana = await incidents.get(f"/incidents/{second['id']}", headers=ops(incidents, "GH"))
    assert ghana.status_code == 200, "a partnership-coded incident is seen by every member"


async def test_the_command_line_declares_and_resolves(
    incidents: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    pid = await partnership(incidents, "FR", "SN")
    await approved_protocol(incidents, pid)
    token = incidents.deployment.issuer.token("operations_staff", country="FR", subject="cli@fr")  # type: ignore[attr-defined]
    monkeypatch.setenv("INCIDENTS_TOKEN", token)
    transport = httpx.ASGITransport(app=incidents.app)  # type: ignore[attr-defined]
    argv = [
        "--url",
        "http://incidents",
        "declare",
        "--partnership",
        pid,
        "--kind",
        "cyber_intrusion",
        "--severity",
        "low",
        "--environment-kind",
        "virtual_lab",
        "--environment-id",
        site_of(pid),
        "--description",
        "Phishing mail in the lab",
        "--affected",
        "SN",
    ]
    assert await cli.run(argv, transport=transport) == 0
    declared = __import__("json").loads(capsys.readouterr().out)
    assert declared["status"] == "declared" and declared["affected_countries"] == ["SN"]
    assert (
        await cli.run(
            ["--url", "http://incidents", "resolve", declared["id"], "--summary", "False alarm"],
            transport=transport,
        )
        == 0
    )
    capsys.readouterr()
    assert (
        await cli.run(
            ["--url", "http://incidents", "declare", *argv[3:-2], "--affected", "SENEGAL"],
            transport=transport,
        )
        == 1
    )
    assert "not_a_country" in capsys.readouterr().err
