"""Commitments and the service side of their renewal through the partners API and its real database.

The renewal workflow's activities call the `/internal/commitments/...` routes; here they are called directly, as
the activities would, to show what each step records and announces and that a retried step changes nothing.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import httpx

from tests.integration.test_partners_api import PROBLEM
from tests.integration.test_partnerships_api import agency, events, partnership
from tests.support import ncu


def workflows(api: httpx.AsyncClient) -> dict[str, str]:
    """The renewal workflow's token: these routes are the worker's only."""
    return api.deployment.issuer.workflow_headers()  # type: ignore[attr-defined,no-any-return]


SEATS = {
    "kind": "seats",
    "amount": "12",
    "starts_on": "2027-01-01",
    "ends_on": "2027-12-31",
    "signed_by": "NCU",
}


async def pledge(api: httpx.AsyncClient, pid: str, agency_id: str, **fields: Any) -> dict[str, Any]:
    country = (await api.get(f"/agencies/{agency_id}")).json()["country_code"]
    created = await api.post(
        f"/partnerships/{pid}/commitments",
        json={**SEATS, "agency_id": agency_id, **fields},
        headers=ncu(api, country),  # the agency's own national coordination unit signs
    )
    assert created.status_code == 201, created.text
    return created.json()  # type: ignore[no-any-return]


async def test_pledges_are_recorded_listed_filtered_and_paginated(api: httpx.AsyncClient) -> None:
    p = await partnership(api, {"kind": "members", "approvals_needed": 2})
    by_country = {m["country_code"]: m["agency_id"] for m in p["members"]}
    fr, sn, br = by_country["FR"], by_country["SN"], by_country["BR"]
    money = await pledge(
        api, p["id"], fr, kind="money", amount="250000.50", currency="EUR", priorities="Cyber lab"
    )
    assert money["unit"] == "EUR" and money["amount"] == "250000.50" and money["status"] == "active"
    assert money["expires_at"] == "2028-01-01T00:00:00Z" and money["country_code"] == "FR"
    assert money["renewal_timers"]["ask_before_expiry_seconds"] == 90 * 86400
    await pledge(api, p["id"], sn)
    await pledge(api, p["id"], br, kind="instructors", amount="40")
    fetched = await api.get(f"/commitments/{money['id']}")
    assert fetched.status_code == 200 and fetched.json() == money

    url = f"/partnerships/{p['id']}/commitments"
    first = (await api.get(url, params={"limit": 2})).json()
    rest = (await api.get(url, params={"limit": 2, "cursor": first["next_cursor"]})).json()
    assert len(first["items"]) == 2 and len(rest["items"]) == 1 and rest["next_cursor"] is None
    assert {c["id"] for c in first["items"] + rest["items"]} >= {money["id"]}
    assert [c["kind"] for c in (await api.get(url, params={"kind": "seats"})).json()["items"]] == ["seats"]
    assert [c["id"] for c in (await api.get(url, params={"country": "fr"})).json()["items"]] == [money["id"]]
    assert (await api.get(url, params={"status": "lapsed"})).json()["items"] == []
    assert (await events(api)).count("partners.commitment_registered.v1") == 3


async def test_bad_pledges_are_refused_with_the_fields_named(api: httpx.AsyncClient) -> None:
    p = await partnership(api, {"kind": "members", "approvals_needed": 2})
    fr = next(m["agency_id"] for m in p["members"] if m["country_code"] == "FR")
    url = f"/partnerships/{p['id']}/commitments"
    cases: list[tuple[dict[str, Any], int, str]] = [
        ({**SEATS, "agency_id": fr, "kind": "money"}, 422, "validation_failed"),  # money without currency
        ({**SEATS, "agency_id": fr, "currency": "EUR"}, 422, "validation_failed"),  # currency for seats
        ({**SEATS, "agency_id": fr, "amount": "-3"}, 422, "validation_failed"),
        ({**SEATS, "agency_id": fr, "ends_on": "2026-12-01"}, 422, "validation_failed"),
        ({**SEATS, "agency_id": fr, "kind": "goodwill"}, 422, "validation_failed"),
        ({**SEATS, "agency_id": str(uuid.uuid4())}, 422, "agency_not_a_member"),
    ]
    for body, status, code in cases:
        refused = await api.post(url, json=body)
        assert refused.status_code == status and refused.json()["code"] == code, (body, refused.text)
        assert refused.headers["content-type"] == PROBLEM and refused.json()["errors"], refused.text
    outsider = await agency(api, "FR", f"Gendarmerie {uuid.uuid4().hex[:6]}")
    refused = await api.post(url, json={**SEATS, "agency_id": outsider})
    assert refused.json()["errors"][0]["field"] == "agency_id"
    missing = await api.post(f"/partnerships/{uuid.uuid4()}/commitments", json={**SEATS, "agency_id": fr})
    assert missing.status_code == 404 and missing.json()["code"] == "partnership_not_found"
    assert (await api.get(f"/commitments/{uuid.uuid4()}")).json()["code"] == "commitment_not_found"
    assert "partners.commitment_registered.v1" not in await events(api)


async def test_the_renewal_steps_are_recorded_once_and_a_renewal_links_a_successor(
    api: httpx.AsyncClient,
) -> None:
    p = await partnership(api, {"kind": "members", "approvals_needed": 2})
    by_country = {m["country_code"]: m["agency_id"] for m in p["members"]}
    sn = by_country["SN"]
    commitment = await pledge(api, p["id"], sn)
    cid = commitment["id"]
    internal = f"/internal/commitments/{cid}"

    early_notice = await api.post(
        f"{internal}/renewal-notices", json={"kind": "reminder"}, headers=workflows(api)
    )
    assert early_notice.status_code == 409 and early_notice.json()["code"] == "renewal_not_pending"
    for _ in range(2):  # a retried activity with its key, then without: one request, one event
        asked = await api.post(
            f"{internal}/renewal-request",
            json={"expires_at": commitment["expires_at"]},
            headers={"Idempotency-Key": f"renewal-{cid}:ask", **workflows(api)},
        )
        assert asked.status_code == 200 and asked.json()["status"] == "renewal_pending", asked.text
    await api.post(
        f"{internal}/renewal-request", json={"expires_at": commitment["expires_at"]}, headers=workflows(api)
    )
    escalated = await api.post(
        f"{internal}/renewal-notices", json={"kind": "escalation"}, headers=workflows(api)
    )
    assert escalated.status_code == 200
    assert sorted(escalated.json()["oversight_member_ids"]) == sorted(m["id"] for m in p["oversight_body"])

    answer = {"agency_id": sn, "responded_by": "NCU Senegal", "answer": "reaffirm"}
    foreign = await api.post(
        f"{internal}/renewal-conclusion",
        json={"outcome": "renewed", "response": {**answer, "agency_id": by_country["FR"]}},
        headers=workflows(api),
    )
    assert foreign.status_code == 422 and foreign.json()["errors"][0]["field"] == "response.agency_id"
    unanswered = await api.post(
        f"{internal}/renewal-conclusion", json={"outcome": "renewed"}, headers=workflows(api)
    )
    assert unanswered.status_code == 422
    conclusion = {"outcome": "renewed", "response": answer}
    key = {"Idempotency-Key": f"renewal-{cid}:conclusion"}
    renewed = await api.post(
        f"{internal}/renewal-conclusion", json=conclusion, headers={**key, **workflows(api)}
    )
    replayed = await api.post(
        f"{internal}/renewal-conclusion", json=conclusion, headers={**key, **workflows(api)}
    )
    assert renewed.status_code == replayed.status_code == 200 and renewed.json() == replayed.json()
    old = renewed.json()
    assert old["status"] == "renewed" and old["concluded_at"] and old["renewed_by_id"]
    successor = (await api.get(f"/commitments/{old['renewed_by_id']}")).json()
    assert successor["renews_id"] == cid and successor["status"] == "active"
    assert (successor["starts_on"], successor["ends_on"]) == (str(date(2028, 1, 1)), str(date(2028, 12, 31)))
    assert successor["amount"] == "12.00" and successor["signed_by"] == "NCU Senegal"
    lapse = await api.post(
        f"{internal}/renewal-conclusion", json={"outcome": "lapsed"}, headers=workflows(api)
    )
    assert lapse.status_code == 409 and lapse.json()["code"] == "renewal_not_pending"

    announced = await events(api)
    assert announced.count("partners.commitment_renewal_requested.v1") == 1
    assert announced.count("partners.commitment_renewal_reminder_sent.v1") == 1
    assert announced.count("partners.commitment_renewal_concluded.v1") == 1
    assert announced.count("partners.commitment_registered.v1") == 2  # the pledge and its successor


async def test_a_lapse_without_an_answer_records_why_and_has_no_successor(api: httpx.AsyncClient) -> None:
    p = await partnership(api, {"kind": "members", "approvals_needed": 2})
    commitment = await pledge(api, p["id"], p["members"][2]["agency_id"])
    internal = f"/internal/commitments/{commitment['id']}"
    await api.post(
        f"{internal}/renewal-request", json={"expires_at": commitment["expires_at"]}, headers=workflows(api)
    )
    lapsed = await api.post(
        f"{internal}/renewal-conclusion", json={"outcome": "lapsed"}, headers=workflows(api)
    )
    assert lapsed.status_code == 200, lapsed.text
    assert lapsed.json()["status"] == "lapsed" and lapsed.json()["renewed_by_id"] is None
    assert "did not answer" in lapsed.json()["conclusion_reason"]
    asked_again = await api.post(
        f"{internal}/renewal-request", json={"expires_at": commitment["expires_at"]}, headers=workflows(api)
    )
    assert asked_again.status_code == 409 and asked_again.json()["code"] == "renewal_concluded"


async def test_a_renewal_whose_workers_do_not_answer_is_a_503_to_retry_not_a_hang(
    api: httpx.AsyncClient,
) -> None:
    """No worker polls this test's task queue: the workflow starts, but its status query gets no answer. The
    request must end in bounded time with a problem the caller can act on (it hung past any client's timeout)."""
    p = await partnership(api, {"kind": "members", "approvals_needed": 2})
    commitment = await pledge(api, p["id"], p["members"][0]["agency_id"])
    started = await api.post(f"/commitments/{commitment['id']}/renewal")
    assert started.status_code == 503, started.text
    assert started.json()["code"] == "workflow_unresponsive" and started.headers["retry-after"] == "10"
    status = await api.get(f"/commitments/{commitment['id']}/renewal")
    assert (status.status_code, status.json()["code"]) == (503, "workflow_unresponsive")
