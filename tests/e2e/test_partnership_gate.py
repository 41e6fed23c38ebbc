"""End to end: three countries form a partnership, map their capacities, vote the first gate, and move on.

Real processes (partners API and relay, the Temporal worker) on the real PostgreSQL, Kafka and Temporal. Votes
go over HTTP to the onboarding workflow as Updates; the workflow records them and advances the phase through
the partners API; the phase change reaches Kafka as a CloudEvent. The gate opens because the partners service's
consumer saw every member agency's capacity profile recorded (events), not because anyone told it to.
"""

from __future__ import annotations

import asyncio
import json
import sys
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter

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
from workflows.decision_deadline.shared import decision_deadline_workflow_id
from workflows.decision_deadline.workflow import DecisionDeadlineWorkflow

AGREEMENT = {
    "kind": "treaty",
    "reference": "TREATY-2026-7",
    "signed_on": "2026-09-01",
    "starts_on": "2026-10-01",
    "ends_on": "2030-09-30",
}


async def test_a_gate_voted_over_http_advances_the_phase_and_announces_it(
    deployment: Deployment,
    process_logs: Path,
) -> None:
    await deployment.create("partners")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    processes = [
        serve_process(deployment, "partners", "api", process_logs, http_port=port),
        serve_process(deployment, "partners", "relay", process_logs),
        serve_process(deployment, "partners", "consumer", process_logs),
        ServiceProcess(
            "worker",
            [sys.executable, "-m", "workflows.worker"],
            deployment.env("worker", partners_url=url),
            process_logs,
        ),
    ]
    for process in processes:
        process.start()
    try:
        await wait_http_ok(f"{url}/readyz", process=processes[0])
        # France's coordinator leads; every country registers its own agency and appoints its own delegate.
        national = {code: deployment.national_headers(code) for code in ("FR", "SN", "BR", "GH")}
        async with httpx.AsyncClient(base_url=url, timeout=30, headers=national["FR"]) as http:
            agencies = []
            country_of: dict[str, str] = {}
            for code, country, name in (
                ("FR", "France", "Police nationale"),
                ("SN", "Senegal", "Police nationale"),
                ("BR", "Brazil", "Polícia Federal"),
            ):
                created = await http.post(
                    "/agencies",
                    json={"country": {"code": code, "name": country}, "name": name, "agency_type": "police"},
                    headers=national[code],
                )
                agencies.append(created.json()["id"])
                country_of[created.json()["id"]] = code
            partnership = (
                await http.post(
                    "/partnerships",
                    json={
                        "name": "Atlantic evidence-handling partnership",
                        "agreement": AGREEMENT,
                        "voting_rule": {"kind": "members", "approvals_needed": 2},
                        "members": [
                            {"agency_id": agencies[0], "role": "lead"},
                            {"agency_id": agencies[1], "role": "host"},
                            {"agency_id": agencies[2], "role": "member"},
                        ],
                    },
                )
            ).json()
            pid = partnership["id"]
            body: dict[str, str] = {}
            seat: dict[str, dict[str, str]] = {}  # each delegate's own token: only they vote in their seat
            for code, role, veto in (
                ("FR", "diplomat", True),
                ("SN", "justice_ministry_representative", False),
                ("BR", "senior_police_official", False),
            ):
                added = await http.post(
                    f"/partnerships/{pid}/oversight-members",
                    json={
                        "name": f"{code} delegate",
                        "country_code": code,
                        "role": role,
                        "holds_veto": veto,
                        "subject": f"{code.lower()}-delegate-{pid}",
                    },
                    headers=national[code],
                )
                body[code] = added.json()["id"]
                assert deployment.issuer is not None
                token = deployment.issuer.token(
                    "oversight_member", country=code, subject=f"{code.lower()}-delegate-{pid}"
                )
                seat[code] = {"Authorization": f"Bearer {token}"}

            started = await http.post(f"/partnerships/{pid}/onboarding", json={})
            assert started.status_code == 202, started.text
            assert started.json()["status"]["phase"] == "familiarization"
            bad = await http.post(f"/partnerships/{pid}/onboarding/criteria", json={"criterion": "vibes"})
            assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "criterion"
            # Amended mid-phase: Ghana joins, so its agency must be mapped too before the gate opens.
            ghana = (
                await http.post(
                    "/agencies",
                    json={"country": {"code": "GH", "name": "Ghana"}, "name": "GPS", "agency_type": "police"},
                    headers=national["GH"],
                )
            ).json()["id"]
            country_of[ghana] = "GH"
            amended = await http.post(
                f"/partnerships/{pid}/onboarding/amendments",
                json={"agency_id": ghana, "role": "member", "reason": "joins the maritime module"},
            )
            assert amended.status_code == 200, amended.text
            assert [a["country_code"] for a in amended.json()["status"]["amendments"]] == ["GH"]
            twice = await http.post(
                f"/partnerships/{pid}/onboarding/amendments", json={"agency_id": ghana, "role": "host"}
            )
            assert twice.status_code == 409 and twice.json()["code"] == "already_a_member", twice.text
            unknown = await http.post(
                f"/partnerships/{pid}/onboarding/amendments",
                json={"agency_id": str(uuid.uuid4()), "role": "host"},
            )
            assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "agency_id", (
                unknown.text
            )
            # Mapping every member agency's capacities is the first gate's criterion: learnt from the events.
            for agency_id in [*agencies, ghana]:
                if agency_id == ghana:  # the others are mapped and handled by now, Ghana is not: still closed
                    await asyncio.sleep(3)
                status = (await http.get(f"/partnerships/{pid}/onboarding")).json()["status"]
                assert status["open_decision"] is None and not status["criteria"]["capacity_profiles_mapped"]
                mapped = await http.post(
                    f"/agencies/{agency_id}/capacity-profiles",
                    json={"competency": "chain_of_custody", "current_level": 2, "target_level": 4},
                    headers=national[country_of[agency_id]],
                )
                assert mapped.status_code == 201 and mapped.json()["gap"] == 2, mapped.text

            async def open_decision() -> dict[str, Any] | None:
                status = (await http.get(f"/partnerships/{pid}/onboarding")).json()["status"]
                return status["open_decision"]  # type: ignore[no-any-return]

            decision = await eventually(open_decision, timeout=60, what="gate decision opened")
            votes = f"/decisions/{decision['decision_id']}/votes"

            first = await http.post(
                votes, json={"member_id": body["SN"], "choice": "approve"}, headers=seat["SN"]
            )
            assert first.status_code == 201, first.text
            stranger = await http.post(
                votes, json={"member_id": body["FR"], "choice": "approve"}, headers=seat["SN"]
            )
            assert stranger.status_code == 403 and stranger.json()["code"] == "not_your_seat", stranger.text
            assert stranger.headers["content-type"] == "application/problem+json"
            again = await http.post(
                votes, json={"member_id": body["SN"], "choice": "approve"}, headers=seat["SN"]
            )
            assert again.status_code == 409 and again.json()["code"] == "already_voted"
            await http.post(votes, json={"member_id": body["BR"], "choice": "approve"}, headers=seat["BR"])
            last = await http.post(
                votes, json={"member_id": body["FR"], "choice": "abstain"}, headers=seat["FR"]
            )
            assert last.json()["outcome"] == "approved"

            async def advanced() -> dict[str, Any] | None:
                got = (await http.get(f"/partnerships/{pid}")).json()
                return got if got["phase"] == "co_design" else None

            await eventually(advanced, timeout=60, what="phase advanced by the workflow")
            # The co-design gate's criterion is an approved curriculum decision, learnt from its event.
            curriculum = (
                await http.post(
                    f"/partnerships/{pid}/decisions",
                    json={
                        "kind": "curriculum_approval",
                        "title": "Approve the evidence-handling curriculum v1",
                        "due_at": (datetime.now(UTC) + timedelta(days=7)).isoformat(),
                    },
                )
            ).json()
            for code in ("FR", "SN", "BR"):
                await http.post(
                    f"/decisions/{curriculum['id']}/votes",
                    json={"member_id": body[code], "choice": "approve"},
                    headers=seat[code],
                )

            async def co_design_gate() -> dict[str, Any] | None:
                status = (await http.get(f"/partnerships/{pid}/onboarding")).json()["status"]
                return status["open_decision"] if status["phase"] == "co_design" else None

            gate = await eventually(
                co_design_gate, timeout=60, what="co-design gate opened by the curriculum"
            )
            assert gate["decision_id"] != decision["decision_id"]
            # The curriculum decision had its own timekeeper (started from its event), stopped by its closing.
            temporal = await Client.connect(
                deployment.endpoints.temporal_address, data_converter=pydantic_data_converter
            )
            timekeeper = temporal.get_workflow_handle_for(
                DecisionDeadlineWorkflow.run, decision_deadline_workflow_id(curriculum["id"])
            )
            stopped = await timekeeper.result()
            assert stopped.closed_by == "votes" and stopped.outcome == "approved"
            running = (
                await http.get(
                    "/workflows",
                    params={"type": "PartnershipOnboardingWorkflow"},
                    headers=deployment.operator_headers(),
                )
            ).json()["items"]
            assert any(w["workflow_id"].endswith(pid) for w in running)
            await http.post(f"/partnerships/{pid}/onboarding/withdrawal", json={"reason": "end of test"})

        records = await read_topic(
            deployment.endpoints,
            deployment.topic("partners.events.v1"),
            until=lambda r: any(header(x, "ce_type") == "partners.partnership_phase_advanced.v1" for x in r),
            timeout=60,
        )
        mine = [r for r in records if r.key == pid.encode()]
        types = [header(r, "ce_type") for r in mine]
        advanced_at = types.index("partners.partnership_phase_advanced.v1")
        assert types[:advanced_at].count("partners.vote_cast.v1") == 3, "refused votes were never recorded"
        assert types.count("partners.partnership_member_added.v1") == 1
        change = json.loads(mine[advanced_at].value)
        assert change["from_phase"] == "familiarization" and change["to_phase"] == "co_design"
        # Then the curriculum decision (approved by France, the veto holder, and Senegal: closed at quorum, so
        # Brazil's late vote was refused) and the co-design gate it unlocked.
        assert types[advanced_at + 1 :] == [
            "partners.decision_opened.v1",
            "partners.vote_cast.v1",
            "partners.vote_cast.v1",
            "partners.decision_closed.v1",
            "partners.decision_opened.v1",
        ]
    finally:
        for process in processes:
            process.stop()
