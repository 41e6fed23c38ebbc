"""A finance service for tests, its consumer's handlers run on events (without Kafka: the Kafka path is tested
in the consumer and e2e tests), and a French-led partnership (with SN and BR) with a ledger and a budget."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

import httpx
import pytest

from contracts.envelope import Event, KafkaRecord, encode
from contracts.events.partners import DecisionClosedV1
from contracts.events.training import InstructorAssignmentDeliveredV1, TraineeAttendedV1
from services.finance.app import build_app
from services.finance.handlers import subscription
from services.finance.spending.allowances import ALLOWANCES
from services.finance.spending.service import STIPENDS
from tests.support import Deployment, acting, partnership_registered, run_handler, service_client
from tests.support import as_platform as as_platform  # re-exported: the tests open platform sessions


@pytest.fixture
async def finance(deployment: Deployment) -> AsyncIterator[httpx.AsyncClient]:
    async with service_client(deployment, "finance", build_app) as client:
        yield client


async def deliver(
    finance: httpx.AsyncClient, event: Event, *, event_id: str | None = None, key: str = "k"
) -> None:
    """Run finance's consumer handler on `event`, in one transaction, as its consumer does (without Kafka)."""
    await deliver_record(
        finance, encode(event, source="/tests", key=getattr(event, "facility_id", key), event_id=event_id)
    )


async def deliver_record(finance: httpx.AsyncClient, record: KafkaRecord) -> None:
    """Run finance's consumer handler on a record another service's outbox holds, as its consumer would."""
    await run_handler(finance, subscription(finance.app.state.runtime.settings).handlers, record)  # type: ignore[attr-defined]


async def partnership(api: httpx.AsyncClient) -> str:
    """FR leads, SN and BR are members (as finance learns it from partners' events)."""
    pid = str(uuid.uuid4())
    await deliver(api, partnership_registered(pid))
    return pid


def lead(api: httpx.AsyncClient) -> dict[str, str]:
    return acting(api, "programme_coordinator", country="FR")


async def account(api: httpx.AsyncClient, pid: str, kind: str, **fields: Any) -> dict[str, Any]:
    body = {"id": str(uuid.uuid4()), "kind": kind, "name": kind, "currency": "EUR", **fields}
    opened = await api.post(f"/partnerships/{pid}/accounts", json=body, headers=lead(api))
    assert opened.status_code == 201, opened.text
    return opened.json()  # type: ignore[no-any-return]


async def transfer(api: httpx.AsyncClient, pid: str, **fields: Any) -> httpx.Response:
    body = {"id": str(uuid.uuid4()), "code": "contribution", **fields}
    return await api.post(f"/partnerships/{pid}/transfers", json=body, headers=lead(api))


LINES = [
    {"category": "stipends", "owner_country_code": "FR", "amount": 600_000},
    {"category": "travel", "owner_country_code": "SN", "amount": 400_000},
]
INDICATORS = {"FR": "70", "SN": "1", "BR": "29", "KE": "3"}
BASIS: dict[str, Any] = {
    "indicator": "GNI share 2025",
    "source": "World Bank WDI 2026-07",
    "indicators": INDICATORS,
    "floor": "0.05",
    "ceiling": "0.6",
    "minimum_amount": 0,
}


def decide_by() -> str:
    return (datetime.now(UTC) + timedelta(days=14)).isoformat()


async def propose(api: httpx.AsyncClient, pid: str, **fields: Any) -> httpx.Response:
    body = {
        "id": str(uuid.uuid4()),
        "fiscal_period": "FY2027",
        "starts_on": f"{datetime.now(UTC).year}-01-01",
        "ends_on": f"{datetime.now(UTC).year}-12-31",
        "currency": "EUR",
        "lines": LINES,
        "decide_by": decide_by(),
        **fields,
    }
    return await api.post(f"/partnerships/{pid}/budgets", json=body, headers=lead(api))


def closed(
    pid: str, version: dict[str, Any], outcome: Literal["approved", "vetoed"] = "approved"
) -> DecisionClosedV1:
    return DecisionClosedV1(
        partnership_id=pid,
        decision_id=str(uuid.uuid4()),
        kind="budget",
        outcome=outcome,
        approvals=3 if outcome == "approved" else 0,
        rejections=0 if outcome == "approved" else 3,
        abstentions=0,
        closed_at=datetime.now(UTC),
        subject=f"finance:budget-version:{version['id']}",
    )


async def adopted_budget(api: httpx.AsyncClient, pid: str, **fields: Any) -> dict[str, Any]:
    proposed = await propose(api, pid, **fields)
    assert proposed.status_code == 201, proposed.text
    await deliver(api, closed(pid, proposed.json()["versions"][0]))
    return (await api.get(f"/budgets/{proposed.json()['id']}", headers=lead(api))).json()  # type: ignore[no-any-return]


def grant_body(**fields: Any) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "donor_name": "European Union",
        "donor_kind": "multilateral",
        "donor_ref": "XI-IATI-EC_INTPA",
        "currency": "EUR",
        "amount": 500_000,
        "conditions": ["Annual audited report"],
        "starts_on": f"{datetime.now(UTC).year}-01-01",
        "ends_on": f"{datetime.now(UTC).year + 1}-12-31",
        **fields,
    }


async def owned_ledger(api: httpx.AsyncClient) -> dict[str, str]:
    """A French-led partnership's ledger and adopted budget (with SN and BR): the ids every finance path
    parameter is filled with."""
    pid = await partnership(api)
    pool = await account(api, pid, "shared_pool")
    owed = await account(api, pid, "contributions_receivable", country_code="SN")
    moved = await transfer(api, pid, debit_account_id=owed["id"], credit_account_id=pool["id"], amount=10)
    assert moved.status_code == 201
    budget = await adopted_budget(api, pid)
    basis = await api.put(f"/partnerships/{pid}/contribution-basis", json=BASIS, headers=lead(api))
    assert basis.status_code == 200, basis.text
    dues = await api.get(f"/partnerships/{pid}/contribution-dues", headers=lead(api))
    committed = await account(api, pid, "committed")
    tranche = {
        "id": str(uuid.uuid4()),
        "from_account_id": pool["id"],
        "to_account_id": committed["id"],
        "amount": 5,
        "indicator": "share_of_officers_certified",
        "target": "0.8",
        "deadline": (datetime.now(UTC) + timedelta(days=90)).isoformat(),
    }
    planned = await api.post(f"/partnerships/{pid}/tranches", json=tranche, headers=lead(api))
    assert planned.status_code == 201, planned.text
    card = {
        "currency": "EUR",
        "stipend_rates": [{"role": "lead", "per_day": 10}],
        "allowance_rates": [{"travel_per_trip": 5, "subsistence_per_day": 1}],
    }
    assert (await api.put(f"/partnerships/{pid}/rate-card", json=card, headers=lead(api))).status_code == 201
    assignment = str(uuid.uuid4())
    delivered = InstructorAssignmentDeliveredV1(
        assignment_id=assignment,
        cohort_id=str(uuid.uuid4()),
        partnership_id=pid,
        instructor_id=str(uuid.uuid4()),
        instructor_country_code="SN",
        organiser_country_code="FR",
        role="lead",
        days=1,
        delivered_at=datetime.now(UTC),
    )
    await deliver(api, delivered)
    nomination = str(uuid.uuid4())
    attendance = TraineeAttendedV1(
        nomination_id=nomination,
        cohort_id=delivered.cohort_id,
        partnership_id=pid,
        trainee_id="SN-0001",
        trainee_country_code="SN",
        venue_country_code="FR",
        days=1,
        attended_at=datetime.now(UTC),
    )
    await deliver(api, attendance)
    platform = {
        "id": str(uuid.uuid4()),
        "name": "Moodle",
        "vendor": "Learning Co",
        "currency": "EUR",
        "amount_per_period": 100,
        "period_months": 12,
        "starts_on": "2030-01-01",
    }
    subscribed = await api.post(f"/partnerships/{pid}/platforms", json=platform, headers=lead(api))
    assert subscribed.status_code == 201, subscribed.text
    grant = await api.post(f"/partnerships/{pid}/grants", json=grant_body(), headers=lead(api))
    assert grant.status_code == 201, grant.text
    procurement = {
        "id": str(uuid.uuid4()),
        "title": "Training manuals",
        "description": "Printed manuals for the course",
        "category": "goods",
        "currency": "EUR",
        "estimated_amount": 100,
        "items": [{"id": "manual", "description": "Manual", "quantity": 10, "unit": "copy"}],
    }
    planned = await api.post(f"/partnerships/{pid}/procurements", json=procurement, headers=lead(api))
    assert planned.status_code == 201, planned.text
    return {
        "procurement_id": procurement["id"],
        "grant_id": grant.json()["id"],
        "condition_id": grant.json()["conditions"][0]["id"],
        "stipend_id": str(uuid.uuid5(STIPENDS, assignment)),
        "allowance_id": str(uuid.uuid5(ALLOWANCES, nomination)),
        "platform_id": platform["id"],
        "tranche_id": tranche["id"],
        "due_id": dues.json()["items"][0]["id"],
        "partnership_id": pid,
        "account_id": pool["id"],
        "transfer_id": moved.json()["id"],
        "budget_id": budget["id"],
        "category": "stipends",
    }
