"""Contribution instalments on real PostgreSQL: an adopted budget's shares fall due in instalments, payments
(in the budget's currency or converted at the partnership's rate of the day) are posted to the ledger once,
a revision reschedules what is still owed, the daily command reminds and flags arrears once, and money
commitments become pledges that a lapse stops."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import asyncpg
import httpx

from contracts.events.commitments import CommitmentRegisteredV1, CommitmentRenewalConcludedV1
from services.finance.contributions.schedules import remind_and_flag
from tests.integration.finance_world import (
    BASIS,
    LINES,
    adopted_budget,
    as_platform,
    closed,
    decide_by,
    deliver,
    finance,
    lead,
    partnership,
)
from tests.integration.test_finance_ledger import PLATFORM, finance_command
from tests.integration.test_partner_relations_api import outbox_records
from tests.support import acting

__all__ = ["finance"]  # the fixture
NEXT_YEAR = datetime.now(UTC).year + 1


async def dues_of(api: httpx.AsyncClient, pid: str, **filters: str) -> list[dict[str, Any]]:
    listed = await api.get(
        f"/partnerships/{pid}/contribution-dues", params={"limit": 200, **filters}, headers=lead(api)
    )
    assert listed.status_code == 200, listed.text
    return listed.json()["items"]  # type: ignore[no-any-return]


async def pay(api: httpx.AsyncClient, due_id: str, **fields: Any) -> httpx.Response:
    body = {"id": str(uuid.uuid4()), "currency": "EUR", "paid_on": date.today().isoformat(), **fields}
    return await api.post(f"/contribution-dues/{due_id}/payments", json=body, headers=lead(api))


async def test_shares_fall_due_are_paid_converted_and_rescheduled_when_the_budget_is_revised(
    finance: httpx.AsyncClient,
) -> None:
    pid = await partnership(finance)
    budget = await adopted_budget(
        finance,
        pid,
        fiscal_period=f"FY{NEXT_YEAR}",
        starts_on=f"{NEXT_YEAR}-01-01",
        ends_on=f"{NEXT_YEAR}-12-31",
    )
    assert (
        await finance.put(f"/partnerships/{pid}/contribution-basis", json=BASIS, headers=lead(finance))
    ).status_code == 200
    scale = (await finance.get(f"/budgets/{budget['id']}/contributions", headers=lead(finance))).json()
    dues = await dues_of(finance, pid)
    assert {d["country_code"] for d in dues} == {"FR", "SN", "BR"}
    for country, amount in scale["amounts"].items():
        mine = [d for d in dues if d["country_code"] == country]
        assert [d["due_on"] for d in mine] == [
            f"{NEXT_YEAR}-01-01",
            f"{NEXT_YEAR}-04-02",
            f"{NEXT_YEAR}-07-02",
            f"{NEXT_YEAR}-10-01",
        ]
        assert sum(d["amount"] for d in mine) == amount and all(d["status"] == "open" for d in mine)

    sn_first = next(d for d in dues if d["country_code"] == "SN")
    paid = await pay(finance, sn_first["id"], amount=5_000)
    assert paid.status_code == 201, paid.text
    again = await finance.post(
        f"/contribution-dues/{sn_first['id']}/payments",
        json={
            "id": paid.json()["id"],
            "amount": 5_000,
            "currency": "EUR",
            "paid_on": date.today().isoformat(),
        },
        headers=lead(finance),
    )
    assert again.status_code == 200 and again.json()["transfer_id"] == paid.json()["transfer_id"]
    transfer = (await finance.get(f"/transfers/{paid.json()['transfer_id']}", headers=lead(finance))).json()
    assert (transfer["amount"], transfer["code"]) == (5_000, "contribution")
    too_much = await pay(finance, sn_first["id"], amount=sn_first["amount"])
    assert (too_much.status_code, too_much.json()["code"]) == (422, "exceeds_amount_due")

    in_francs = await pay(finance, sn_first["id"], amount=30_000, currency="XOF")
    assert (in_francs.status_code, in_francs.json()["code"]) == (422, "no_exchange_rate"), in_francs.text
    rate = {
        "currency": "XOF",
        "to_currency": "EUR",
        "as_of": (date.today() - timedelta(days=3)).isoformat(),
        "rate": "0.00152449",
        "source": "BCEAO fixed parity",
    }
    recorded = await finance.post(f"/partnerships/{pid}/exchange-rates", json=rate, headers=lead(finance))
    assert recorded.status_code == 200, recorded.text
    clash = await finance.post(
        f"/partnerships/{pid}/exchange-rates", json={**rate, "rate": "0.0016"}, headers=lead(finance)
    )
    assert (clash.status_code, clash.json()["code"]) == (409, "rate_recorded")
    converted = await pay(finance, sn_first["id"], amount=30_000, currency="XOF")
    assert converted.status_code == 201, converted.text
    assert converted.json()["credited"] == 4_573, "30,000 XOF (no minor unit) at 0.00152449 = 45.73 EUR"
    assert Decimal(converted.json()["rate"]) == Decimal("0.00152449")

    revision = [*LINES, {"category": "platforms", "owner_country_code": "BR", "amount": 1_000_000}]
    proposed = await finance.post(
        f"/budgets/{budget['id']}/revisions",
        json={"lines": revision, "reason": "A platform", "decide_by": decide_by()},
        headers=lead(finance),
    )
    await deliver(finance, closed(pid, proposed.json()))
    scale = (await finance.get(f"/budgets/{budget['id']}/contributions", headers=lead(finance))).json()
    sn = await dues_of(finance, pid, country_code="SN")
    assert [d["status"] for d in sn if d["id"] == sn_first["id"]] == ["paid"], "closed at what it was paid"
    closed_part = next(d for d in sn if d["id"] == sn_first["id"])
    assert closed_part["amount"] == 5_000 + 4_573
    open_now = [d for d in sn if d["status"] == "open"]
    assert sum(d["amount"] for d in open_now) + closed_part["amount"] == scale["amounts"]["SN"]
    assert {d["status"] for d in sn} == {"paid", "superseded", "open"}
    scheduled = [
        r for r in await outbox_records(finance, "finance.contribution_scheduled.v1") if r.key == pid.encode()
    ]
    assert len(scheduled) == 6, "three members assessed, then three reassessed"


async def test_the_daily_command_reminds_and_flags_arrears_once(finance: httpx.AsyncClient) -> None:
    pid = await partnership(finance)
    await adopted_budget(
        finance,
        pid,
        fiscal_period=f"FY{NEXT_YEAR}",
        starts_on=f"{NEXT_YEAR}-01-01",
        ends_on=f"{NEXT_YEAR}-12-31",
    )
    await finance.put(f"/partnerships/{pid}/contribution-basis", json=BASIS, headers=lead(finance))
    fr = await dues_of(finance, pid, country_code="FR")
    deployment = finance.deployment  # type: ignore[attr-defined]
    conn = await asyncpg.connect(deployment.settings("finance").asyncpg_dsn, server_settings=PLATFORM)
    try:  # time passes: the first instalment is late, the second falls due next week
        await conn.execute(
            "UPDATE contribution_dues SET due_on = $2 WHERE id = $1",
            uuid.UUID(fr[0]["id"]),
            date.today() - timedelta(days=1),
        )
        await conn.execute(
            "UPDATE contribution_dues SET due_on = $2 WHERE id = $1",
            uuid.UUID(fr[1]["id"]),
            date.today() + timedelta(days=7),
        )
    finally:
        await conn.close()
    ran = finance_command(deployment, "dues")
    assert ran.returncode == 0 and "1 instalments reminded, 1 flagged overdue" in ran.stdout, ran.stderr
    async with as_platform(finance) as session, session.begin():  # again (in process: the command ran above)
        assert await remind_and_flag(session, today=date.today()) == (0, 0), "each told once"
    overdue = [
        r for r in await outbox_records(finance, "finance.contribution_overdue.v1") if r.key == pid.encode()
    ]
    reminded = [
        r for r in await outbox_records(finance, "finance.contribution_due.v1") if r.key == pid.encode()
    ]
    assert len(overdue) == 1 and fr[0]["id"].encode() in overdue[0].value
    assert len(reminded) == 1 and fr[1]["id"].encode() in reminded[0].value
    arrears = (
        await finance.get(f"/partnerships/{pid}/arrears", headers=acting(finance, "auditor", country="BR"))
    ).json()
    assert [(line["country_code"], line["outstanding"]) for line in arrears["lines"]] == [
        ("FR", fr[0]["amount"])
    ]
    scraped = (await finance.get("/metrics")).text
    [arrears_gauge] = [
        line for line in scraped.splitlines() if line.startswith('finance_arrears_amount{currency="EUR"}')
    ]
    assert float(arrears_gauge.split()[-1]) >= fr[0]["amount"], "operators see the arrears"
    late = await dues_of(finance, pid, country_code="FR", status="open")
    assert [d["overdue"] for d in late][:1] == [True]


async def test_a_money_commitment_is_pledged_once_and_a_lapse_ends_what_falls_after_it(
    finance: httpx.AsyncClient,
) -> None:
    pid = await partnership(finance)
    commitment = CommitmentRegisteredV1(
        commitment_id=str(uuid.uuid4()),
        partnership_id=pid,
        agency_id=str(uuid.uuid4()),
        country_code="BR",
        kind="money",
        amount=Decimal("1000.50"),
        currency="EUR",
        starts_on=date(NEXT_YEAR, 1, 1),
        ends_on=date(NEXT_YEAR, 12, 31),
        registered_at=datetime.now(UTC),
    )
    await deliver(finance, commitment)
    await deliver(finance, commitment)  # redelivered: pledged once
    seats = commitment.model_copy(
        update={"commitment_id": str(uuid.uuid4()), "kind": "seats", "currency": None}
    )
    await deliver(finance, seats)
    pledged = await dues_of(finance, pid, country_code="BR")
    assert [(d["kind"], d["amount"]) for d in pledged] == [("pledge", 25_013)] * 2 + [("pledge", 25_012)] * 2
    assert sum(d["amount"] for d in pledged) == 100_050
    lapsed = CommitmentRenewalConcludedV1(
        commitment_id=commitment.commitment_id,
        partnership_id=pid,
        agency_id=commitment.agency_id,
        country_code="BR",
        kind="money",
        outcome="lapsed",
        previous_amount=Decimal("1000.50"),
        currency="EUR",
        ends_on=date(NEXT_YEAR, 6, 30),
        concluded_at=datetime.now(UTC),
    )
    await deliver(finance, lapsed)
    after = await dues_of(finance, pid, country_code="BR")
    assert [d["status"] for d in after] == ["open", "open", "cancelled", "cancelled"]
    assert {d["closed_reason"] for d in after if d["status"] == "cancelled"} == {"commitment_lapsed"}
