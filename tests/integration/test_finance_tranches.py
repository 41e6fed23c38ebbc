"""Results-gated funding tranches through the finance API, its consumer's handlers and a real Temporal server
(the tranche's workflow on a worker whose activities call this finance API): reserved as a pending transfer,
released by a measurement meeting the target, voided at the deadline when the oversight body refuses the
extension. The ledger's balances show each step; bad plans are refused naming the field."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest
from temporalio.worker import Worker

from backbone.temporal import connect_client
from contracts.events.assessment import IndicatorMeasuredV1
from contracts.events.partners import DecisionClosedV1
from tests.integration.finance_world import account, deliver, deliver_record, finance, lead, partnership
from tests.integration.test_partner_relations_api import apply, outbox_records
from tests.integration.test_partnerships_api import partnership as partners_partnership
from tests.support import acting
from workflows.funding_tranche.activities import FundingTrancheActivities
from workflows.funding_tranche.workflow import FundingTrancheWorkflow

__all__ = ["finance"]  # the fixture
INDICATOR = "share_of_officers_certified"


@pytest.fixture
async def worker(finance: httpx.AsyncClient) -> AsyncIterator[None]:
    """The workflows' worker for tranches, its activities calling this finance API as the workflows' client."""
    settings = finance.app.state.runtime.settings  # type: ignore[attr-defined]
    issuer = finance.deployment.issuer  # type: ignore[attr-defined]
    client = await connect_client(settings)
    transport = httpx.ASGITransport(app=finance.app)  # type: ignore[attr-defined]
    async with (
        httpx.AsyncClient(
            transport=transport, base_url="http://finance", headers=issuer.workflow_headers()
        ) as http,
        Worker(
            client,
            task_queue=settings.temporal_task_queue,
            workflows=[FundingTrancheWorkflow],
            activities=FundingTrancheActivities(http).all(),
        ),
    ):
        yield


async def plan(api: httpx.AsyncClient, pid: str, source: str, target: str, **fields: Any) -> httpx.Response:
    body = {
        "id": str(uuid.uuid4()),
        "from_account_id": source,
        "to_account_id": target,
        "amount": 250_000,
        "indicator": INDICATOR,
        "target": "0.80",
        "deadline": (datetime.now(UTC) + timedelta(hours=1)).isoformat(),
        **fields,
    }
    return await api.post(f"/partnerships/{pid}/tranches", json=body, headers=lead(api))


async def relay(api: httpx.AsyncClient, event_type: str, key: str) -> None:
    """Hand finance's consumer what its relay would publish of this tranche (the latest of the type)."""
    records = [r for r in await outbox_records(api, event_type) if r.key == key.encode()]
    await deliver_record(api, records[-1])


async def until(
    api: httpx.AsyncClient, tranche_id: str, check: Callable[[dict[str, Any]], bool]
) -> dict[str, Any]:
    for _ in range(200):
        seen: dict[str, Any] = (await api.get(f"/tranches/{tranche_id}", headers=lead(api))).json()
        if check(seen):
            return seen
        await asyncio.sleep(0.1)
    raise AssertionError(f"never reached; last: {seen}")


def measured(pid: str, value: str) -> IndicatorMeasuredV1:
    return IndicatorMeasuredV1(
        measurement_id=str(uuid.uuid4()),
        partnership_id=pid,
        indicator=INDICATOR,
        value=Decimal(value),
        unit="ratio",
        period_start=date(2027, 1, 1),
        period_end=date(2027, 6, 30),
        evaluator="External panel",
        measured_at=datetime.now(UTC),
    )


async def test_a_tranche_is_reserved_then_released_by_a_measurement_meeting_its_target(
    finance: httpx.AsyncClient, worker: None
) -> None:
    pid = await partnership(finance)
    grant = await account(finance, pid, "grant", name="EU grant")
    committed = await account(finance, pid, "committed", name="Forensics labs")
    planned = await plan(finance, pid, grant["id"], committed["id"])
    assert planned.status_code == 201, planned.text
    tranche = planned.json()
    await relay(finance, "finance.tranche_planned.v1", tranche["id"])
    reserved = await until(finance, tranche["id"], lambda t: t["status"] == "reserved")
    pending = (
        await finance.get(f"/transfers/{reserved['pending_transfer_id']}", headers=lead(finance))
    ).json()
    assert (pending["kind"], pending["amount"]) == ("pending", 250_000)

    await deliver(finance, measured(pid, "0.61"))  # below the target: still reserved
    await deliver(finance, measured(pid, "0.84"))
    released = await until(finance, tranche["id"], lambda t: t["status"] == "released")
    assert Decimal(released["measured_value"]) == Decimal("0.84")
    balance = (await finance.get(f"/accounts/{committed['id']}", headers=lead(finance))).json()
    assert (balance["credits_pending"], balance["credits_posted"]) == (0, 250_000)
    announced = [
        r
        for r in await outbox_records(finance, "finance.tranche_released.v1")
        if r.key == tranche["id"].encode()
    ]
    assert len(announced) == 1
    member = acting(finance, "auditor", country="SN")
    assert (await finance.get(f"/tranches/{tranche['id']}", headers=member)).status_code == 200


async def test_a_refused_extension_leaves_the_deadline_and_the_tranche_is_voided(
    finance: httpx.AsyncClient, worker: None
) -> None:
    pid = await partnership(finance)
    grant = await account(finance, pid, "grant", name="AU grant")
    committed = await account(finance, pid, "committed", name="Cyber range")
    deadline = datetime.now(UTC) + timedelta(seconds=4)
    tranche = (await plan(finance, pid, grant["id"], committed["id"], deadline=deadline.isoformat())).json()
    await relay(finance, "finance.tranche_planned.v1", tranche["id"])
    await until(finance, tranche["id"], lambda t: t["status"] == "reserved")
    asked = await finance.post(
        f"/tranches/{tranche['id']}/extensions",
        json={
            "deadline": (deadline + timedelta(days=90)).isoformat(),
            "reason": "The exams moved to the autumn",
            "decide_by": (deadline + timedelta(seconds=30)).isoformat(),
        },
        headers=lead(finance),
    )
    assert asked.status_code == 201, asked.text
    again = await finance.post(
        f"/tranches/{tranche['id']}/extensions",
        json={
            "deadline": (deadline + timedelta(days=60)).isoformat(),
            "reason": "twice",
            "decide_by": (deadline + timedelta(seconds=20)).isoformat(),
        },
        headers=lead(finance),
    )
    assert (again.status_code, again.json()["code"]) == (409, "extension_pending")
    await relay(finance, "finance.tranche_extension_requested.v1", tranche["id"])
    await asyncio.sleep(max(0.0, (deadline - datetime.now(UTC)).total_seconds()) + 1)
    waiting = (await finance.get(f"/tranches/{tranche['id']}", headers=lead(finance))).json()
    assert waiting["status"] == "reserved", "past the deadline, the tranche waits for the oversight body"
    await deliver(
        finance,
        DecisionClosedV1(
            partnership_id=pid,
            decision_id=str(uuid.uuid4()),
            kind="budget",
            outcome="rejected",
            approvals=0,
            rejections=3,
            abstentions=0,
            closed_at=datetime.now(UTC),
            subject=f"finance:tranche-extension:{asked.json()['id']}",
        ),
    )
    await relay(finance, "finance.tranche_extension_decided.v1", tranche["id"])
    voided = await until(finance, tranche["id"], lambda t: t["status"] == "voided")
    assert voided["deadline"] == tranche["deadline"], "a refused extension leaves the deadline"
    balance = (await finance.get(f"/accounts/{committed['id']}", headers=lead(finance))).json()
    assert (balance["credits_pending"], balance["credits_posted"]) == (0, 0)
    extensions = (await finance.get(f"/tranches/{tranche['id']}/extensions", headers=lead(finance))).json()
    assert [e["status"] for e in extensions["items"]] == ["refused"]


async def test_bad_tranches_are_refused_naming_the_field(finance: httpx.AsyncClient) -> None:
    pid = await partnership(finance)
    grant = await account(finance, pid, "grant", name="Grant")
    committed = await account(finance, pid, "committed", name="Committed")
    xof = await account(finance, pid, "committed", name="In francs", currency="XOF")
    cases = [
        ({"deadline": "2020-01-01T00:00:00Z"}, "deadline"),
        ({"to_account_id": str(uuid.uuid4())}, "to_account_id"),
        ({"to_account_id": xof["id"]}, "to_account_id"),
        ({"to_account_id": grant["id"]}, "to_account_id"),
        ({"indicator": "Not A Code"}, "indicator"),
        ({"amount": 0}, "amount"),
    ]
    for fields, field in cases:
        refused = await plan(finance, pid, grant["id"], committed["id"], **fields)
        assert refused.status_code == 422, (fields, refused.text)
        assert any(e["field"] == field for e in refused.json()["errors"]), (fields, refused.json())
    senegal = acting(finance, "national_coordinator", country="SN")
    steered = await finance.post(f"/partnerships/{pid}/tranches", json={}, headers=senegal)
    assert (steered.status_code, steered.json()["code"]) == (403, "not_steering")
    people = await finance.post(f"/internal/tranches/{uuid.uuid4()}/reservation", headers=lead(finance))
    assert people.status_code == 403, "only the workflows' client settles tranches"


async def test_an_extension_asked_opens_a_budget_decision_of_the_oversight_body(
    api: httpx.AsyncClient, finance: httpx.AsyncClient
) -> None:
    p = await partners_partnership(api, {"kind": "members", "approvals_needed": 2})
    [registered] = [
        r
        for r in await outbox_records(api, "partners.partnership_registered.v1")
        if r.key == p["id"].encode()
    ]
    await deliver_record(finance, registered)
    grant = await account(finance, p["id"], "grant", name="Grant")
    committed = await account(finance, p["id"], "committed", name="Committed")
    tranche = (await plan(finance, p["id"], grant["id"], committed["id"])).json()
    later = datetime.now(UTC) + timedelta(days=120)
    asked = await finance.post(
        f"/tranches/{tranche['id']}/extensions",
        json={
            "deadline": later.isoformat(),
            "reason": "Exams postponed",
            "decide_by": (later - timedelta(days=100)).isoformat(),
        },
        headers=lead(finance),
    )
    assert asked.status_code == 201, asked.text
    [requested] = [
        r
        for r in await outbox_records(finance, "finance.tranche_extension_requested.v1")
        if r.key == tranche["id"].encode()
    ]
    await apply(api, requested)
    await apply(api, requested)  # redelivered: one decision
    decisions = (await api.get(f"/partnerships/{p['id']}/decisions")).json()["items"]
    [decision] = [d for d in decisions if d["subject"] == f"finance:tranche-extension:{asked.json()['id']}"]
    assert decision["kind"] == "budget" and later.strftime("%Y-%m-%d") in decision["title"]
