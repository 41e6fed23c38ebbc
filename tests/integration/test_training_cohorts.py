"""Cohorts through the training API on its real database: seats shared from seat pledges, the facility booked
with the cohort (and released by its cancellation), nominations decided by each country's national coordination
unit into seats or the waiting list (also when approvals race), withdrawals that hand the seat on, and
accommodations confirmed by the organiser."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from contracts.envelope import decode
from tests.integration.test_partner_relations_api import outbox_records
from tests.integration.test_training_facilities import training
from tests.integration.training_world import approved_curriculum, partnership_in_training, pledge
from tests.support import acting

__all__ = ["training"]  # the fixture

START = datetime(2031, 5, 4, 8, tzinfo=UTC)


def period(days_from: int = 0, days: int = 5) -> dict[str, str]:
    start = START + timedelta(days=days_from)
    return {"starts_at": start.isoformat(), "ends_at": (start + timedelta(days=days)).isoformat()}


def ncu(api: httpx.AsyncClient, country: str) -> dict[str, str]:
    return acting(api, "national_coordinator", country=country)


async def world(api: httpx.AsyncClient) -> dict[str, Any]:
    """FR leads with SN and BR; FR pledged 6 seats, SN and BR 3 each; one approved curriculum."""
    p = await partnership_in_training(api, "FR", "SN", "BR")
    for country, seats in (("FR", 6), ("SN", 3), ("BR", 3)):
        await pledge(api, p, country, seats)
    await pledge(api, p, "SN", 50_000, kind="money")  # not seats: ignored for sharing
    return {**p, "version": await approved_curriculum(api, p)}


async def schedule(api: httpx.AsyncClient, w: dict[str, Any], **extra: Any) -> httpx.Response:
    body = {
        "curriculum_version_id": w["version"]["id"],
        "organiser_agency_id": w["agencies"]["FR"],
        "capacity": 10,
        **period(),
        **extra,
    }
    return await api.post("/cohorts", json=body, headers=ncu(api, "FR"))


async def test_a_cohort_shares_its_seats_by_pledge_and_books_its_facility(
    training: httpx.AsyncClient,
) -> None:
    w = await world(training)
    remote = await schedule(training, w)
    assert remote.status_code == 201, remote.text
    seats = {s["country_code"]: s["seats"] for s in remote.json()["seats"]}
    assert seats == {"FR": 5, "SN": 2, "BR": 3} and sum(seats.values()) == 10
    assert remote.json()["language"] == "en" and remote.json()["facility_id"] is None
    records = await outbox_records(training, "training.cohort_scheduled.v1")
    announced = decode(records[-1].headers, records[-1].key, records[-1].value)
    assert {s["country_code"]: s["seats"] for s in announced.data["seats"]} == seats
    assert announced.extensions["audience"] == "BR,FR,SN"

    lab = await training.post(
        "/facilities",
        json={
            "owner_agency_id": w["agencies"]["SN"],
            "name": "Dakar range",
            "kind": "field_site",
            "location": "Dakar",
            "capacity": 30,
            "time_zone": "Africa/Dakar",
            "shared_with": ["FR"],
        },
        headers=ncu(training, "SN"),
    )
    assert lab.status_code == 201, lab.text
    facility = lab.json()["id"]
    first = await schedule(training, w, facility_id=facility)
    assert first.status_code == 201, first.text
    bookings = (await training.get(f"/facilities/{facility}/bookings", headers=ncu(training, "SN"))).json()[
        "items"
    ]
    assert [b["cohort_id"] for b in bookings] == [first.json()["id"]]
    overlapping = await schedule(training, w, facility_id=facility, **period(2))
    assert (overlapping.status_code, overlapping.json()["code"]) == (409, "booking_conflict")
    cancelled = await training.post(
        f"/cohorts/{first.json()['id']}/status-changes",
        json={"change": "cancellation", "reason": "Range flooded"},
        headers=ncu(training, "FR"),
    )
    assert cancelled.json()["status"] == "cancelled"
    again = await schedule(training, w, facility_id=facility, **period(2))
    assert again.status_code == 201, "the cancelled cohort released its booking"
    seen = {
        c: (await training.get(f"/cohorts/{again.json()['id']}", headers=ncu(training, c))).status_code
        for c in ("SN", "BR", "GH")
    }
    assert seen == {"SN": 200, "BR": 200, "GH": 404}
    not_organiser = await training.post(
        f"/cohorts/{again.json()['id']}/status-changes", json={"change": "pause"}, headers=ncu(training, "SN")
    )
    assert not_organiser.status_code == 403


async def test_the_ncu_decides_seats_and_the_waiting_list_and_a_withdrawal_hands_the_seat_on(
    training: httpx.AsyncClient,
) -> None:
    w = await world(training)
    cohort = (await schedule(training, w)).json()
    url = f"/cohorts/{cohort['id']}"
    sn = w["agencies"]["SN"]
    integrator = acting(training, "agency_integrator", country="SN", agency=sn)
    nominated = []
    for i in range(4):
        response = await training.post(
            f"{url}/nominations",
            json={
                "agency_id": sn,
                "trainee_id": f"SN-{i}",
                "trainee_name": f"Officer {i}",
                "accommodations": [{"kind": "translation", "detail": "wolof"}] if i == 0 else [],
            },
            headers=integrator,
        )
        assert response.status_code == 201, response.text
        nominated.append(response.json())
    twice = await training.post(
        f"{url}/nominations",
        json={"agency_id": sn, "trainee_id": "SN-0", "trainee_name": "x"},
        headers=integrator,
    )
    assert (twice.status_code, twice.json()["code"]) == (409, "already_nominated")

    foreign = await training.post(f"/nominations/{nominated[0]['id']}/approval", headers=ncu(training, "FR"))
    assert foreign.status_code == 403, (
        "only Senegal's national coordination unit decides for Senegal's officers"
    )
    not_ncu = await training.post(f"/nominations/{nominated[0]['id']}/approval", headers=integrator)
    assert not_ncu.status_code == 403

    decided = await asyncio.gather(
        *(training.post(f"/nominations/{n['id']}/approval", headers=ncu(training, "SN")) for n in nominated)
    )
    assert [d.status_code for d in decided] == [200] * 4
    assert Counter(d.json()["status"] for d in decided) == {"enrolled": 2, "waitlisted": 2}
    seats = {
        s["country_code"]: s for s in (await training.get(url, headers=ncu(training, "BR"))).json()["seats"]
    }
    assert (seats["SN"]["seats"], seats["SN"]["enrolled"], seats["SN"]["waitlisted"]) == (2, 2, 2)
    waiting = sorted(
        (d.json() for d in decided if d.json()["status"] == "waitlisted"),
        key=lambda n: n["waitlist_position"],
    )
    assert [n["waitlist_position"] for n in waiting] == [1, 2]

    enrolled = next(d.json() for d in decided if d.json()["status"] == "enrolled")
    left = await training.post(
        f"/nominations/{enrolled['id']}/withdrawal", json={"reason": "Posted abroad"}, headers=integrator
    )
    assert left.json()["status"] == "withdrawn"
    promoted = (await training.get(f"/nominations/{waiting[0]['id']}", headers=ncu(training, "SN"))).json()
    assert promoted["status"] == "enrolled"
    second = (await training.get(f"/nominations/{waiting[1]['id']}", headers=ncu(training, "SN"))).json()
    assert second["waitlist_position"] == 1
    changes = [
        decode(r.headers, r.key, r.value).data
        for r in await outbox_records(training, "training.enrollment_changed.v1")
        if decode(r.headers, r.key, r.value).data["cohort_id"] == cohort["id"]
    ]
    assert Counter(c["status"] for c in changes) == {
        "nominated": 4,
        "enrolled": 3,
        "waitlisted": 2,
        "withdrawn": 1,
    }
    assert all("trainee_name" not in c for c in changes), "names stay out of shared events"

    organiser_view = (await training.get(f"{url}/nominations", headers=ncu(training, "FR"))).json()["items"]
    assert len(organiser_view) == 4, "the organiser sees every nomination"
    first = (await training.get(f"{url}/nominations?limit=3", headers=ncu(training, "FR"))).json()
    rest = (
        await training.get(
            f"{url}/nominations?limit=3&cursor={first['next_cursor']}", headers=ncu(training, "FR")
        )
    ).json()
    assert [n["id"] for n in first["items"] + rest["items"]] == [n["id"] for n in organiser_view], "paged"
    assert rest["next_cursor"] is None
    assert (await training.get(f"{url}/nominations", headers=ncu(training, "BR"))).json()["items"] == [], (
        "Brazil does not see Senegal's officers"
    )
    translation = nominated[0]["accommodations"][0]
    acc_url = f"/nominations/{nominated[0]['id']}/accommodations/{translation['id']}"
    silent_decline = await training.post(f"{acc_url}/decline", headers=ncu(training, "FR"))
    assert silent_decline.status_code == 422 and silent_decline.json()["code"] == "note_required"
    by_sn = await training.post(f"{acc_url}/confirmation", headers=ncu(training, "SN"))
    assert by_sn.status_code == 403, "the organiser confirms accommodations"
    confirmed = await training.post(
        f"{acc_url}/confirmation", json={"note": "Interpreter booked"}, headers=ncu(training, "FR")
    )
    assert confirmed.json()["accommodations"][0]["status"] == "confirmed"

    rejected = await training.post(
        f"{url}/nominations",
        json={"agency_id": sn, "trainee_id": "SN-9", "trainee_name": "Nine"},
        headers=integrator,
    )
    no_reason = await training.post(
        f"/nominations/{rejected.json()['id']}/rejection", json={}, headers=ncu(training, "SN")
    )
    assert no_reason.status_code == 422
    done = await training.post(
        f"/nominations/{rejected.json()['id']}/rejection",
        json={"reason": "Not cleared"},
        headers=ncu(training, "SN"),
    )
    assert done.json()["status"] == "rejected"
    late = await training.post(f"/nominations/{rejected.json()['id']}/approval", headers=ncu(training, "SN"))
    assert (late.status_code, late.json()["code"]) == (409, "nomination_decided")


async def test_bad_cohorts_are_refused_with_the_field_named(training: httpx.AsyncClient) -> None:
    w = await world(training)
    unpledged = await partnership_in_training(training, "FR", "KE")
    other_version = await approved_curriculum(training, unpledged)
    cases = [
        (
            {
                "curriculum_version_id": other_version["id"],
                "organiser_agency_id": unpledged["agencies"]["FR"],
            },
            "starts_at",
            "no_seat_commitments",
        ),
        (
            {"ends_at": START.isoformat(), "starts_at": (START + timedelta(days=1)).isoformat()},
            "",
            "validation_failed",
        ),
        ({"capacity": 0}, "capacity", None),
        ({"facility_id": "6d1f1c9e-0000-4000-8000-000000000000"}, "facility_id", "facility_unknown"),
    ]
    for change, field, code in cases:
        refused = await schedule(training, w, **change)
        assert refused.status_code == 422, (change, refused.text)
        if field:
            assert field in {e["field"] for e in refused.json()["errors"]}, refused.json()
        if code and code != "validation_failed":
            assert refused.json()["code"] == code, refused.json()
    revision = await training.post(
        f"/curricula/{w['version']['curriculum_id']}/revisions",
        json={"reason": "More labs"},
        headers=ncu(training, "FR"),
    )
    draft = await schedule(training, w, curriculum_version_id=revision.json()["id"])
    assert draft.status_code == 422 and draft.json()["code"] == "version_not_approved"
    not_member = await training.post(
        "/cohorts",
        json={
            "curriculum_version_id": w["version"]["id"],
            "organiser_agency_id": unpledged["agencies"]["KE"],
            "capacity": 5,
            **period(),
        },
        headers=ncu(training, "KE"),
    )
    assert not_member.status_code == 422 and not_member.json()["code"] == "version_not_approved", (
        "Kenya is not a member: the version is as unknown to it as a missing one"
    )
