"""Partnerships, oversight bodies, decisions and votes through the partners API and its real database."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import text

from tests.integration.test_partners_api import PROBLEM
from tests.support import ncu

AGREEMENT = {
    "kind": "mou",
    "reference": "MOU-2026-014",
    "signed_on": "2026-10-01",
    "starts_on": "2027-01-01",
    "ends_on": "2029-12-31",
    "confidentiality": "Restricted to member agencies",
}


async def agency(api: httpx.AsyncClient, code: str, name: str) -> str:
    names = {"FR": "France", "SN": "Senegal", "BR": "Brazil", "GH": "Ghana", "KE": "Kenya"}
    response = await api.post(
        "/agencies",
        json={"country": {"code": code, "name": names[code]}, "name": name, "agency_type": "police"},
        headers=ncu(api, code),
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def partnership(api: httpx.AsyncClient, rule: dict[str, Any]) -> dict[str, Any]:
    fr, sn, br = (
        await agency(api, "FR", "Police nationale"),
        await agency(api, "SN", "Police nationale SN"),
        await agency(api, "BR", "Polícia Federal"),
    )
    response = await api.post(
        "/partnerships",
        json={
            "name": f"Atlantic cyber forensics {uuid.uuid4().hex[:6]}",
            "agreement": AGREEMENT,
            "voting_rule": rule,
            "members": [
                {"agency_id": fr, "role": "lead"},
                {"agency_id": sn, "role": "host"},
                {"agency_id": br, "role": "member"},
            ],
        },
        headers={"Idempotency-Key": f"p-{uuid.uuid4()}"},
    )
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    for code, role, veto in (
        ("FR", "diplomat", True),
        ("SN", "justice_ministry_representative", False),
        ("BR", "senior_police_official", False),
    ):
        added = await api.post(
            f"/partnerships/{created['id']}/oversight-members",
            json={
                "name": f"{code} {role}",
                "country_code": code,
                "role": role,
                "holds_veto": veto,
                "subject": f"{code.lower()}-delegate-{created['id']}",
            },
            headers=ncu(api, code),  # each country appoints its own delegate
        )
        assert added.status_code == 201, added.text
    return (await api.get(f"/partnerships/{created['id']}")).json()  # type: ignore[no-any-return]


def as_seat(api: httpx.AsyncClient, partnership: dict[str, Any], code: str) -> dict[str, str]:
    """The token of the person holding country `code`'s oversight seat: only they vote in it."""
    seat = next(m for m in partnership["oversight_body"] if m["country_code"] == code)
    token = api.deployment.issuer.token("oversight_member", country=code, subject=seat["subject"])  # type: ignore[attr-defined]
    return {"Authorization": f"Bearer {token}"}


def due(hours: float = 48) -> str:
    return (datetime.now(UTC) + timedelta(hours=hours)).isoformat()


async def events(api: httpx.AsyncClient) -> list[str]:
    async with api.app.state.runtime.engine.connect() as conn:  # type: ignore[attr-defined]
        rows = (await conn.execute(text("SELECT event_type FROM outbox ORDER BY id"))).scalars().all()
    return [str(r) for r in rows]


async def test_a_decision_is_approved_by_quorum_once_the_veto_holder_has_voted(
    api: httpx.AsyncClient,
) -> None:
    p = await partnership(api, {"kind": "members", "approvals_needed": 2})
    assert p["phase"] == "familiarization" and len(p["members"]) == 3 and len(p["oversight_body"]) == 3
    body = {m["country_code"]: m["id"] for m in p["oversight_body"]}
    opened = await api.post(
        f"/partnerships/{p['id']}/decisions",
        json={
            "kind": "curriculum_approval",
            "title": "Approve the chain-of-custody curriculum",
            "due_at": due(),
        },
    )
    assert opened.status_code == 201, opened.text
    decision = opened.json()
    assert decision["outcome"] == "open" and decision["tally"]["needed"] == 2

    first = await api.post(
        f"/decisions/{decision['id']}/votes",
        json={"member_id": body["SN"], "choice": "approve"},
        headers=as_seat(api, p, "SN"),
    )
    second = await api.post(
        f"/decisions/{decision['id']}/votes",
        json={"member_id": body["BR"], "choice": "approve"},
        headers=as_seat(api, p, "BR"),
    )
    assert first.status_code == second.status_code == 201
    assert second.json()["outcome"] == "open", "quorum reached, but France's veto is still pending"
    third = await api.post(
        f"/decisions/{decision['id']}/votes",
        json={"member_id": body["FR"], "choice": "abstain", "reason": "content with it"},
        headers=as_seat(api, p, "FR"),
    )
    assert third.json()["outcome"] == "approved" and third.json()["closed_at"]
    late = await api.post(
        f"/decisions/{decision['id']}/votes",
        json={"member_id": body["FR"], "choice": "approve"},
        headers=as_seat(api, p, "FR"),
    )
    assert late.status_code == 409 and late.json()["code"] in {"decision_closed", "already_voted"}
    read = (await api.get(f"/decisions/{decision['id']}")).json()
    assert [v["choice"] for v in read["votes"]] == ["approve", "approve", "abstain"]
    assert (await events(api))[-6:] == [
        "partners.oversight_member_added.v1",
        "partners.decision_opened.v1",
        "partners.vote_cast.v1",
        "partners.vote_cast.v1",
        "partners.vote_cast.v1",
        "partners.decision_closed.v1",
    ]


async def test_a_veto_closes_the_decision_and_every_vote_problem_has_a_stable_code(
    api: httpx.AsyncClient,
) -> None:
    p = await partnership(api, {"kind": "countries", "country_share": 0.6})
    body = {m["country_code"]: m["id"] for m in p["oversight_body"]}
    decision = (
        await api.post(
            f"/partnerships/{p['id']}/decisions",
            json={"kind": "budget", "title": "2027 shared budget", "due_at": due()},
        )
    ).json()
    url = f"/decisions/{decision['id']}/votes"

    stranger = await api.post(url, json={"member_id": str(uuid.uuid4()), "choice": "approve"})
    assert stranger.status_code == 403 and stranger.json()["code"] == "forbidden", "a coordinator has no seat"
    # Senegal's delegate cannot vote in France's seat (the refusal is the same as for a seat that does not exist).
    usurper = await api.post(
        url, json={"member_id": body["FR"], "choice": "approve"}, headers=as_seat(api, p, "SN")
    )
    assert usurper.status_code == 403 and usurper.json()["code"] == "not_your_seat"
    # A seat appointed after the decision opened is not in its electorate.
    late_seat = await api.post(
        f"/partnerships/{p['id']}/oversight-members",
        json={
            "name": "BR second",
            "country_code": "BR",
            "role": "diplomat",
            "subject": f"br-second-{p['id']}",
        },
        headers=ncu(api, "BR"),
    )
    latecomer = api.deployment.issuer.token("oversight_member", country="BR", subject=f"br-second-{p['id']}")  # type: ignore[attr-defined]
    stranger = await api.post(
        url,
        json={"member_id": late_seat.json()["id"], "choice": "approve"},
        headers={"Authorization": f"Bearer {latecomer}"},
    )
    assert stranger.status_code == 422 and stranger.json()["code"] == "not_a_member"
    assert stranger.json()["errors"][0]["field"] == "member_id"
    same_person = await api.post(
        f"/partnerships/{p['id']}/oversight-members",
        json={
            "name": "BR again",
            "country_code": "BR",
            "role": "diplomat",
            "subject": f"br-second-{p['id']}",
        },
        headers=ncu(api, "BR"),
    )
    assert same_person.status_code == 409 and same_person.json()["code"] == "subject_already_seated"
    no_reason = await api.post(
        url, json={"member_id": body["SN"], "choice": "reject"}, headers=as_seat(api, p, "SN")
    )
    assert no_reason.status_code == 422 and no_reason.json()["errors"][0]["field"] == "reason"
    assert (
        await api.post(
            url, json={"member_id": body["SN"], "choice": "approve"}, headers=as_seat(api, p, "SN")
        )
    ).status_code == 201
    twice = await api.post(
        url, json={"member_id": body["SN"], "choice": "approve"}, headers=as_seat(api, p, "SN")
    )
    assert twice.status_code == 409 and twice.json()["code"] == "already_voted"
    assert twice.headers["content-type"] == PROBLEM

    vetoed = await api.post(
        url,
        json={"member_id": body["FR"], "choice": "reject", "reason": "over the ceiling"},
        headers=as_seat(api, p, "FR"),
    )
    assert vetoed.json()["outcome"] == "vetoed" and vetoed.json()["tally"]["vetoed_by"] == body["FR"]
    closed = await api.post(
        url, json={"member_id": body["BR"], "choice": "approve"}, headers=as_seat(api, p, "BR")
    )
    assert closed.status_code == 409 and closed.json()["code"] == "decision_closed"


async def test_bad_partnership_input_names_the_fields_and_stores_nothing(api: httpx.AsyncClient) -> None:
    fr = await agency(api, "FR", "Gendarmerie")
    fr2 = await agency(api, "FR", "Douanes")
    invalid = await api.post(
        "/partnerships",
        json={
            "name": "x",
            "agreement": {**AGREEMENT, "ends_on": "2026-01-01"},
            "members": [],
            "voting_rule": {"kind": "members"},
        },
    )
    assert invalid.status_code == 422 and invalid.headers["content-type"] == PROBLEM
    named = {e["field"].split(".")[0] for e in invalid.json()["errors"]}
    assert {"name", "agreement", "members", "voting_rule"} <= named, named
    no_lead = await api.post(
        "/partnerships",
        json={
            "name": "Valid name",
            "agreement": AGREEMENT,
            "voting_rule": {"kind": "members", "approvals_needed": 1},
            "members": [{"agency_id": fr, "role": "member"}, {"agency_id": fr2, "role": "member"}],
        },
    )
    assert no_lead.status_code == 422 and "lead" in no_lead.json()["errors"][0]["message"]
    one_country = await api.post(
        "/partnerships",
        json={
            "name": "Only France",
            "agreement": AGREEMENT,
            "voting_rule": {"kind": "members", "approvals_needed": 1},
            "members": [{"agency_id": fr, "role": "lead"}, {"agency_id": fr2, "role": "member"}],
        },
    )
    assert one_country.status_code == 422 and one_country.json()["code"] == "single_country"
    unknown = await api.post(
        "/partnerships",
        json={
            "name": "Ghost",
            "agreement": AGREEMENT,
            "voting_rule": {"kind": "members", "approvals_needed": 1},
            "members": [
                {"agency_id": fr, "role": "lead"},
                {"agency_id": str(uuid.uuid4()), "role": "member"},
            ],
        },
    )
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "members.1.agency_id"
    assert await events(api) == ["partners.agency_registered.v1"] * 2


async def test_decisions_need_a_body_that_can_reach_its_quorum_and_a_future_due_time(
    api: httpx.AsyncClient,
) -> None:
    p = await partnership(api, {"kind": "members", "approvals_needed": 3})
    past = await api.post(
        f"/partnerships/{p['id']}/decisions", json={"kind": "budget", "title": "Late", "due_at": due(-1)}
    )
    assert past.status_code == 422 and past.json()["code"] == "due_in_past"
    naive = await api.post(
        f"/partnerships/{p['id']}/decisions",
        json={"kind": "budget", "title": "No zone", "due_at": "2030-01-01T10:00:00"},
    )
    assert naive.status_code == 422 and naive.json()["errors"][0]["field"] == "due_at"
    observer_country = await api.post(
        f"/partnerships/{p['id']}/oversight-members",
        json={"name": "Someone", "country_code": "KE", "role": "diplomat", "subject": f"seat-{uuid.uuid4()}"},
        headers=ncu(
            api, "KE"
        ),  # Kenya's coordinator, but Kenya is not a member: the partnership is invisible
    )
    assert observer_country.status_code == 404 and observer_country.json()["code"] == "partnership_not_found"
    observer_country = await api.post(
        f"/partnerships/{p['id']}/oversight-members",
        json={"name": "Someone", "country_code": "KE", "role": "diplomat", "subject": f"seat-{uuid.uuid4()}"},
    )
    assert observer_country.status_code == 403, "France's coordinator does not appoint Kenya's delegate"
    observer_country = await api.post(
        f"/partnerships/{p['id']}/oversight-members",
        json={"name": "Someone", "country_code": "FR", "role": "diplomat", "subject": f"seat-{uuid.uuid4()}"},
    )
    assert observer_country.status_code == 201, "France's coordinator appoints a second French delegate"
    # Kenya joins as an observer: it sees the partnership, but has no vote, so no seat either.
    kenya = await agency(api, "KE", "Kenya Police Service")
    joined = await api.post(f"/partnerships/{p['id']}/members", json={"agency_id": kenya, "role": "observer"})
    assert joined.status_code == 201, joined.text
    observer_country = await api.post(
        f"/partnerships/{p['id']}/oversight-members",
        json={"name": "Someone", "country_code": "KE", "role": "diplomat", "subject": f"seat-{uuid.uuid4()}"},
        headers=ncu(api, "KE"),
    )
    assert (
        observer_country.status_code == 422
        and observer_country.json()["code"] == "country_not_in_partnership"
    )
    listed = (await api.get("/partnerships", params={"country": "sn"})).json()
    assert [item["id"] for item in listed["items"]] == [p["id"]]
    assert json.dumps(listed)  # serialisable page


async def test_a_decision_past_its_due_time_reads_as_expired(api: httpx.AsyncClient) -> None:
    p = await partnership(api, {"kind": "members", "approvals_needed": 3})
    decision = (
        await api.post(
            f"/partnerships/{p['id']}/decisions",
            json={"kind": "dispute_resolution", "title": "Seat allocation", "due_at": due(1)},
        )
    ).json()
    async with api.app.state.runtime.engine.begin() as conn:  # type: ignore[attr-defined]
        await conn.execute(text("SELECT set_config('backbone.tenant', '*', true)"))  # as the platform
        await conn.execute(
            text("UPDATE decisions SET due_at = now() - interval '1 minute' WHERE id = :id"),
            {"id": decision["id"]},
        )
    assert (await api.get(f"/decisions/{decision['id']}")).json()["outcome"] == "expired"
    body = {m["country_code"]: m["id"] for m in p["oversight_body"]}
    late = await api.post(
        f"/decisions/{decision['id']}/votes",
        json={"member_id": body["SN"], "choice": "approve"},
        headers=as_seat(api, p, "SN"),
    )
    assert late.status_code == 409 and late.json()["code"] == "decision_closed"


async def test_an_approver_sees_pending_decisions_soonest_first_and_then_their_history(
    api: httpx.AsyncClient,
) -> None:
    p = await partnership(api, {"kind": "members", "approvals_needed": 3})
    body = {m["country_code"]: m["id"] for m in p["oversight_body"]}
    later = (
        await api.post(
            f"/partnerships/{p['id']}/decisions",
            json={"kind": "budget", "title": "2028 budget", "due_at": due(72)},
        )
    ).json()
    sooner = (
        await api.post(
            f"/partnerships/{p['id']}/decisions",
            json={"kind": "curriculum_approval", "title": "Ethics module", "due_at": due(24)},
        )
    ).json()
    await api.post(
        f"/decisions/{sooner['id']}/votes",
        json={"member_id": body["FR"], "choice": "approve"},
        headers=as_seat(api, p, "FR"),
    )

    pending = (await api.get(f"/members/{body['SN']}/decisions", headers=as_seat(api, p, "SN"))).json()[
        "items"
    ]
    assert [line["decision"]["id"] for line in pending] == [sooner["id"], later["id"]]
    page = (
        await api.get(f"/members/{body['SN']}/decisions", params={"limit": 1}, headers=as_seat(api, p, "SN"))
    ).json()
    after = (
        await api.get(
            f"/members/{body['SN']}/decisions",
            params={"limit": 1, "cursor": page["next_cursor"]},
            headers=as_seat(api, p, "SN"),
        )
    ).json()
    assert [line["decision"]["id"] for line in page["items"] + after["items"]] == [sooner["id"], later["id"]]
    assert after["next_cursor"] is None
    assert pending[0]["partnership_name"] == p["name"] and pending[0]["my_vote"] is None
    assert pending[0]["decision"]["tally"]["approvals"] == 1, "who else voted, and the current tally"
    assert [v["member_id"] for v in pending[0]["decision"]["votes"]] == [body["FR"]]

    await api.post(
        f"/decisions/{sooner['id']}/votes",
        json={"member_id": body["SN"], "choice": "reject", "reason": "not translated yet"},
        headers=as_seat(api, p, "SN"),
    )
    still = (await api.get(f"/members/{body['SN']}/decisions", headers=as_seat(api, p, "SN"))).json()["items"]
    assert [line["decision"]["id"] for line in still] == [later["id"]]
    history = (
        await api.get(
            f"/members/{body['SN']}/decisions", params={"state": "history"}, headers=as_seat(api, p, "SN")
        )
    ).json()["items"]
    assert [line["decision"]["id"] for line in history] == [sooner["id"]]
    assert history[0]["my_vote"]["choice"] == "reject" and history[0]["decision"]["outcome"] == "rejected"
    mine = (
        await api.get("/me/decisions", params={"state": "history"}, headers=as_seat(api, p, "SN"))
    ).json()["items"]
    assert mine == history and mine[0]["seat_id"] == body["SN"]
    nobody = await api.get(f"/members/{uuid.uuid4()}/decisions", headers=as_seat(api, p, "SN"))
    assert nobody.status_code == 404
    not_mine = await api.get(f"/members/{body['FR']}/decisions", headers=as_seat(api, p, "SN"))
    assert not_mine.status_code == 404, "another member's dashboard does not exist for you"
    coordinator = await api.get("/me/decisions")
    assert coordinator.status_code == 403 and coordinator.json()["code"] == "forbidden"
    bad = await api.get(
        f"/members/{body['SN']}/decisions", params={"state": "someday"}, headers=as_seat(api, p, "SN")
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "state"


async def test_an_amendment_adds_a_member_country_and_open_decisions_keep_their_electorate(
    api: httpx.AsyncClient,
) -> None:
    p = await partnership(api, {"kind": "members", "approvals_needed": 2})
    opened = (
        await api.post(
            f"/partnerships/{p['id']}/decisions",
            json={"kind": "budget", "title": "Budget 2027", "due_at": due()},
        )
    ).json()
    names = {"GH": "Ghana"}
    ghana = (
        await api.post(
            "/agencies",
            headers=ncu(api, "GH"),
            json={"country": {"code": "GH", "name": names["GH"]}, "name": "GPS", "agency_type": "police"},
        )
    ).json()["id"]
    url = f"/partnerships/{p['id']}/members"
    added = await api.post(url, json={"agency_id": ghana, "role": "member", "reason": "maritime module"})
    assert added.status_code == 201, added.text
    assert added.json()["new_country"] and added.json()["phase"] == "familiarization"
    same_country = await agency(api, "FR", f"Gendarmerie {uuid.uuid4().hex[:6]}")
    second = await api.post(url, json={"agency_id": same_country, "role": "observer"})
    assert second.status_code == 201 and not second.json()["new_country"]

    again = await api.post(url, json={"agency_id": ghana, "role": "host"})
    assert again.status_code == 409 and again.json()["code"] == "already_a_member"
    lead = await api.post(url, json={"agency_id": ghana, "role": "lead"})
    assert lead.status_code == 422 and lead.json()["errors"][0]["field"] == "role"
    unknown = await api.post(url, json={"agency_id": str(uuid.uuid4()), "role": "member"})
    assert unknown.status_code == 422 and unknown.json()["code"] == "unknown_agency"
    assert unknown.headers["content-type"] == PROBLEM
    missing = await api.post(
        f"/partnerships/{uuid.uuid4()}/members", json={"agency_id": ghana, "role": "member"}
    )
    assert missing.status_code == 404

    now = (await api.get(f"/partnerships/{p['id']}")).json()
    assert {m["country_code"] for m in now["members"]} == {"FR", "SN", "BR", "GH"}
    appointed = await api.post(
        f"/partnerships/{p['id']}/oversight-members",
        json={
            "name": "GH delegate",
            "country_code": "GH",
            "role": "diplomat",
            "subject": f"seat-{uuid.uuid4()}",
        },
        headers=ncu(api, "GH"),
    )
    assert appointed.status_code == 201, "the new member country can now sit on the oversight body"
    still = (await api.get(f"/decisions/{opened['id']}")).json()
    assert len(still["electorate"]) == 3, "an open decision keeps the electorate it opened with"
    assert (await events(api)).count("partners.partnership_member_added.v1") == 2


async def test_a_partnerships_decisions_are_listed_filtered_and_paginated(api: httpx.AsyncClient) -> None:
    p = await partnership(api, {"kind": "members", "approvals_needed": 2})
    body = {m["country_code"]: m["id"] for m in p["oversight_body"]}
    ids = []
    for kind, title in (
        ("budget", "Budget 2027"),
        ("curriculum_approval", "Curriculum v1"),
        ("budget", "Top-up"),
    ):
        opened = await api.post(
            f"/partnerships/{p['id']}/decisions", json={"kind": kind, "title": title, "due_at": due()}
        )
        ids.append(opened.json()["id"])
    for member in ("FR", "SN"):
        await api.post(
            f"/decisions/{ids[0]}/votes",
            json={"member_id": body[member], "choice": "approve"},
            headers=as_seat(api, p, member),
        )
    url = f"/partnerships/{p['id']}/decisions"
    first = (await api.get(url, params={"limit": 2})).json()
    rest = (await api.get(url, params={"limit": 2, "cursor": first["next_cursor"]})).json()
    assert [d["id"] for d in first["items"] + rest["items"]] == ids and rest["next_cursor"] is None
    assert [d["id"] for d in (await api.get(url, params={"kind": "budget"})).json()["items"]] == [
        ids[0],
        ids[2],
    ]
    assert [d["id"] for d in (await api.get(url, params={"outcome": "open"})).json()["items"]] == ids[1:]
    approved = (await api.get(url, params={"outcome": "approved"})).json()["items"]
    assert [(d["id"], d["tally"]["approvals"]) for d in approved] == [(ids[0], 2)]
    bad = await api.get(url, params={"outcome": "maybe"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "outcome"
    assert (await api.get(f"/partnerships/{uuid.uuid4()}/decisions")).status_code == 404
