"""Grant agreements through finance's API on real PostgreSQL: recorded once by the lead with their own ledger
account, received into the shared pool never beyond what was agreed, read by members, and published in the
partnership's IATI file as the donor's incoming funds."""

from __future__ import annotations

import uuid
from datetime import date

import httpx
from lxml import etree

from services.finance.transparency.iati import schema_errors
from tests.integration.finance_world import finance, grant_body, lead, partnership
from tests.support import acting

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
