"""Budgets and contributions through the finance API and both services' consumer handlers on real PostgreSQL:
the lead proposes, partners opens a `budget` decision from finance's event, the oversight body votes, the
decision's outcome adopts (or rejects) the version in finance, and the contributions are computed from the
partnership's basis with every step shown, again when a revision is adopted or a member joins. Budget vs
committed vs actual comes from the ledger, down to the transfers."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import asyncpg
import httpx

from contracts.events.partners import PartnershipMemberAddedV1
from tests.integration.finance_world import (
    BASIS,
    INDICATORS,
    LINES,
    account,
    adopted_budget,
    closed,
    decide_by,
    deliver,
    deliver_record,
    finance,
    lead,
    owned_ledger,
    partnership,
    propose,
    transfer,
)
from tests.integration.test_partner_relations_api import apply, outbox_records
from tests.integration.test_partnerships_api import as_seat
from tests.integration.test_partnerships_api import partnership as partners_partnership
from tests.support import acting

__all__ = ["finance"]  # the fixture


async def test_a_budget_is_adopted_revised_and_its_contributions_shown_step_by_step(
    finance: httpx.AsyncClient,
) -> None:
    pid = await partnership(finance)
    member = acting(finance, "auditor", country="SN")
    budget = await adopted_budget(finance, pid)
    assert budget["adopted_version"] == 1 and budget["versions"][0]["status"] == "adopted"
    missing = await finance.get(f"/budgets/{budget['id']}/contributions", headers=member)
    assert (missing.status_code, missing.json()["code"]) == (404, "scale_not_computed")

    basis = await finance.put(f"/partnerships/{pid}/contribution-basis", json=BASIS, headers=lead(finance))
    assert basis.status_code == 200, basis.text
    scale = (await finance.get(f"/budgets/{budget['id']}/contributions", headers=member)).json()
    assert scale["current"] and scale["reason"] == "basis_changed"
    assert [step["name"] for step in scale["steps"]] == ["capacity", "ceiling", "floor"]
    assert set(scale["inputs"]["indicators"]) == {"FR", "SN", "BR"}, "KE is listed but not a member"
    assert scale["steps"][0]["shares"]["FR"] == "0.70000000"
    assert scale["steps"][1]["shares"]["FR"] == "0.60000000", "capped at the ceiling"
    assert scale["steps"][2]["shares"]["SN"] == "0.05000000", "lifted to the floor"
    assert sum(scale["amounts"].values()) == 1_000_000 and scale["amounts"]["SN"] == 50_000

    revision = {"lines": [*LINES, {"category": "platforms", "owner_country_code": "BR", "amount": 1_000_000}]}
    proposed = await finance.post(
        f"/budgets/{budget['id']}/revisions",
        json={**revision, "reason": "An e-learning platform", "decide_by": decide_by()},
        headers=lead(finance),
    )
    assert proposed.status_code == 201 and proposed.json()["number"] == 2, proposed.text
    again = await finance.post(
        f"/budgets/{budget['id']}/revisions",
        json={**revision, "reason": "twice", "decide_by": decide_by()},
        headers=lead(finance),
    )
    assert (again.status_code, again.json()["code"]) == (409, "revision_pending")
    await deliver(finance, closed(pid, proposed.json(), "vetoed"))
    after = (await finance.get(f"/budgets/{budget['id']}", headers=member)).json()
    assert [v["status"] for v in after["versions"]] == ["adopted", "rejected"] and after[
        "adopted_version"
    ] == 1

    third = await finance.post(
        f"/budgets/{budget['id']}/revisions",
        json={**revision, "reason": "An e-learning platform, cheaper", "decide_by": decide_by()},
        headers=lead(finance),
    )
    await deliver(finance, closed(pid, third.json()))
    await deliver(finance, closed(pid, third.json()))  # a redelivered decision changes nothing more
    after = (await finance.get(f"/budgets/{budget['id']}", headers=member)).json()
    assert [v["status"] for v in after["versions"]] == ["superseded", "rejected", "adopted"]
    scale = (await finance.get(f"/budgets/{budget['id']}/contributions", headers=member)).json()
    assert (scale["reason"], scale["budget_version"]) == ("budget_revised", 3)
    assert sum(scale["amounts"].values()) == 2_000_000

    await deliver(
        finance,
        PartnershipMemberAddedV1(
            partnership_id=pid,
            agency_id=str(uuid.uuid4()),
            country_code="KE",
            role="member",
            phase="co_design",
            new_country=True,
            joined_at=datetime.now(UTC),
        ),
    )
    scale = (await finance.get(f"/budgets/{budget['id']}/contributions", headers=member)).json()
    assert scale["reason"] == "membership_changed" and "KE" in scale["amounts"]
    assert sum(scale["amounts"].values()) == 2_000_000


async def test_budget_vs_committed_vs_actual_traces_to_the_transfers(finance: httpx.AsyncClient) -> None:
    pid = await partnership(finance)
    budget = await adopted_budget(finance, pid)
    # Money flows from the debit to the credit account: in from a partner, out of the pool to spending.
    pool = await account(finance, pid, "shared_pool", debits_must_not_exceed_credits=True)
    owed = await account(finance, pid, "contributions_receivable", country_code="SN")
    stipends = await account(finance, pid, "spent_stipends")
    travel = await account(finance, pid, "spent_travel")
    paid = await transfer(
        finance, pid, debit_account_id=owed["id"], credit_account_id=pool["id"], amount=900_000
    )
    spent = await transfer(
        finance,
        pid,
        debit_account_id=pool["id"],
        credit_account_id=stipends["id"],
        amount=250_000,
        code="stipend",
    )
    reserved = await transfer(
        finance,
        pid,
        kind="pending",
        debit_account_id=pool["id"],
        credit_account_id=travel["id"],
        amount=120_000,
        code="travel",
    )
    corrected = await transfer(
        finance,
        pid,
        debit_account_id=stipends["id"],
        credit_account_id=pool["id"],
        amount=50_000,
        code="correction",
    )
    assert {r.status_code for r in (paid, spent, reserved, corrected)} == {201}

    member = acting(finance, "auditor", country="BR")
    status = (await finance.get(f"/budgets/{budget['id']}/status", headers=member)).json()
    by = {c["category"]: c for c in status["categories"]}
    assert (by["stipends"]["budget"], by["stipends"]["committed"], by["stipends"]["actual"]) == (
        600_000,
        0,
        200_000,
    )
    assert (by["travel"]["committed"], by["travel"]["actual"], by["travel"]["available"]) == (
        120_000,
        0,
        280_000,
    )
    assert by["platforms"] == {**by["platforms"], "budget": 0, "committed": 0, "actual": 0}
    drilled = (await finance.get(by["stipends"]["transfers"], headers=member)).json()
    assert [t["id"] for t in drilled["items"]] == [spent.json()["id"], corrected.json()["id"]]
    posted = await transfer(
        finance, pid, kind="post_pending", pending_id=reserved.json()["id"], amount=100_000
    )
    assert posted.status_code == 201
    status = (await finance.get(f"/budgets/{budget['id']}/status", headers=member)).json()
    by = {c["category"]: c for c in status["categories"]}
    assert (by["travel"]["committed"], by["travel"]["actual"]) == (0, 100_000), "the rest was released"


async def test_bad_budgets_and_bases_are_refused_naming_the_field(finance: httpx.AsyncClient) -> None:
    pid = await partnership(finance)

    async def refused(response: httpx.Response, status: int, code: str, field: str | None = None) -> None:
        assert response.status_code == status, response.text
        problem = response.json()
        assert response.headers["content-type"].startswith("application/problem+json")
        if status == 422 and field:
            named = [error.get("field", "") for error in problem.get("errors", [])] + [
                problem.get("field", "")
            ]
            assert any(field in name for name in named), problem
        else:
            assert problem["code"] == code, problem

    await refused(await propose(finance, pid, currency="ABC"), 422, "validation_error", "currency")
    await refused(await propose(finance, pid, currency="XAU"), 422, "validation_error", "currency")
    await refused(
        await propose(finance, pid, lines=[{"category": "travel", "owner_country_code": "JP", "amount": 5}]),
        422,
        "not_a_member",
        "lines.0.owner_country_code",
    )
    await refused(await propose(finance, pid, ends_on="2020-01-01"), 422, "validation_error", "ends_on")
    first = await propose(finance, pid)
    assert first.status_code == 201
    replay = await finance.post(
        f"/partnerships/{pid}/budgets",
        json={
            **{k: v for k, v in first.json().items() if k in ("id", "fiscal_period", "starts_on", "ends_on")},
            "currency": "EUR",
            "lines": LINES,
            "decide_by": decide_by(),
        },
        headers=lead(finance),
    )
    assert replay.status_code == 200, "the same budget again changes nothing"
    await refused(await propose(finance, pid), 422, "period_has_budget", "fiscal_period")
    await refused(await propose(finance, pid, id=first.json()["id"], currency="XOF"), 409, "budget_exists")
    revision = {"lines": LINES, "reason": "too early", "decide_by": decide_by()}
    await refused(
        await finance.post(f"/budgets/{first.json()['id']}/revisions", json=revision, headers=lead(finance)),
        409,
        "not_adopted",
    )
    senegal = acting(finance, "national_coordinator", country="SN")
    steered = await finance.post(f"/partnerships/{pid}/budgets", json={}, headers=senegal)
    await refused(steered, 403, "not_steering")
    outsider = acting(finance, "national_coordinator", country="JP")
    assert (await finance.get(f"/budgets/{first.json()['id']}", headers=outsider)).status_code == 404

    basis_url = f"/partnerships/{pid}/contribution-basis"
    without_br = {**BASIS, "indicators": {"FR": "1", "SN": "1"}}
    await refused(
        await finance.put(basis_url, json=without_br, headers=lead(finance)), 422, "", "indicators.BR"
    )
    await refused(
        await finance.put(
            basis_url,
            json={**BASIS, "indicators": {**INDICATORS, "SN": "-1"}},
            headers=lead(finance),
        ),
        422,
        "",
        "indicators",
    )
    await deliver(finance, closed(pid, first.json()["versions"][0]))
    await refused(
        await finance.put(basis_url, json={**BASIS, "floor": "0.4", "ceiling": "0.5"}, headers=lead(finance)),
        422,
        "",
        "floor",
    )
    assert (await finance.get(basis_url, headers=senegal)).json()["code"] == "basis_not_set", "nothing stored"


async def test_the_oversight_body_adopts_a_budget_through_a_partners_decision(
    api: httpx.AsyncClient, finance: httpx.AsyncClient
) -> None:
    p = await partners_partnership(api, {"kind": "members", "approvals_needed": 2})
    [registered] = [
        r
        for r in await outbox_records(api, "partners.partnership_registered.v1")
        if r.key == p["id"].encode()
    ]
    await deliver_record(finance, registered)
    proposed = await propose(finance, p["id"])
    assert proposed.status_code == 201, proposed.text
    version = proposed.json()["versions"][0]
    [asked] = [
        r
        for r in await outbox_records(finance, "finance.budget_proposed.v1")
        if r.key == proposed.json()["id"].encode()
    ]
    await apply(api, asked)
    await apply(api, asked)  # redelivered: still one decision
    decisions = (await api.get(f"/partnerships/{p['id']}/decisions")).json()["items"]
    [decision] = [d for d in decisions if d["subject"] == f"finance:budget-version:{version['id']}"]
    assert decision["kind"] == "budget" and "FY2027" in decision["title"]
    body = {m["country_code"]: m["id"] for m in p["oversight_body"]}
    for code in ("SN", "BR", "FR"):  # FR holds a veto: approved once it can no longer veto
        voted = await api.post(
            f"/decisions/{decision['id']}/votes",
            json={"member_id": body[code], "choice": "approve"},
            headers=as_seat(api, p, code),
        )
        assert voted.status_code in (200, 201), voted.text
    [outcome] = [
        r
        for r in await outbox_records(api, "partners.decision_closed.v1")
        if f"finance:budget-version:{version['id']}".encode() in r.value
    ]
    await deliver_record(finance, outcome)
    adopted = (await finance.get(f"/budgets/{proposed.json()['id']}", headers=lead(finance))).json()
    assert adopted["adopted_version"] == 1 and adopted["versions"][0]["decision_id"] == decision["id"]
    [announced] = [
        r
        for r in await outbox_records(finance, "finance.budget_adopted.v1")
        if r.key == proposed.json()["id"].encode()
    ]
    assert b'"total":1000000' in announced.value.replace(b" ", b"")


async def test_row_level_security_lets_members_read_and_only_the_lead_change_budgets_and_dues(
    finance: httpx.AsyncClient,
) -> None:
    ids = await owned_ledger(finance)
    deployment = finance.deployment  # type: ignore[attr-defined]
    tables = (
        "budgets",
        "budget_versions",
        "contribution_bases",
        "contribution_scales",
        "contribution_dues",
        "funding_tranches",
        "rate_cards",
        "stipends",
        "grant_agreements",
    )
    for country, sees in (("SN", True), ("JP", False)):
        conn = await asyncpg.connect(
            deployment.settings("finance").asyncpg_dsn, server_settings={"backbone.tenant": country}
        )
        try:
            for table in tables:
                visible = await conn.fetchval(f"SELECT count(*) FROM {table}")
                assert (visible > 0) == sees, f"{country} reads {table}: {visible}"
                changed = await conn.execute(f"UPDATE {table} SET partnership_id = partnership_id")
                assert changed == "UPDATE 0", f"{country} may not change {table}"
        finally:
            await conn.close()
    assert ids["budget_id"]
