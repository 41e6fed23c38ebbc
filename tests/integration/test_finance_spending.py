"""Spending from what training does, through finance's consumer and API on real PostgreSQL: facility use priced
by the rate card (or waiting for one) and settled to each host by the operators' command, reciprocity in money,
stipends payable from delivered assignments and paid by the lead, each visible to whom it concerns."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import httpx
from sqlalchemy import text

from contracts.events.training import FacilityUsedV1, InstructorAssignmentDeliveredV1, TraineeAttendedV1
from tests.integration.finance_world import (
    BASIS,
    adopted_budget,
    as_platform,
    deliver,
    finance,
    lead,
    partnership,
)
from tests.integration.test_finance_ledger import finance_command
from tests.support import acting

__all__ = ["finance"]  # the fixture
CARD: dict[str, Any] = {
    "currency": "EUR",
    "facility_rates": [
        {"kind": "simulator", "per_hour": 8_000},
        {"kind": "simulator", "host_country_code": "FR", "per_hour": 10_000},
    ],
    "stipend_rates": [{"role": "lead", "per_day": 15_000}, {"role": "co", "per_day": 9_000}],
}


def used(pid: str, host: str, user: str, hours: str) -> FacilityUsedV1:
    return FacilityUsedV1(
        facility_id=str(uuid.uuid4()),
        booking_id=str(uuid.uuid4()),
        owner_country_code=host,
        booked_by_country_code=user,
        kind="simulator",
        hours=Decimal(hours),
        attendees=12,
        recorded_at=datetime.now(UTC),
        partnership_id=pid,
        cohort_id=str(uuid.uuid4()),
    )


def attended(pid: str, trainee: str, venue: str, days: int) -> TraineeAttendedV1:
    return TraineeAttendedV1(
        nomination_id=str(uuid.uuid4()),
        cohort_id=str(uuid.uuid4()),
        partnership_id=pid,
        trainee_id=f"{trainee}-{uuid.uuid4().hex[:6]}",
        trainee_country_code=trainee,
        venue_country_code=venue,
        days=days,
        attended_at=datetime.now(UTC),
    )


def delivered(pid: str, country: str, role: str, days: int) -> InstructorAssignmentDeliveredV1:
    return InstructorAssignmentDeliveredV1(
        assignment_id=str(uuid.uuid4()),
        cohort_id=str(uuid.uuid4()),
        partnership_id=pid,
        instructor_id=str(uuid.uuid4()),
        instructor_country_code=country,
        organiser_country_code="FR",
        role=role,
        days=days,
        delivered_at=datetime.now(UTC),
    )


async def fund_pool(api: httpx.AsyncClient, pid: str) -> int:
    """Every instalment paid in full: the partnership's own pool holds the whole budget."""
    dues = (await api.get(f"/partnerships/{pid}/contribution-dues", headers=lead(api))).json()["items"]
    for due in dues:
        body = {"id": str(uuid.uuid4()), "currency": "EUR", "paid_on": date.today().isoformat()}
        paid = await api.post(
            f"/contribution-dues/{due['id']}/payments",
            json={**body, "amount": due["amount"]},
            headers=lead(api),
        )
        assert paid.status_code == 201, paid.text
    return sum(int(due["amount"]) for due in dues)


async def budgeted(api: httpx.AsyncClient) -> dict[str, str]:
    """A partnership (FR leads, SN, BR) with an adopted budget and its contribution dues."""
    pid = await partnership(api)
    budget = await adopted_budget(api, pid)
    basis = await api.put(f"/partnerships/{pid}/contribution-basis", json=BASIS, headers=lead(api))
    assert basis.status_code == 200, basis.text
    return {"partnership_id": pid, "budget_id": budget["id"]}


async def outbox(api: httpx.AsyncClient, event_type: str) -> int:
    async with as_platform(api) as session, session.begin():
        query = text("SELECT count(*) FROM outbox WHERE event_type = :t")
        return int(await session.scalar(query, {"t": event_type}) or 0)


async def test_facility_use_is_priced_settled_to_each_host_and_shows_where_partners_stand(
    finance: httpx.AsyncClient,
) -> None:
    world = await budgeted(finance)
    pid = world["partnership_id"]
    await fund_pool(finance, pid)
    early = used(pid, host="SN", user="FR", hours="5.5")
    await deliver(finance, early)
    charges = (await finance.get(f"/partnerships/{pid}/facility-charges", headers=lead(finance))).json()[
        "items"
    ]
    assert [(c["status"], c["amount"]) for c in charges] == [("unpriced", None)], "no card yet: it waits"

    card = await finance.put(f"/partnerships/{pid}/rate-card", json=CARD, headers=lead(finance))
    assert (card.status_code, card.json()["version"], card.json()["priced"]) == (201, 1, 1), card.text
    again = await finance.put(f"/partnerships/{pid}/rate-card", json=CARD, headers=lead(finance))
    assert (again.status_code, again.json()["version"]) == (200, 1), "the same card changes nothing"
    await deliver(finance, used(pid, host="FR", user="BR", hours="2"))
    await deliver(finance, used(pid, host="SN", user="SN", hours="1"))
    await deliver(finance, early)  # redelivered: once per booking
    charges = (await finance.get(f"/partnerships/{pid}/facility-charges", headers=lead(finance))).json()[
        "items"
    ]
    priced = sorted(
        (c["host_country_code"], c["user_country_code"], c["amount"], c["status"]) for c in charges
    )
    assert priced == [
        ("FR", "BR", 20_000, "accrued"),  # the host's own rate
        ("SN", "FR", 44_000, "accrued"),  # 5.5 h at the kind's rate
        ("SN", "SN", 8_000, "accrued"),
    ]
    stand = (await finance.get(f"/partnerships/{pid}/facility-reciprocity", headers=lead(finance))).json()
    assert {p["country_code"]: (p["used"], p["hosted"], p["net"]) for p in stand["positions"]} == {
        "BR": (20_000, 0, -20_000),
        "FR": (44_000, 20_000, -24_000),
        "SN": (0, 44_000, 44_000),
    }, "using one's own facility is neither"

    deployment = finance.deployment  # type: ignore[attr-defined]
    run = finance_command(deployment, "settle-facilities")
    assert run.returncode == 0 and "2 hosts paid" in run.stdout, run.stdout + run.stderr
    assert "0 hosts paid" in finance_command(deployment, "settle-facilities").stdout, "nothing is paid twice"
    charges = (await finance.get(f"/partnerships/{pid}/facility-charges", headers=lead(finance))).json()[
        "items"
    ]
    assert {c["status"] for c in charges} == {"settled"}
    to_sn = {c["transfer_id"] for c in charges if c["host_country_code"] == "SN"}
    assert len(to_sn) == 1, "one transfer per host and run"
    transfer = (await finance.get(f"/transfers/{to_sn.pop()}", headers=lead(finance))).json()
    assert (transfer["amount"], transfer["code"]) == (52_000, "facility_usage")
    assert await outbox(finance, "finance.facility_usage_settled.v1") == 2
    status = (await finance.get(f"/budgets/{world['budget_id']}/status", headers=lead(finance))).json()
    actual = {c["category"]: c["actual"] for c in status["categories"]}
    assert actual["facility_usage"] == 72_000, "settled use is the budget's actual"

    bad = await finance.put(
        f"/partnerships/{pid}/rate-card",
        json={**CARD, "facility_rates": [{"kind": "simulator", "per_hour": -1}]},
        headers=lead(finance),
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "facility_rates.0.per_hour"
    twice = await finance.put(
        f"/partnerships/{pid}/rate-card",
        json={**CARD, "stipend_rates": [{"role": "lead", "per_day": 1}, {"role": "lead", "per_day": 2}]},
        headers=lead(finance),
    )
    assert twice.status_code == 422 and twice.json()["errors"][0]["field"] == "stipend_rates"
    member = acting(finance, "national_coordinator", country="SN")
    steered = await finance.put(f"/partnerships/{pid}/rate-card", json=CARD, headers=member)
    assert (steered.status_code, steered.json()["code"]) == (403, "not_steering")


async def test_a_delivered_assignment_makes_a_stipend_payable_that_the_lead_pays_once(
    finance: httpx.AsyncClient,
) -> None:
    world = await budgeted(finance)
    pid = world["partnership_id"]
    pool = await fund_pool(finance, pid)
    assert (
        await finance.put(f"/partnerships/{pid}/rate-card", json=CARD, headers=lead(finance))
    ).status_code == 201
    delivery = delivered(pid, "SN", "lead", days=5)
    await deliver(finance, delivery)
    await deliver(finance, delivery)  # redelivered: one stipend
    listed = (await finance.get(f"/partnerships/{pid}/stipends", headers=lead(finance))).json()["items"]
    assert [(s["status"], s["amount"], s["days"]) for s in listed] == [("payable", 75_000, 5)]
    stipend = listed[0]["id"]
    assert await outbox(finance, "finance.stipend_payable.v1") >= 1

    brazil = acting(finance, "national_coordinator", country="BR")
    senegal = acting(finance, "national_coordinator", country="SN")
    seen_by_brazil = (await finance.get(f"/partnerships/{pid}/stipends", headers=brazil)).json()["items"]
    assert seen_by_brazil == [], "another member's instructor's pay is not Brazil's business"
    assert (await finance.get(f"/stipends/{stipend}", headers=brazil)).status_code == 404
    assert (await finance.get(f"/stipends/{stipend}", headers=senegal)).status_code == 200
    steered = await finance.post(f"/stipends/{stipend}/payment", headers=senegal)
    assert (steered.status_code, steered.json()["code"]) == (403, "not_steering"), "seeing is not paying"

    paid = await finance.post(f"/stipends/{stipend}/payment", headers=lead(finance))
    assert (paid.status_code, paid.json()["status"]) == (201, "paid"), paid.text
    again = await finance.post(f"/stipends/{stipend}/payment", headers=lead(finance))
    assert (again.status_code, again.json()["transfer_id"]) == (200, paid.json()["transfer_id"])
    status = (await finance.get(f"/budgets/{world['budget_id']}/status", headers=lead(finance))).json()
    assert {c["category"]: c["actual"] for c in status["categories"]}["stipends"] == 75_000

    card = {**CARD, "stipend_rates": [{"role": "lead", "per_day": 15_000}]}
    assert (
        await finance.put(f"/partnerships/{pid}/rate-card", json=card, headers=lead(finance))
    ).status_code == 201
    await deliver(finance, delivered(pid, "BR", "co", days=2))  # after the card that prices no co-instructor
    mine = (await finance.get(f"/partnerships/{pid}/stipends", headers=brazil)).json()["items"]
    assert [(s["status"], s["role"]) for s in mine] == [("unpriced", "co")]
    refused = await finance.post(f"/stipends/{mine[0]['id']}/payment", headers=lead(finance))
    assert (refused.status_code, refused.json()["code"]) == (409, "stipend_unpriced")
    huge = delivered(pid, "SN", "lead", days=pool // 15_000 + 10)
    await deliver(finance, huge)
    big = [
        s for s in (await finance.get(f"/partnerships/{pid}/stipends", headers=lead(finance))).json()["items"]
    ]
    short = next(s for s in big if s["days"] == huge.days)
    overdrawn = await finance.post(f"/stipends/{short['id']}/payment", headers=lead(finance))
    assert (overdrawn.status_code, overdrawn.json()["code"]) == (409, "exceeds_credits"), "the pool is short"
    assert (await finance.get(f"/stipends/{short['id']}", headers=lead(finance))).json()[
        "status"
    ] == "payable"


async def test_a_trainee_who_attended_abroad_is_owed_travel_and_per_diem_that_the_lead_pays_once(
    finance: httpx.AsyncClient,
) -> None:
    world = await budgeted(finance)
    pid = world["partnership_id"]
    await fund_pool(finance, pid)
    rates = [
        {"venue_country_code": "SN", "travel_per_trip": 90_000, "subsistence_per_day": 8_000},
        {"travel_per_trip": 60_000, "subsistence_per_day": 10_000},
    ]
    for bad, field in (
        ([{"travel_per_trip": 0, "subsistence_per_day": 0}], "allowance_rates.0"),
        ([rates[1], rates[1]], "allowance_rates"),
        ([{"travel_per_trip": -1, "subsistence_per_day": 5}], "allowance_rates.0.travel_per_trip"),
    ):
        refused = await finance.put(
            f"/partnerships/{pid}/rate-card", json={**CARD, "allowance_rates": bad}, headers=lead(finance)
        )
        assert refused.status_code == 422, refused.text
        assert any(e["field"].startswith(field) for e in refused.json()["errors"]), refused.json()

    early = attended(pid, "BR", "SN", days=5)  # before any card prices allowances: it waits
    await deliver(finance, early)
    await deliver(finance, early)  # redelivered: one allowance
    await deliver(finance, attended(pid, "SN", "SN", days=5))  # at home: owed nothing
    listed = (await finance.get(f"/partnerships/{pid}/allowances", headers=lead(finance))).json()["items"]
    assert [(a["status"], a["trainee_country_code"]) for a in listed] == [("unpriced", "BR")]
    refused = await finance.post(f"/allowances/{listed[0]['id']}/payment", headers=lead(finance))
    assert (refused.status_code, refused.json()["code"]) == (409, "allowance_unpriced")

    card = await finance.put(
        f"/partnerships/{pid}/rate-card", json={**CARD, "allowance_rates": rates}, headers=lead(finance)
    )
    assert card.status_code == 201 and card.json()["priced"] == 1, card.text
    await deliver(finance, attended(pid, "SN", "FR", days=3))  # a venue the card names no rate for
    by_country = {
        a["trainee_country_code"]: a
        for a in (await finance.get(f"/partnerships/{pid}/allowances", headers=lead(finance))).json()["items"]
    }
    brazil_owed, senegal_owed = by_country["BR"], by_country["SN"]
    assert (brazil_owed["travel"], brazil_owed["subsistence"], brazil_owed["amount"]) == (
        90_000,
        40_000,
        130_000,
    )
    assert (senegal_owed["travel"], senegal_owed["subsistence"], senegal_owed["amount"]) == (
        60_000,
        30_000,
        90_000,
    )
    assert await outbox(finance, "finance.allowance_payable.v1") == 2

    brazil = acting(finance, "national_coordinator", country="BR")
    senegal = acting(finance, "national_coordinator", country="SN")
    mine = (await finance.get(f"/partnerships/{pid}/allowances", headers=brazil)).json()["items"]
    assert [a["id"] for a in mine] == [brazil_owed["id"]], "a member sees its own trainees' only"
    assert (await finance.get(f"/allowances/{brazil_owed['id']}", headers=senegal)).status_code == 404
    steered = await finance.post(f"/allowances/{brazil_owed['id']}/payment", headers=brazil)
    assert (steered.status_code, steered.json()["code"]) == (403, "not_steering"), "seeing is not paying"

    paid = await finance.post(f"/allowances/{brazil_owed['id']}/payment", headers=lead(finance))
    assert (paid.status_code, paid.json()["status"]) == (201, "paid"), paid.text
    again = await finance.post(f"/allowances/{brazil_owed['id']}/payment", headers=lead(finance))
    assert (again.status_code, again.json()["transfer_id"]) == (200, paid.json()["transfer_id"])
    assert await outbox(finance, "finance.allowance_paid.v1") == 1
    status = (await finance.get(f"/budgets/{world['budget_id']}/status", headers=lead(finance))).json()
    assert {c["category"]: c["actual"] for c in status["categories"]}["travel"] == 130_000
    accounts = (await finance.get(f"/partnerships/{pid}/accounts", headers=lead(finance))).json()["items"]
    travel = next(a for a in accounts if a["kind"] == "spent_travel")
    assert (travel["country_code"], travel["credits_posted"]) == ("BR", 130_000)
