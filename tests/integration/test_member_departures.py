"""Ending a membership through the partners API: who may end it, what a departed country still sees (its own
departure, nothing else of the partnership), its oversight seats, and the event every service acts on."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from contracts.envelope import decode
from tests.integration.test_partner_relations_api import outbox_records
from tests.integration.test_partners_api import PROBLEM
from tests.integration.test_partnerships_api import agency, as_seat, due, partnership
from tests.support import ncu


def agency_of(p: dict[str, Any], country: str) -> str:
    return str(next(m["agency_id"] for m in p["members"] if m["country_code"] == country))


def departure(p: dict[str, Any], agency_id: str) -> str:
    return f"/partnerships/{p['id']}/members/{agency_id}/departure"


async def test_a_country_leaves_and_sees_nothing_of_the_partnership_but_its_departure(
    api: httpx.AsyncClient,
) -> None:
    p = await partnership(api, {"kind": "members", "approvals_needed": 2})
    seats = {m["country_code"]: m["id"] for m in p["oversight_body"]}
    opened = (
        await api.post(
            f"/partnerships/{p['id']}/decisions",
            json={"kind": "budget", "title": "Budget 2027", "due_at": due()},
        )
    ).json()
    brazil = agency_of(p, "BR")
    reason = {"reason": "Brazil's seat pledge lapsed and was not renewed"}

    by_other = await api.post(departure(p, brazil), json=reason, headers=ncu(api, "SN"))
    assert by_other.status_code == 403 and by_other.json()["code"] == "not_own_agency_nor_lead"
    lead = await api.post(departure(p, agency_of(p, "FR")), json=reason, headers=ncu(api, "FR"))
    assert lead.status_code == 409 and lead.json()["code"] == "lead_cannot_leave"
    blank = await api.post(departure(p, brazil), json={"reason": " "}, headers=ncu(api, "BR"))
    assert blank.status_code == 422 and blank.headers["content-type"] == PROBLEM
    assert blank.json()["errors"][0]["field"] == "reason"
    stranger = await api.post(departure(p, str(uuid.uuid4())), json=reason, headers=ncu(api, "FR"))
    assert stranger.status_code == 404 and stranger.json()["code"] == "member_not_found"

    left = await api.post(departure(p, brazil), json=reason, headers=ncu(api, "BR"))
    assert left.status_code == 201, left.text
    assert {k: left.json()[k] for k in ("country_code", "ended_by", "country_left", "seats_ended")} == {
        "country_code": "BR",
        "ended_by": "BR",
        "country_left": True,
        "seats_ended": 1,
    }
    again = await api.post(departure(p, brazil), json=reason, headers=ncu(api, "FR"))
    assert again.status_code == 404, "a membership ends once"

    assert (await api.get(f"/partnerships/{p['id']}", headers=ncu(api, "BR"))).status_code in (403, 404)
    now = (await api.get(f"/partnerships/{p['id']}", headers=ncu(api, "FR"))).json()
    assert {m["country_code"] for m in now["members"]} == {"FR", "SN"}
    assert {m["country_code"] for m in now["oversight_body"]} == {"FR", "SN"}, "its seat ended with it"
    vote = await api.post(
        f"/decisions/{opened['id']}/votes",
        json={"member_id": seats["BR"], "choice": "approve"},
        headers=as_seat(api, p, "BR"),
    )
    assert vote.status_code in (403, 404) and vote.headers["content-type"] == PROBLEM

    own = (await api.get(f"/partnerships/{p['id']}/departures", headers=ncu(api, "BR"))).json()
    assert [d["agency_id"] for d in own] == [brazil]
    assert len((await api.get(f"/partnerships/{p['id']}/departures", headers=ncu(api, "SN"))).json()) == 1
    assert (await api.get(f"/partnerships/{p['id']}/departures", headers=ncu(api, "KE"))).json() == []

    [record] = await outbox_records(api, "partners.partnership_member_removed.v1")
    event = decode(record.headers, record.key, record.value)
    assert event.data["agency_id"] == brazil and event.data["country_left"] is True
    assert event.data["reason"] == reason["reason"]


async def test_the_lead_ends_one_of_two_agencies_of_a_country_which_stays_a_member(
    api: httpx.AsyncClient,
) -> None:
    p = await partnership(api, {"kind": "members", "approvals_needed": 2})
    key = {"Idempotency-Key": f"end-{uuid.uuid4()}"}
    second = await agency(api, "SN", f"Gendarmerie SN {uuid.uuid4().hex[:6]}")
    added = await api.post(f"/partnerships/{p['id']}/members", json={"agency_id": second, "role": "member"})
    assert added.status_code == 201, added.text

    ended = await api.post(
        departure(p, second),
        json={"reason": "Its facility-time commitment lapsed"},
        headers={**ncu(api, "FR"), **key},
    )
    assert ended.status_code == 201, ended.text
    assert ended.json()["ended_by"] == "FR" and ended.json()["country_left"] is False
    assert ended.json()["seats_ended"] == 0
    replay = await api.post(
        departure(p, second),
        json={"reason": "Its facility-time commitment lapsed"},
        headers={**ncu(api, "FR"), **key},
    )
    assert replay.status_code == 201 and replay.json()["id"] == ended.json()["id"], (
        "a retry is answered the same"
    )
    still = (await api.get(f"/partnerships/{p['id']}", headers=ncu(api, "SN"))).json()
    assert "SN" in {m["country_code"] for m in still["members"]} and len(still["oversight_body"]) == 3
