"""Grant agreements through finance's API on real PostgreSQL: recorded once by the lead with their own ledger
account, received into the shared pool never beyond what was agreed, read by members, and published in the
partnership's IATI file as the donor's incoming funds."""

from __future__ import annotations

import json
import uuid
from datetime import date

import asyncpg
import httpx
from lxml import etree

from backbone.migrations import upgrade_async
from services.finance.transparency.iati import schema_errors
from tests.integration.finance_world import finance, grant_body, lead, partnership
from tests.integration.test_partner_relations_api import envelope_of, outbox_records
from tests.support import Deployment, acting

__all__ = ["finance"]  # the fixture


async def test_a_grant_is_agreed_received_within_its_amount_and_published_as_the_donors(
    finance: httpx.AsyncClient,
) -> None:
    pid = await partnership(finance)
    body = grant_body(amount=300_000, conditions=["Annual audited report", "Gender parity in cohorts"])
    agreed = await finance.post(f"/partnerships/{pid}/grants", json=body, headers=lead(finance))
    assert agreed.status_code == 201, agreed.text
    grant = agreed.json()
    assert (grant["received"], grant["outstanding"]) == (0, 300_000)
    again = await finance.post(f"/partnerships/{pid}/grants", json=body, headers=lead(finance))
    assert (again.status_code, again.json()["id"]) == (200, grant["id"]), "the same agreement changes nothing"
    other = await finance.post(
        f"/partnerships/{pid}/grants", json={**body, "amount": 1}, headers=lead(finance)
    )
    assert (other.status_code, other.json()["code"]) == (409, "grant_exists")
    account = (await finance.get(f"/accounts/{grant['account_id']}", headers=lead(finance))).json()
    assert account["kind"] == "grant" and account["name"] == "grant European Union"

    receipt = {"id": str(uuid.uuid4()), "amount": 200_000, "received_on": date.today().isoformat()}
    received = await finance.post(f"/grants/{grant['id']}/receipts", json=receipt, headers=lead(finance))
    assert received.status_code == 201, received.text
    retried = await finance.post(f"/grants/{grant['id']}/receipts", json=receipt, headers=lead(finance))
    assert retried.status_code == 200 and retried.json()["transfer_id"] == received.json()["transfer_id"]
    too_much = await finance.post(
        f"/grants/{grant['id']}/receipts",
        json={**receipt, "id": str(uuid.uuid4()), "amount": 100_001},
        headers=lead(finance),
    )
    assert (too_much.status_code, too_much.json()["errors"][0]["field"]) == (422, "amount")
    assert too_much.json()["code"] == "exceeds_grant"
    state = (
        await finance.get(f"/grants/{grant['id']}", headers=acting(finance, "auditor", country="SN"))
    ).json()
    assert (state["received"], state["outstanding"]) == (200_000, 100_000)
    senegal = acting(finance, "national_coordinator", country="SN")
    steered = await finance.post(
        f"/grants/{grant['id']}/receipts", json={**receipt, "id": str(uuid.uuid4())}, headers=senegal
    )
    assert (steered.status_code, steered.json()["code"]) == (403, "not_steering")
    outsider = acting(finance, "national_coordinator", country="JP")
    assert (await finance.get(f"/grants/{grant['id']}", headers=outsider)).status_code == 404
    for bad, field in (
        ({"ends_on": "2000-01-01"}, "ends_on"),
        ({"donor_kind": "friend"}, "donor_kind"),
        ({"currency": "XXX"}, "currency"),
        ({"amount": 0}, "amount"),
    ):
        refused = await finance.post(
            f"/partnerships/{pid}/grants", json=grant_body(**bad), headers=lead(finance)
        )
        assert refused.status_code == 422 and field in refused.text, refused.text

    activity = await finance.get(f"/partnerships/{pid}/iati-activity.xml", headers=senegal)
    assert activity.status_code == 200 and schema_errors(activity.content) == []
    root = etree.fromstring(activity.content)
    donors = [o for o in root.iter("participating-org") if o.get("ref") == "XI-IATI-EC_INTPA"]
    assert [(o.get("role"), o.get("type")) for o in donors] == [("1", "40")]
    [incoming] = [t for t in root.iter("transaction") if t.get("ref") == received.json()["transfer_id"]]
    assert incoming.findtext("provider-org/narrative") == "European Union"
    assert incoming.findtext("value") == "2000.00"


async def test_no_money_is_received_before_every_condition_precedent_is_met(
    finance: httpx.AsyncClient,
) -> None:
    pid = await partnership(finance)
    conditions = [
        {"id": "audit", "text": "Audited accounts of last year", "precedent": True},
        {"id": "report", "text": "Annual results report", "due_on": "2031-03-31"},
        "Gender parity in cohorts",
    ]
    bad = await finance.post(
        f"/partnerships/{pid}/grants",
        json=grant_body(conditions=[*conditions, {"id": "audit", "text": "Again"}]),
        headers=lead(finance),
    )
    assert bad.status_code == 422 and "conditions" in bad.json()["errors"][0]["field"], bad.text
    body = grant_body(amount=50_000, conditions=conditions)
    grant = (await finance.post(f"/partnerships/{pid}/grants", json=body, headers=lead(finance))).json()
    assert [(c["id"], c["precedent"], c["met_on"]) for c in grant["conditions"]] == [
        ("audit", True, None),
        ("report", False, None),
        ("c3", False, None),
    ]
    assert grant["precedents_unmet"] == 1
    receipt = {"id": str(uuid.uuid4()), "amount": 10_000, "received_on": date.today().isoformat()}
    early = await finance.post(f"/grants/{grant['id']}/receipts", json=receipt, headers=lead(finance))
    assert (early.status_code, early.json()["code"]) == (409, "conditions_precedent_unmet"), early.text

    url = f"/grants/{grant['id']}/conditions/audit/fulfilment"
    met = {"met_on": date.today().isoformat(), "evidence": "Auditor's opinion of 2 May"}
    senegal = acting(finance, "programme_coordinator", country="SN")
    assert (await finance.post(url, json=met, headers=senegal)).status_code == 403, "the lead records it"
    future = await finance.post(url, json={**met, "met_on": "2099-01-01"}, headers=lead(finance))
    assert (future.status_code, future.json()["errors"][0]["field"]) == (422, "met_on"), future.text
    missing = await finance.post(
        f"/grants/{grant['id']}/conditions/nope/fulfilment", json=met, headers=lead(finance)
    )
    assert (missing.status_code, missing.json()["code"]) == (404, "condition_not_found")
    done = await finance.post(url, json=met, headers=lead(finance))
    assert done.status_code == 200 and done.json()["precedents_unmet"] == 0, done.text
    assert (await finance.post(url, json=met, headers=lead(finance))).status_code == 200, "the same again"
    other = await finance.post(url, json={**met, "evidence": "Another"}, headers=lead(finance))
    assert (other.status_code, other.json()["code"]) == (409, "condition_met")
    again = await finance.post(f"/partnerships/{pid}/grants", json=body, headers=lead(finance))
    assert again.status_code == 200, "recording the agreement again is still the same agreement"

    received = await finance.post(f"/grants/{grant['id']}/receipts", json=receipt, headers=lead(finance))
    assert received.status_code == 201, received.text
    events = [envelope_of(r).data for r in await outbox_records(finance, "finance.grant_condition_met.v1")]
    assert [(e["condition_id"], e["precedents_unmet"]) for e in events if e["grant_id"] == grant["id"]] == [
        ("audit", 0)
    ]


async def test_conditions_recorded_as_texts_become_conditions_c1_c2_not_precedent(
    deployment: Deployment,
) -> None:
    await deployment.create("finance", revision="0015_former_members_dues")
    settings = deployment.settings("finance")
    grant, account = uuid.uuid4(), uuid.uuid4()

    async def as_owner(query: str, *args: object) -> object:
        owner = await asyncpg.connect(settings.migration_sqlalchemy_url.replace("+asyncpg", "", 1))
        try:
            async with owner.transaction():
                await owner.execute("SELECT set_config('backbone.tenant', '*', true)")
                return await owner.fetchval(query, *args)
        finally:
            await owner.close()

    await as_owner(
        "INSERT INTO ledger_accounts (id, partnership_id, kind, name, currency, debits_must_not_exceed_credits, "
        "credits_must_not_exceed_debits, debits_pending, debits_posted, credits_pending, credits_posted, "
        "handling_code, created_at) VALUES ($1, $2, 'grant', 'grant EU', 'EUR', true, false, 0, 0, 0, 0, "
        "'partnership', now())",
        account,
        uuid.uuid4(),
    )
    await as_owner(
        "INSERT INTO grant_agreements (id, partnership_id, donor_name, donor_kind, currency, amount, received, "
        "conditions, starts_on, ends_on, account_id, handling_code, agreed_at) SELECT $1, partnership_id, 'EU', "
        "'multilateral', 'EUR', 10, 0, $2::jsonb, current_date, current_date, id, 'partnership', now() "
        "FROM ledger_accounts WHERE id = $3",
        grant,
        '["Audited accounts", "Parity"]',
        account,
    )
    await upgrade_async(settings)
    stored = await as_owner("SELECT conditions::text FROM grant_agreements WHERE id = $1", grant)
    unmet = {"precedent": False, "due_on": None, "met_on": None, "evidence": None}
    assert json.loads(str(stored)) == [
        {"id": "c1", "text": "Audited accounts", **unmet},
        {"id": "c2", "text": "Parity", **unmet},
    ]
