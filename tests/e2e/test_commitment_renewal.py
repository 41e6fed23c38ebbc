"""End to end: a pledge starts its renewal by itself, the partner revises it over HTTP, the outcome reaches Kafka.

Real processes (partners API, relay and consumer, the Temporal worker) on the real PostgreSQL, Kafka and
Temporal. Nobody starts the renewal workflow by hand: the consumer does when the commitment's event arrives.
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

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

AGREEMENT = {"kind": "mou", "reference": "MOU-2026-31", "signed_on": "2026-06-01", "starts_on": "2026-07-01"}
# Asked at once (the commitment expires in a month, the question goes out 90 days before expiry).
TIMERS = {
    "ask_before_expiry_seconds": 90 * 86400,
    "remind_after_seconds": 7 * 86400,
    "escalate_before_expiry_seconds": 3 * 86400,
}


async def test_a_commitment_is_asked_revised_over_http_renegotiated_and_announced(
    deployment: Deployment, process_logs: Path
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
    today = datetime.now(UTC).date()
    try:
        await wait_http_ok(f"{url}/readyz", process=processes[0])
        # Ghana's coordinator leads; Côte d'Ivoire's signs and answers for its own pledge.
        ivorian = deployment.national_headers("CI")
        async with httpx.AsyncClient(
            base_url=url, timeout=30, headers=deployment.national_headers("GH")
        ) as http:
            gh, ci = [
                (
                    await http.post(
                        "/agencies",
                        json={
                            "country": {"code": code, "name": name},
                            "name": agency,
                            "agency_type": "police",
                        },
                        headers=deployment.national_headers(code),
                    )
                ).json()["id"]
                for code, name, agency in (
                    ("GH", "Ghana", "Ghana Police Service"),
                    ("CI", "Côte d'Ivoire", "DGPN"),
                )
            ]
            partnership = await http.post(
                "/partnerships",
                json={
                    "name": "Gulf of Guinea maritime evidence partnership",
                    "agreement": {**AGREEMENT, "ends_on": str(today + timedelta(days=800))},
                    "voting_rule": {"kind": "countries", "country_share": 0.5},
                    "members": [{"agency_id": gh, "role": "lead"}, {"agency_id": ci, "role": "host"}],
                },
            )
            pid = partnership.json()["id"]
            pledge = await http.post(
                f"/partnerships/{pid}/commitments",
                json={
                    "agency_id": ci,
                    "kind": "seats",
                    "amount": "12",
                    "starts_on": str(today - timedelta(days=335)),
                    "ends_on": str(today + timedelta(days=30)),
                    "signed_by": "NCU Côte d'Ivoire",
                    "renewal_timers": TIMERS,
                },
                headers={"Idempotency-Key": f"pledge-{pid}", **ivorian},
            )
            assert pledge.status_code == 201, pledge.text
            cid = pledge.json()["id"]
            assert pledge.json()["status"] == "active" and pledge.json()["unit"] == "seats"

            async def asked() -> dict[str, Any] | None:
                got = await http.get(f"/commitments/{cid}/renewal")
                if got.status_code != 200 or got.json()["status"]["state"] != "awaiting_response":
                    return None
                return got.json()  # type: ignore[no-any-return]

            renewal = await eventually(
                asked, timeout=60, what="renewal started by the consumer, partner asked"
            )
            assert renewal["workflow_id"] == f"commitment-renewal-{cid}"
            assert (await http.get(f"/commitments/{cid}")).json()["status"] == "renewal_pending"
            running = (
                await http.get(
                    "/workflows",
                    params={"type": "CommitmentRenewalWorkflow"},
                    # Ghana's operations staff: a country's operators follow its partnerships' workflows.
                    headers=deployment.operator_headers("GH"),
                )
            ).json()["items"]
            mine = next(w for w in running if w["workflow_id"] == renewal["workflow_id"])
            assert mine["state"]["state"] == "awaiting_response"

            response = f"/commitments/{cid}/renewal/response"
            foreign = await http.post(
                response,
                headers=ivorian,
                json={"agency_id": gh, "responded_by": "NCU Ghana", "answer": "reaffirm"},
            )
            assert foreign.status_code == 422 and foreign.json()["code"] == "not_the_partner", foreign.text
            assert foreign.json()["errors"][0]["field"] == "agency_id"
            empty_revision = await http.post(
                response,
                headers=ivorian,
                json={"agency_id": ci, "responded_by": "NCU CI", "answer": "revise"},
            )
            assert empty_revision.status_code == 422
            assert empty_revision.headers["content-type"] == "application/problem+json"
            revised = await http.post(
                response,
                headers=ivorian,
                json={
                    "agency_id": ci,
                    "responded_by": "NCU Côte d'Ivoire",
                    "answer": "revise",
                    "amount": "8",
                    "priorities": "Maritime boarding drills first",
                },
            )
            assert revised.status_code == 200, revised.text
            status = revised.json()["status"]
            assert status["state"] == "concluded" and status["outcome"] == "renegotiated"
            successor_id = status["new_commitment_id"]

            old = (await http.get(f"/commitments/{cid}")).json()
            assert old["status"] == "renegotiated" and old["renewed_by_id"] == successor_id
            successor = (await http.get(f"/commitments/{successor_id}")).json()
            assert successor["status"] == "active" and successor["amount"] == "8.00"
            assert successor["renews_id"] == cid and successor["starts_on"] == str(today + timedelta(days=31))
            assert successor["priorities"] == "Maritime boarding drills first"

            late = await http.post(
                response,
                headers=ivorian,
                json={"agency_id": ci, "responded_by": "NCU CI", "answer": "reaffirm"},
            )
            assert late.status_code == 409 and late.json()["code"] == "renewal_concluded", late.text
            again = await http.post(f"/commitments/{cid}/renewal")
            assert again.status_code == 202 and again.json()["status"]["outcome"] == "renegotiated"

            async def successor_asked() -> dict[str, Any] | None:
                got = await http.get(f"/commitments/{successor_id}/renewal")
                return got.json() if got.status_code == 200 else None

            chained = await eventually(successor_asked, timeout=60, what="the successor's own renewal")
            assert chained["status"]["state"] in ("scheduled", "awaiting_response")
            listed = (await http.get(f"/partnerships/{pid}/commitments", params={"status": "active"})).json()
            assert [c["id"] for c in listed["items"]] == [successor_id]

        records = await read_topic(
            deployment.endpoints,
            deployment.topic("partners.events.v1"),
            until=lambda r: any(
                header(x, "ce_type") == "partners.commitment_renewal_concluded.v1" for x in r
            ),
            timeout=60,
        )
        by_type = {header(r, "ce_type"): json.loads(r.value) for r in records if r.key == cid.encode()}
        assert by_type["partners.commitment_renewal_requested.v1"]["agency_id"] == ci
        concluded = by_type["partners.commitment_renewal_concluded.v1"]
        assert concluded["outcome"] == "renegotiated" and concluded["new_commitment_id"] == successor_id
        assert concluded["previous_amount"] == "12.00" and concluded["new_amount"] == "8.00"
    finally:
        for process in processes:
            process.stop()
