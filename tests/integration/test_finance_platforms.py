"""Digital learning platforms through the finance API and its charging command, on real PostgreSQL: each begun
period paid once from the shared pool and split between the members by the contribution scale; a period before
any adopted budget waits for a scale; bad subscriptions named by field."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

import httpx

from services.finance.spending.rules import platform_periods
from tests.integration.finance_world import finance, lead
from tests.integration.test_finance_ledger import finance_command
from tests.integration.test_finance_spending import budgeted, fund_pool, outbox
from tests.support import acting

__all__ = ["finance"]  # the fixture


def subscription(**fields: object) -> dict[str, object]:
    return {
        "id": str(uuid.uuid4()),
        "name": "Moodle for the cyber forensics course",
        "vendor": "Learning Co",
        "currency": "EUR",
        "amount_per_period": 1_001,
        "period_months": 3,
        "starts_on": f"{datetime.now(UTC).year}-01-01",
        **fields,
    }


async def test_each_begun_period_is_paid_once_and_split_by_the_contribution_scale(
    finance: httpx.AsyncClient,
) -> None:
    world = await budgeted(finance)
    pid = world["partnership_id"]
    await fund_pool(finance, pid)
    url = f"/partnerships/{pid}/platforms"

    for bad, field in (
        (subscription(period_months=2), "period_months"),
        (subscription(amount_per_period=0), "amount_per_period"),
        (subscription(ends_on=f"{datetime.now(UTC).year - 1}-06-30"), "ends_on"),
        (subscription(currency="EURO"), "currency"),
    ):
        refused = await finance.post(url, json=bad, headers=lead(finance))
        assert refused.status_code == 422, refused.text
        assert any(field in e["field"] for e in refused.json()["errors"]), (field, refused.json())
    senegal = acting(finance, "programme_coordinator", country="SN")
    assert (await finance.post(url, json=subscription(), headers=senegal)).status_code == 403

    body = subscription()
    made = await finance.post(url, json=body, headers=lead(finance))
    assert made.status_code == 201, made.text
    assert (await finance.post(url, json=body, headers=lead(finance))).status_code == 200, "the same again"
    reused = await finance.post(url, json={**body, "amount_per_period": 5}, headers=lead(finance))
    assert (reused.status_code, reused.json()["code"]) == (409, "platform_id_reused")
    early = subscription(starts_on=f"{datetime.now(UTC).year - 1}-12-01", period_months=1, ends_on=None)
    assert (await finance.post(url, json=early, headers=lead(finance))).status_code == 201

    deployment = finance.deployment  # type: ignore[attr-defined]
    run = finance_command(deployment, "charge-platforms")
    today = datetime.now(UTC).date()
    begun = len(platform_periods(date(today.year, 1, 1), None, 3, today))
    monthly = len(
        platform_periods(date(today.year, 1, 1), None, 1, today)
    )  # the early one, within the budget
    assert run.returncode == 0, run.stdout + run.stderr
    assert f"{begun + monthly} periods charged, 1 waiting" in run.stdout, run.stdout
    again = finance_command(deployment, "charge-platforms")
    assert "0 periods charged, 1 waiting" in again.stdout, "each period once; the one before the budget waits"
    huge = subscription(amount_per_period=10**12, period_months=12)
    assert (await finance.post(url, json=huge, headers=lead(finance))).status_code == 201
    short = finance_command(deployment, "charge-platforms")
    assert "0 periods charged, 1 waiting" in short.stdout and "1 left for the next run" in short.stdout
    assert (await finance.get(f"/platforms/{huge['id']}/charges", headers=lead(finance))).json() == []

    scale = (await finance.get(f"/budgets/{world['budget_id']}/contributions", headers=lead(finance))).json()
    charges = (await finance.get(f"/platforms/{body['id']}/charges", headers=lead(finance))).json()
    assert [c["period_start"] for c in charges][:2] == [f"{today.year}-01-01", f"{today.year}-04-01"][:begun]
    for charge in charges:
        parts = {s["country_code"]: s["amount"] for s in charge["shares"]}
        assert sum(parts.values()) == 1_001 and charge["scale_id"] == scale["id"]
        assert set(parts) == {c for c, a in scale["amounts"].items() if a > 0}
        ordered = sorted(parts, key=lambda c: scale["amounts"][c])
        assert [parts[c] for c in ordered] == sorted(parts.values()), "in proportion to the contributions"
    assert await outbox(finance, "finance.platform_charged.v1") == begun + monthly

    status = (await finance.get(f"/budgets/{world['budget_id']}/status", headers=lead(finance))).json()
    actual = {c["category"]: c["actual"] for c in status["categories"]}["platforms"]
    assert actual == 1_001 * (begun + monthly)
    brazil = acting(finance, "auditor", country="BR")
    seen = await finance.get(f"/platforms/{body['id']}/charges", headers=brazil)
    assert seen.status_code == 200 and len(seen.json()) == begun, "every member sees its part"
    stranger = acting(finance, "auditor", country="JP")
    assert (await finance.get(f"/platforms/{body['id']}/charges", headers=stranger)).status_code in (403, 404)


async def test_the_lead_ends_a_subscription_and_no_later_period_is_charged(
    finance: httpx.AsyncClient,
) -> None:
    world = await budgeted(finance)
    pid = world["partnership_id"]
    await fund_pool(finance, pid)
    today = datetime.now(UTC).date()
    body = subscription(period_months=1, starts_on=today.replace(day=1).isoformat())
    assert (
        await finance.post(f"/partnerships/{pid}/platforms", json=body, headers=lead(finance))
    ).status_code == 201
    deployment = finance.deployment  # type: ignore[attr-defined]
    assert "1 periods charged" in finance_command(deployment, "charge-platforms").stdout
    url = f"/platforms/{body['id']}/end"

    senegal = acting(finance, "programme_coordinator", country="SN")
    assert (await finance.post(url, json={"ends_on": "2099-01-01"}, headers=senegal)).status_code == 403
    early = await finance.post(url, json={"ends_on": body["starts_on"]}, headers=lead(finance))
    assert early.status_code == 422 and early.json()["errors"][0]["field"] == "ends_on", early.text
    assert early.json()["code"] == "ends_before_charged", "a charged period stays charged"
    ended_on = date(today.year + (today.month == 12), today.month % 12 + 1, 1).isoformat()  # next month's 1st
    ended = await finance.post(url, json={"ends_on": ended_on}, headers=lead(finance))
    assert ended.status_code == 200 and ended.json()["ends_on"] == ended_on, ended.text
    assert (await finance.post(url, json={"ends_on": ended_on}, headers=lead(finance))).status_code == 200
    listed = (await finance.get(f"/partnerships/{pid}/platforms", headers=lead(finance))).json()
    assert [p["ends_on"] for p in listed] == [ended_on]
    unknown = await finance.post(
        f"/platforms/{uuid.uuid4()}/end", json={"ends_on": ended_on}, headers=lead(finance)
    )
    assert unknown.status_code == 404
