"""End to end: a partnership co-designs a curriculum, its oversight body approves it, a cohort is scheduled
with seats shared from the partners' seat pledges, and the use of a shared facility reaches finance. Then an
incident in the lab: declared over HTTP, its response workflow escalates it (critical), each affected partner is
notified with what the handling code allows (on Kafka), the cohort in the lab is paused and resumed on
resolution; and a drill of the same protocol runs as an exercise (nothing paused), is debriefed, and its
finding about training arrives in training as a revision request.

Real processes (partners and training: API, relay, consumer) on the real PostgreSQL and Kafka. Nothing is
called across services: training's `curriculum_submitted` event makes the partners consumer open the decision,
the delegates vote over HTTP, and partners' `decision_closed` event makes the training consumer approve the
version; the partnership and the seat pledges reach training as partners events too.
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from tests.e2e.partnership_world import three_country_partnership
from tests.integration.test_training_competencies import PACKAGE
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


async def test_a_curriculum_approved_by_the_oversight_body_is_scheduled_with_pledged_seats(
    deployment: Deployment, process_logs: Path
) -> None:
    await deployment.create("partners", "training", "finance", "incidents")
    services = ("partners", "training", "finance", "incidents")
    ports = {service: free_port() for service in services}
    urls = {service: f"http://127.0.0.1:{port}" for service, port in ports.items()}
    processes = [
        serve_process(
            deployment,
            service,
            role,
            process_logs,
            **({"http_port": ports[service]} if role == "api" else {}),
            **({"uses_temporal": True} if service == "incidents" and role != "relay" else {}),
        )
        for service in services
        for role in ("api", "relay", "consumer")
    ]
    processes.append(
        ServiceProcess(
            "worker",
            [sys.executable, "-m", "workflows.worker"],
            deployment.env(
                "worker",
                partners_url=urls["partners"],
                training_url=urls["training"],
                incidents_url=urls["incidents"],
            ),
            process_logs,
        )
    )
    for process in processes:
        process.start()
    try:
        partners_url, training_url = (f"http://127.0.0.1:{ports[s]}" for s in ("partners", "training"))
        await wait_http_ok(f"{partners_url}/readyz", process=processes[0])
        await wait_http_ok(f"{training_url}/readyz", process=processes[3])
        finance_url = f"http://127.0.0.1:{ports['finance']}"
        await wait_http_ok(f"{finance_url}/readyz", process=processes[6])
        await wait_http_ok(f"{urls['incidents']}/readyz", process=processes[9])
        national = {code: deployment.national_headers(code) for code in ("FR", "SN", "BR")}
        async with (
            httpx.AsyncClient(base_url=partners_url, timeout=30) as partners,
            httpx.AsyncClient(base_url=training_url, timeout=30) as training,
        ):
            pid, agency, seat = await three_country_partnership(
                partners, national, name="Sahel-Atlantic evidence programme"
            )
            for code, seats in (("FR", "6"), ("SN", "3"), ("BR", "3")):
                pledged = await partners.post(
                    f"/partnerships/{pid}/commitments",
                    json={
                        "agency_id": agency[code],
                        "kind": "seats",
                        "amount": seats,
                        "starts_on": "2027-01-01",
                        "ends_on": "2031-12-31",
                        "signed_by": "NCU",
                    },
                    headers=national[code],
                )
                assert pledged.status_code == 201, pledged.text

            editor = national["FR"]
            assert deployment.issuer is not None
            standards = deployment.issuer.token("programme_coordinator", country="FR")
            imported = await training.post(
                "/competencies/case", json=PACKAGE, headers={"Authorization": f"Bearer {standards}"}
            )
            assert imported.status_code == 200, imported.text
            draft = {
                "partnership_id": pid,
                "agency_id": agency["FR"],
                "code": "evidence-101",
                "title": "Evidence handling for first responders",
                "language": "fr",
                "modules": [
                    {
                        "code": "m1",
                        "title": "Seizure",
                        "delivery_mode": "classroom",
                        "competencies": [{"code": "cf:chain-of-custody", "level": 2}],
                        "duration_minutes": 240,
                    }
                ],
            }

            async def started() -> dict[str, Any] | None:  # once training knows the partnership (its event)
                response = await training.post("/curricula", json=draft, headers=editor)
                return response.json() if response.status_code == 201 else None

            curriculum = await eventually(started, timeout=60, what="training learnt the partnership")
            url = f"/curricula/{curriculum['id']}"
            due = (datetime.now(UTC) + timedelta(days=5)).isoformat()
            submitted = await training.post(
                f"{url}/draft/submission", json={"decide_by": due}, headers=editor
            )
            assert submitted.status_code == 200, submitted.text

            async def decision() -> dict[str, Any] | None:
                listed = await partners.get(
                    f"/partnerships/{pid}/decisions", params={"kind": "curriculum_approval"}, headers=editor
                )
                items = listed.json()["items"]
                return items[0] if items else None

            opened = await eventually(decision, timeout=60, what="partners opened the approval decision")
            assert opened["subject"].startswith("training:curriculum-submission:")
            for code in ("SN", "BR"):
                token = deployment.issuer.token("oversight_member", country=code, subject=f"{code}-{pid}")
                voted = await partners.post(
                    f"/decisions/{opened['id']}/votes",
                    json={"member_id": seat[code], "choice": "approve"},
                    headers={"Authorization": f"Bearer {token}"},
                )
                assert voted.status_code == 201, voted.text

            async def approved() -> dict[str, Any] | None:
                got = (await training.get(url, headers=national["SN"])).json()
                return got if got["current_version"] == 1 else None

            await eventually(approved, timeout=60, what="training approved the version from the decision")

            async def scheduled() -> dict[str, Any] | None:  # once the pledges reached training too
                response = await training.post(
                    "/cohorts",
                    json={
                        "curriculum_version_id": submitted.json()["id"],
                        "organiser_agency_id": agency["FR"],
                        "capacity": 10,
                        "starts_at": "2027-03-01T08:00:00Z",
                        "ends_at": "2027-03-05T17:00:00Z",
                    },
                    headers=editor,
                )
                if response.status_code == 201 and sum(s["seats"] for s in response.json()["seats"]) == 10:
                    return response.json()  # type: ignore[no-any-return]
                return None

            cohort = await eventually(scheduled, timeout=60, what="cohort scheduled from the pledges")
            assert {s["country_code"]: s["seats"] for s in cohort["seats"]} == {"BR": 3, "FR": 5, "SN": 2}

            # Senegal's lab, shared with France, used by France: finance learns it from training's event.
            lab = await training.post(
                "/facilities",
                json={
                    "owner_agency_id": agency["SN"],
                    "name": "Dakar lab",
                    "kind": "virtual_lab",
                    "location": "Dakar",
                    "capacity": 20,
                    "time_zone": "Africa/Dakar",
                    "shared_with": ["FR"],
                },
                headers=national["SN"],
            )
            start = datetime.now(UTC) - timedelta(days=1)
            booking = await training.post(
                f"/facilities/{lab.json()['id']}/bookings",
                json={
                    "agency_id": agency["FR"],
                    "purpose": "Lab day",
                    "starts_at": start.isoformat(),
                    "ends_at": (start + timedelta(hours=6)).isoformat(),
                },
                headers=national["FR"],
            )
            used = await training.post(
                f"/bookings/{booking.json()['id']}/usage",
                json={"hours": "6", "attendees": 14},
                headers=national["FR"],
            )
            assert used.status_code == 200, used.text
            at_lab = await training.post(
                "/cohorts",
                json={
                    "curriculum_version_id": submitted.json()["id"],
                    "organiser_agency_id": agency["FR"],
                    "facility_id": lab.json()["id"],
                    "capacity": 6,
                    "starts_at": "2027-04-05T08:00:00Z",
                    "ends_at": "2027-04-09T17:00:00Z",
                },
                headers=editor,
            )
            assert at_lab.status_code == 201, at_lab.text
            await incident_and_drill(
                deployment,
                urls["incidents"],
                training,
                pid=pid,
                lab=lab.json()["id"],
                cohort=at_lab.json()["id"],
                curriculum=curriculum["id"],
            )

        async with httpx.AsyncClient(base_url=finance_url, timeout=30, headers=national["SN"]) as finance:

            async def charged() -> list[dict[str, Any]] | None:
                items: list[dict[str, Any]] = (await finance.get("/facility-usage")).json()["items"]
                return items or None

            usage = await eventually(charged, timeout=60, what="finance recorded the facility's use")
            assert [(u["booking_id"], u["hours"]) for u in usage] == [(booking.json()["id"], "6.00")]

        topic = deployment.topic("training.events.v1")
        wanted = {
            "training.curriculum_submitted.v1",
            "training.curriculum_approved.v1",
            "training.cohort_scheduled.v1",
        }
        records = await read_topic(
            deployment.endpoints,
            topic,
            until=lambda rs: wanted <= {header(r, "ce_type") for r in rs},
            timeout=60,
        )
        approved_event = next(r for r in records if header(r, "ce_type") == "training.curriculum_approved.v1")
        data = json.loads(approved_event.value)
        assert data["decision_id"] == opened["id"] and data["curriculum_id"] == curriculum["id"]
        assert header(approved_event, "ce_audience") == "BR,FR,SN"
    finally:
        for process in processes:
            process.stop()


STEPS = [
    {"code": "evacuate", "title": "Stop the lab sessions", "role": "technical_lead", "limit_minutes": 600},
    {"code": "brief", "title": "Brief the partners", "role": "liaison", "limit_minutes": 600},
]


async def incident_and_drill(
    deployment: Deployment,
    url: str,
    training: httpx.AsyncClient,
    *,
    pid: str,
    lab: str,
    cohort: str,
    curriculum: str,
) -> None:
    assert deployment.issuer is not None
    ops = {
        c: {
            "Authorization": f"Bearer {deployment.issuer.token('operations_staff', country=c, subject=f'ops@{c}')}"
        }
        for c in ("FR", "SN", "BR")
    }
    fr_ncu = deployment.national_headers("FR")
    async with httpx.AsyncClient(base_url=url, timeout=30) as incidents:

        async def protocol_created() -> dict[str, Any] | None:  # once incidents learnt the partnership
            response = await incidents.post(
                "/protocols",
                json={
                    "partnership_id": pid,
                    "kind": "cyber_intrusion",
                    "environment_kind": "virtual_lab",
                    "name": "Lab intrusion",
                    "roles": ["incident_commander", "liaison", "technical_lead"],
                    "steps": STEPS,
                    "on_call": [{"role": "incident_commander", "holder": "cmd@fr", "country_code": "FR"}],
                },
                headers=ops["FR"],
            )
            return response.json() if response.status_code == 201 else None

        protocol = await eventually(protocol_created, timeout=60, what="incidents learnt the partnership")
        await incidents.post(f"/protocols/{protocol['id']}/draft/review-request", headers=ops["FR"])
        approved = await incidents.post(f"/protocols/{protocol['id']}/draft/approval", headers=ops["SN"])
        assert approved.json()["current_version"] == 1, approved.text

        async def declared() -> dict[str, Any] | None:  # once incidents learnt the cohort in the lab
            response = await incidents.post(
                "/incidents",
                json={
                    "partnership_id": pid,
                    "environment": {"kind": "virtual_lab", "id": lab},
                    "kind": "cyber_intrusion",
                    "severity": "critical",
                    "description": "Ransomware on the lab's evidence share",
                    "handling_code": "countries:SN",
                    "affected_countries": ["SN", "BR"],
                },
                headers=ops["FR"],
            )
            if response.status_code == 422 and response.json()["code"] == "environment_unknown":
                return None
            assert response.status_code == 201, response.text
            return response.json()  # type: ignore[no-any-return]

        incident = (await eventually(declared, timeout=60, what="incidents learnt the lab"))["id"]

        async def paused() -> dict[str, Any] | None:
            got = (await training.get(f"/cohorts/{cohort}", headers=fr_ncu)).json()
            return got if got["status"] == "paused" else None

        await eventually(paused, timeout=60, what="training paused the cohort in the lab")

        async def escalated() -> list[str] | None:
            timeline = (await incidents.get(f"/incidents/{incident}/timeline", headers=ops["FR"])).json()[
                "items"
            ]
            whats = [t["what"] for t in timeline]
            return whats if "escalated" in whats else None

        await eventually(escalated, timeout=60, what="the response workflow escalated the critical incident")
        staffed = (await incidents.get(f"/incidents/{incident}", headers=ops["FR"])).json()
        assert [(r["role"], r["holder"]) for r in staffed["roles"]] == [("incident_commander", "cmd@fr")], (
            "the workflow assigned the protocol's on-call commander"
        )
        records = await read_topic(
            deployment.endpoints,
            deployment.topic("incidents.events.v1"),
            until=lambda rs: sum(header(r, "ce_type") == "incidents.partner_notified.v1" for r in rs) >= 4,
            timeout=60,
        )
        told = {
            (json.loads(r.value)["country_code"], json.loads(r.value)["reason"]): (
                header(r, "ce_audience"),
                json.loads(r.value)["description"],
            )
            for r in records
            if header(r, "ce_type") == "incidents.partner_notified.v1"
            and json.loads(r.value)["incident_id"] == incident
        }
        assert told[("SN", "declared")] == ("FR,SN", "Ransomware on the lab's evidence share")
        assert told[("BR", "declared")] == ("BR,FR", None), (
            "Brazil is affected but the code does not release details"
        )
        assert ("BR", "escalated") in told

        resolved = await incidents.post(
            f"/incidents/{incident}/resolution", json={"summary": "Lab rebuilt"}, headers=ops["FR"]
        )
        assert resolved.json()["status"] == "resolved"

        async def resumed() -> dict[str, Any] | None:
            got = (await training.get(f"/cohorts/{cohort}", headers=fr_ncu)).json()
            return got if got["status"] == "scheduled" else None

        await eventually(resumed, timeout=60, what="training resumed the cohort on resolution")

        cycle = await incidents.post(
            "/drill-cycles",
            json={
                "protocol_id": protocol["id"],
                "environment": {"kind": "virtual_lab", "id": lab},
                "cadence_days": 91,
                "notice_hours": 0,
                "first_at": (datetime.now(UTC) + timedelta(days=30)).isoformat(),
                "participants": [
                    {"role": "technical_lead", "holder": "tech@fr", "country_code": "FR"},
                    {"role": "liaison", "holder": "awa@sn", "country_code": "SN"},
                ],
            },
            headers=ops["FR"],
        )
        assert cycle.status_code == 201, cycle.text
        cycle_url = f"/drill-cycles/{cycle.json()['id']}"

        async def running() -> (
            dict[str, Any] | None
        ):  # the cycle's workflow started (from its event): trigger it
            await incidents.post(f"{cycle_url}/trigger", headers=ops["FR"])
            drill = (await incidents.get(cycle_url, headers=ops["FR"])).json()["drills"][0]
            return drill if drill["status"] == "running" else None

        drill = await eventually(running, timeout=60, what="the drill started on trigger")
        for step in STEPS:
            acked = await incidents.post(
                f"/incidents/{drill['incident_id']}/steps/{step['code']}/completion", headers=ops["FR"]
            )
            assert acked.status_code == 200, acked.text

        async def completed() -> dict[str, Any] | None:
            got = (await incidents.get(f"/drills/{drill['id']}", headers=ops["SN"])).json()
            return got if got["status"] == "completed" else None

        done = await eventually(completed, timeout=60, what="the workflow completed the acknowledged drill")
        assert [t["late"] for t in done["timings"]] == [False, False]
        assert (await training.get(f"/cohorts/{cohort}", headers=fr_ncu)).json()["status"] == "scheduled", (
            "a drill is an exercise: nothing is paused"
        )
        debriefed = await incidents.post(
            f"/drills/{drill['id']}/debrief",
            json={
                "expected": "Sessions stopped, partners briefed",
                "happened": "Liaison unsure what could be shared",
                "why": "Not in the curriculum",
                "change": "Teach evidence-sharing rules",
                "findings": [
                    {
                        "about": "training",
                        "summary": "Evidence-sharing rules not taught",
                        "rating": "major",
                        "curriculum_id": curriculum,
                        "countries": ["SN"],
                        "action": {
                            "title": "Add the module",
                            "owner": "awa@sn",
                            "owner_country_code": "SN",
                            "due_at": (datetime.now(UTC) + timedelta(days=30)).isoformat(),
                        },
                    }
                ],
            },
            headers=ops["FR"],
        )
        assert debriefed.status_code == 200, debriefed.text

        async def requested() -> list[dict[str, Any]] | None:
            found: list[dict[str, Any]] = (
                await training.get(f"/curricula/{curriculum}/revision-requests", headers=fr_ncu)
            ).json()["items"]
            return found or None

        revision = await eventually(requested, timeout=60, what="the finding reached training")
        assert [(r["request"], r["summary"]) for r in revision] == [
            ("curriculum_revision", "Evidence-sharing rules not taught")
        ]
