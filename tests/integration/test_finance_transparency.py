"""Transparency through the API on real PostgreSQL: the IATI 2.03 activity file (validated against the official
schema, each transaction leading back to its transfer), its CSV, and the public summary, which withholds
spending made of too few transfers and any total that would give it away."""

from __future__ import annotations

import csv
import io
import uuid
from typing import Any

import httpx
from lxml import etree

from services.finance.transparency.iati import schema_errors
from tests.integration.finance_world import account, finance, lead, owned_ledger, transfer
from tests.support import acting

__all__ = ["finance"]  # the fixture


async def spend(api: httpx.AsyncClient, pid: str, source: str, target: str, *amounts: int) -> list[str]:
    ids = []
    for amount in amounts:
        moved = await transfer(api, pid, debit_account_id=source, credit_account_id=target, amount=amount)
        assert moved.status_code == 201, moved.text
        ids.append(moved.json()["id"])
    return ids


async def test_the_activity_file_validates_leads_to_transfers_and_the_public_summary_gives_no_one_away(
    finance: httpx.AsyncClient,
) -> None:
    world = await owned_ledger(finance)
    pid, pool = world["partnership_id"], world["account_id"]
    brazil = await account(finance, pid, "contributions_receivable", country_code="BR")
    stipends = await account(finance, pid, "spent_stipends")
    travel = await account(finance, pid, "spent_travel")
    [paid] = await spend(finance, pid, brazil["id"], pool, 100_000)
    stipend_ids = await spend(finance, pid, pool, stipends["id"], 1_000, 2_000, 3_000)
    [trip] = await spend(finance, pid, pool, travel["id"], 500)

    outsider = acting(finance, "national_coordinator", country="JP")
    public = await finance.get(
        f"/partnerships/{pid}/public-summary", headers={"Authorization": ""}
    )  # no token
    assert public.status_code == 200, public.text
    public = await finance.get(f"/partnerships/{pid}/public-summary", headers=outsider)
    assert public.status_code == 200, public.text
    [period] = public.json()["periods"]
    assert public.json()["handling_code"] == "public"
    assert (period["budget"]["stipends"], period["budget_total"]) == (600_000, 1_000_000)
    assert period["actual"]["stipends"] == 6_000, "three transfers make a figure"
    assert period["actual"]["travel"] is None and period["withheld"] == ["travel"], "one trip is one person's"
    assert period["actual_total"] is None, "the total minus the stipends would be the trip"
    assert {c["country_code"] for c in public.json()["contributions"]} == {"FR", "SN", "BR"}
    await spend(finance, pid, pool, travel["id"], 700, 800)
    period = (await finance.get(f"/partnerships/{pid}/public-summary", headers=outsider)).json()["periods"][0]
    assert (period["actual"]["travel"], period["actual_total"], period["withheld"]) == (2_000, 8_000, [])

    for path in ("iati-activity.xml", "activity.csv"):
        hidden = await finance.get(f"/partnerships/{pid}/{path}", headers=outsider)
        assert hidden.status_code == 404, "the detail is the members'"
    member = acting(finance, "auditor", country="SN")
    answer = await finance.get(f"/partnerships/{pid}/iati-activity.xml", headers=member)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("application/xml")
    assert schema_errors(answer.content) == [], "valid against the vendored IATI 2.03 schema"
    activity = etree.fromstring(answer.content).find("iati-activity")
    assert activity is not None
    assert activity.findtext("iati-identifier", "").endswith(pid)
    transactions = {t.get("ref"): t for t in activity.iter("transaction")}
    assert {paid, trip, *stipend_ids, world["transfer_id"]} <= set(transactions), (
        "every figure has its transfer"
    )
    incoming = transactions[paid]
    assert incoming.find("transaction-type").get("code") == "1"  # type: ignore[union-attr]
    assert incoming.findtext("value") == "1000.00" and incoming.findtext("provider-org/narrative") == "BR"
    assert transactions[stipend_ids[0]].find("transaction-type").get("code") == "4"  # type: ignore[union-attr]
    assert activity.findtext("budget/value") == "10000.00"
    roles = {o.findtext("narrative"): o.get("role") for o in activity.iter("participating-org")}
    assert roles == {"FR": "2", "SN": "1", "BR": "1", "European Union": "1"}, "partners, then donors"
    [result] = activity.iter("result")
    assert result.find("indicator/period/target").get("value") == "0.8"  # type: ignore[union-attr]

    broken = etree.fromstring(answer.content)
    identifier = broken.find("iati-activity/iati-identifier")
    assert identifier is not None
    identifier.getparent().remove(identifier)  # type: ignore[union-attr]
    assert schema_errors(etree.tostring(broken)), "the schema is really checked"

    table = await finance.get(f"/partnerships/{pid}/activity.csv", headers=lead(finance))
    assert table.status_code == 200 and table.headers["content-type"].startswith("text/csv")
    rows: list[dict[str, Any]] = list(csv.DictReader(io.StringIO(table.text)))
    by_id = {row["id"]: row for row in rows if row["record"] == "transaction"}
    assert by_id[trip]["amount"] == "5.00" and by_id[trip]["category"] == "travel"
    assert {row["category"] for row in rows if row["record"] == "budget"} == {"stipends", "travel"}
    assert {(r["partner"], r["type"]) for r in rows if r["record"] == "contribution"} >= {("SN", "due")}

    refused = await finance.get(
        f"/partnerships/{pid}/iati-activity.xml", params={"reporting_org": "no spaces"}, headers=member
    )
    assert refused.status_code == 422 and "reporting_org" in refused.text
    unknown = await finance.get(f"/partnerships/{uuid.uuid4()}/public-summary", headers=outsider)
    assert unknown.status_code == 404 and unknown.headers["content-type"].startswith(
        "application/problem+json"
    )
