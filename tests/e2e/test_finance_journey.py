"""End to end: a partnership's budget is adopted by its oversight body's vote, the contributions are computed
from the partners' capacity and fall due, a partner pays, a results-gated tranche is reserved by its workflow
and released when a national system reports a measurement of its indicator over its own inbound topic to the
assessment service (its event reaching finance over Kafka; the public report shows it), a facility use and a stipend
reported by training are spent, and the partnership's IATI 2.03 file validates.

Real processes (partners, finance and assessment: API, relay, consumer; the workflows' worker) on the real PostgreSQL,
Kafka and Temporal. Nothing is called across services: finance's `budget_proposed` makes the partners consumer
open the decision, partners' `decision_closed` makes the finance consumer adopt the budget, the partnership
reaches finance and assessment as partners' event, and the measurement reaches finance as assessment's
`assessment.indicator_measured.v1`.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
from lxml import etree

from backbone.feed.subscribers import Subscriber
from backbone.kafka import ensure_topics
from contracts.events.training import FacilityUsedV1, InstructorAssignmentDeliveredV1
from contracts.topics import TopicSpec
from services.finance.transparency.iati import schema_errors
from tests.e2e.partnership_world import three_country_partnership
from tests.support import (
    Deployment,
    ServiceProcess,
    eventually,
    free_port,
    publish,
    serve_process,
    wait_http_ok,
)

NEXT_YEAR = datetime.now(UTC).year + 1
REPORTER = Path(__file__).resolve().parents[2] / "contracts" / "examples" / "national_reporter.py"


async def test_a_budget_adopted_by_vote_is_assessed_paid_and_a_tranche_released_by_its_indicator(
    deployment: Deployment, process_logs: Path
) -> None:
    await deployment.create("partners", "finance", "assessment")
    ports = {service: free_port() for service in ("partners", "finance", "assessment")}
    urls = {service: f"http://127.0.0.1:{port}" for service, port in ports.items()}
    processes = [
        serve_process(
            deployment,
            service,
            role,
            process_logs,
            **({"http_port": ports[service]} if role == "api" else {}),
            **({"uses_temporal": True} if role != "relay" and service != "assessment" else {}),
        )
        for service in ("partners", "finance", "assessment")
        for role in ("api", "relay", "consumer")
    ]
    processes.append(
        ServiceProcess(
            "worker",
            [sys.executable, "-m", "workflows.worker"],
            deployment.env("worker", partners_url=urls["partners"], finance_url=urls["finance"]),
            process_logs,
        )
    )
    for process in processes:
        process.start()
    try:
        await wait_http_ok(f"{urls['partners']}/readyz", process=processes[0])
        await wait_http_ok(f"{urls['finance']}/readyz", process=processes[3])
        await wait_http_ok(f"{urls['assessment']}/readyz", process=processes[6])
        national = {code: deployment.national_headers(code) for code in ("FR", "SN", "BR")}
        async with (
            httpx.AsyncClient(base_url=urls["partners"], timeout=30) as partners,
            httpx.AsyncClient(base_url=urls["finance"], timeout=30, headers=national["FR"]) as finance,
            httpx.AsyncClient(base_url=urls["assessment"], timeout=30) as assessment,
        ):
            pid, _, seat = await three_country_partnership(
                partners, national, name="Gulf of Guinea maritime policing"
            )

            budget_body = {
                "id": str(uuid.uuid4()),
                "fiscal_period": f"FY{NEXT_YEAR}",
                "starts_on": f"{NEXT_YEAR}-01-01",
                "ends_on": f"{NEXT_YEAR}-12-31",
                "currency": "EUR",
                "lines": [
                    {"category": "stipends", "owner_country_code": "FR", "amount": 40_000_000},
                    {"category": "facility_usage", "owner_country_code": "SN", "amount": 20_000_000},
                ],
                "decide_by": (datetime.now(UTC) + timedelta(days=10)).isoformat(),
            }

            async def proposed() -> dict[str, Any] | None:  # once finance knows the partnership (its event)
                response = await finance.post(f"/partnerships/{pid}/budgets", json=budget_body)
                return response.json() if response.status_code in (200, 201) else None

            budget = await eventually(proposed, timeout=60, what="finance learnt the partnership")
            subject = f"finance:budget-version:{budget['versions'][0]['id']}"

            async def decision() -> dict[str, Any] | None:
                listed = await partners.get(
                    f"/partnerships/{pid}/decisions", params={"kind": "budget"}, headers=national["FR"]
                )
                return next((d for d in listed.json()["items"] if d["subject"] == subject), None)

            opened = await eventually(decision, timeout=60, what="partners opened the budget decision")
            assert deployment.issuer is not None
            for code in ("SN", "BR"):
                token = deployment.issuer.token("oversight_member", country=code, subject=f"{code}-{pid}")
                voted = await partners.post(
                    f"/decisions/{opened['id']}/votes",
                    json={"member_id": seat[code], "choice": "approve"},
                    headers={"Authorization": f"Bearer {token}"},
                )
                assert voted.status_code == 201, voted.text

            async def adopted() -> dict[str, Any] | None:
                got = (await finance.get(f"/budgets/{budget['id']}")).json()
                return got if got["adopted_version"] == 1 else None

            await eventually(adopted, timeout=60, what="finance adopted the budget from the decision")
            basis = await finance.put(
                f"/partnerships/{pid}/contribution-basis",
                json={
                    "indicator": "GNI share 2025",
                    "source": "World Bank WDI",
                    "indicators": {"FR": "60", "SN": "5", "BR": "35"},
                    "floor": "0.1",
                    "ceiling": "0.55",
                    "installments": 2,
                },
            )
            assert basis.status_code == 200, basis.text
            scale = (
                await finance.get(f"/budgets/{budget['id']}/contributions", headers=national["SN"])
            ).json()
            amounts = scale["amounts"]  # FR capped at 55 %, SN lifted to the 10 % floor
            assert amounts["SN"] == 6_000_000 and amounts["FR"] < 33_000_000, scale["steps"]
            assert sum(amounts.values()) == 60_000_000
            dues = (
                await finance.get(f"/partnerships/{pid}/contribution-dues", params={"country_code": "SN"})
            ).json()
            first = dues["items"][0]
            paid = await finance.post(
                f"/contribution-dues/{first['id']}/payments",
                json={
                    "id": str(uuid.uuid4()),
                    "amount": first["amount"],
                    "currency": "EUR",
                    "paid_on": date.today().isoformat(),
                },
            )
            assert paid.status_code == 201, paid.text

            accounts = {}
            for kind in ("grant", "committed"):
                opened_account = await finance.post(
                    f"/partnerships/{pid}/accounts",
                    json={"id": str(uuid.uuid4()), "kind": kind, "name": kind, "currency": "EUR"},
                )
                accounts[kind] = opened_account.json()["id"]
            tranche = (
                await finance.post(
                    f"/partnerships/{pid}/tranches",
                    json={
                        "id": str(uuid.uuid4()),
                        "from_account_id": accounts["grant"],
                        "to_account_id": accounts["committed"],
                        "amount": 10_000_000,
                        "indicator": "maritime_interdictions_per_quarter",
                        "target": "12",
                        "deadline": (datetime.now(UTC) + timedelta(days=180)).isoformat(),
                    },
                )
            ).json()

            async def state(wanted: str) -> dict[str, Any] | None:
                got = (await finance.get(f"/tranches/{tranche['id']}")).json()
                return got if got["status"] == wanted else None

            await eventually(lambda: state("reserved"), timeout=60, what="the tranche's workflow reserved it")
            await report_through_assessment(deployment, assessment, national["FR"], pid)
            released = await eventually(
                lambda: state("released"), timeout=60, what="the measurement released it"
            )
            assert Decimal(released["measured_value"]) == Decimal("14")
            committed = (await finance.get(f"/accounts/{accounts['committed']}")).json()
            assert committed["credits_posted"] == 10_000_000
            await spend_on_training(deployment, finance, pid)
            activity = await finance.get(f"/partnerships/{pid}/iati-activity.xml", headers=national["SN"])
            assert activity.status_code == 200, activity.text
            assert schema_errors(activity.content) == [], "the IATI 2.03 file validates"
            types = {
                t.get("ref"): t.find("transaction-type").get("code")  # type: ignore[union-attr]
                for t in etree.fromstring(activity.content).iter("transaction")
            }
            assert {paid.json()["transfer_id"]: "1"}.items() <= types.items(), "the payment came in"
            assert list(types.values()).count("4") == 2, "the stipend and the facility use were spent"
            assert etree.fromstring(activity.content).find(".//result//actual").get("value") == "14"  # type: ignore[union-attr]
    finally:
        for process in reversed(processes):
            process.stop()


async def report_through_assessment(
    deployment: Deployment, assessment: httpx.AsyncClient, lead: dict[str, str], pid: str
) -> None:
    """The lead defines the indicator in the assessment service (once its consumer has learnt the partnership from
    partners' event) and codes it public; Senegal's national system reports last quarter's aggregate over its own
    inbound topic (with the example reporter), which meets the target; the assessment relay carries
    `assessment.indicator_measured.v1` to finance's consumer."""
    indicator = {
        "id": str(uuid.uuid4()),
        "code": "maritime_interdictions_per_quarter",
        "name": "Maritime interdictions per quarter",
        "unit": "interdictions",
        "direction": "increase",
        "baseline": "5",
        "target": "12",
        "handling_code": "public",
    }

    async def defined() -> bool:
        answer = await assessment.post(f"/partnerships/{pid}/indicators", json=indicator, headers=lead)
        return answer.status_code in (200, 201)

    await eventually(defined, timeout=60, what="assessment learnt the partnership")
    quarter_end = date.today().replace(day=1) - timedelta(days=1)
    navy = Subscriber("sn-navy", "SN")
    await ensure_topics(  # as `make subscribe` does for a registered national system
        deployment.endpoints.kafka_bootstrap,
        [TopicSpec(name=navy.inbound_topic, owner="national", description="SN navy", partitions=1)],
        prefix=deployment.topic_prefix,
        extra_options=deployment.endpoints.kafka_security(),
    )
    admin = deployment.endpoints.kafka_admin
    credentials = ["--username", admin.username, "--security-protocol", admin.protocol] if admin else []
    sent = await asyncio.to_thread(
        subprocess.run,
        [
            sys.executable,
            str(REPORTER),
            "--bootstrap",
            deployment.endpoints.kafka_bootstrap,
            "--prefix",
            deployment.topic_prefix,
            "--subscriber",
            navy.id,
            "--country",
            navy.country,
            "--partnership",
            pid,
            "--indicator",
            indicator["code"],
            "--value",
            "14",
            "--period",
            f"{quarter_end.replace(day=1).isoformat()}/{quarter_end.isoformat()}",
            "--source",
            "SN navy interdiction register, monthly aggregate",
            *credentials,
        ],
        env={**os.environ, "KAFKA_PASSWORD": admin.password if admin else ""},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert sent.returncode == 0, sent.stdout + sent.stderr

    async def measured() -> list[dict[str, Any]] | None:
        rows = (await assessment.get(f"/indicators/{indicator['id']}/measurements", headers=lead)).json()
        return rows or None

    [row] = await eventually(measured, timeout=60, what="assessment took the national report")
    assert (row["country_code"], row["target_met"]) == ("SN", True)
    public = await assessment.get(f"/public/partnerships/{pid}/reports/{quarter_end.year}")
    [shown] = public.json()["indicators"]
    assert (shown["code"], shown["target_met_by"]) == (indicator["code"], ["SN"]), public.text


async def spend_on_training(deployment: Deployment, finance: httpx.AsyncClient, pid: str) -> None:
    """Training's events (its side is tested with it): a cohort used Senegal's simulator and its lead
    instructor, from Senegal, delivered three days. Finance prices both, the lead pays the stipend and the
    operators' weekly run pays the host."""
    card = {
        "currency": "EUR",
        "facility_rates": [{"kind": "simulator", "per_hour": 12_000}],
        "stipend_rates": [{"role": "lead", "per_day": 15_000}],
    }
    assert (await finance.put(f"/partnerships/{pid}/rate-card", json=card)).status_code == 201
    cohort, now = str(uuid.uuid4()), datetime.now(UTC)
    facility = str(uuid.uuid4())
    use = FacilityUsedV1(
        facility_id=facility,
        booking_id=str(uuid.uuid4()),
        owner_country_code="SN",
        booked_by_country_code="FR",
        kind="simulator",
        hours=Decimal("6"),
        attendees=14,
        recorded_at=now,
        partnership_id=pid,
        cohort_id=cohort,
    )
    delivered = InstructorAssignmentDeliveredV1(
        assignment_id=str(uuid.uuid4()),
        cohort_id=cohort,
        partnership_id=pid,
        instructor_id=str(uuid.uuid4()),
        instructor_country_code="SN",
        organiser_country_code="FR",
        role="lead",
        days=3,
        delivered_at=now,
    )
    await publish(deployment, use, source="/training", key=facility)
    await publish(deployment, delivered, source="/training", key=cohort)

    async def payable() -> dict[str, Any] | None:
        items = (await finance.get(f"/partnerships/{pid}/stipends")).json()["items"]
        return next((s for s in items if s["status"] == "payable"), None)

    stipend = await eventually(payable, timeout=60, what="finance made the stipend payable")
    assert stipend["amount"] == 45_000
    paid = await finance.post(f"/stipends/{stipend['id']}/payment")
    assert paid.status_code == 201, paid.text

    async def accrued() -> list[dict[str, Any]] | None:
        items = (await finance.get(f"/partnerships/{pid}/facility-charges")).json()["items"]
        return items if items and items[0]["status"] == "accrued" else None

    [charge] = await eventually(accrued, timeout=60, what="finance priced the facility use")
    assert charge["amount"] == 72_000
    settled = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "services.finance", "settle-facilities"],
        env=deployment.env("finance"),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert settled.returncode == 0 and "1 hosts paid" in settled.stdout, settled.stdout + settled.stderr
