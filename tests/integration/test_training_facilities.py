"""Facilities and bookings through the training API on its real database: sharing confines who sees a facility,
PostgreSQL's exclusion constraint (not Python) keeps bookings of one facility from overlapping, even when many
requests race for the same slot, and the use of a booking is announced for finance."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from backbone.db import SYSTEM_TENANT, TENANT
from contracts.envelope import decode
from services.training.agencies.models import KnownAgency
from services.training.app import build_app
from services.training.policy import RULES
from tests.integration.test_access_matrix import routes
from tests.integration.test_partner_relations_api import outbox_records
from tests.support import Deployment, acting, service_client


@pytest.fixture
async def training(deployment: Deployment) -> AsyncIterator[httpx.AsyncClient]:
    async with service_client(deployment, "training", build_app) as client:
        yield client


async def known_agency(api: httpx.AsyncClient, country: str) -> str:
    """An agency as training learns it from the partners service's events (here written straight in)."""
    agency_id = uuid.uuid4()
    token = TENANT.set(SYSTEM_TENANT)
    try:
        async with api.app.state.runtime.sessions() as session, session.begin():  # type: ignore[attr-defined]
            session.add(
                KnownAgency(
                    agency_id=agency_id,
                    country_code=country,
                    country_name=country,
                    name=f"Police {country}",
                    agency_type="police",
                    is_national_coordination_unit=False,
                    status="active",
                    registered_at=datetime.now(UTC),
                    last_event_id=str(uuid.uuid4()),
                    version=1,
                )
            )
    finally:
        TENANT.reset(token)
    return str(agency_id)


def coordinator(api: httpx.AsyncClient, country: str) -> dict[str, str]:
    return acting(api, "national_coordinator", country=country)


def slot(start_hours: float, length_hours: float = 2) -> dict[str, str]:
    start = datetime(2031, 3, 3, 8, tzinfo=UTC) + timedelta(hours=start_hours)
    return {"starts_at": start.isoformat(), "ends_at": (start + timedelta(hours=length_hours)).isoformat()}


async def lab(api: httpx.AsyncClient) -> dict[str, Any]:
    sn = await known_agency(api, "SN")
    registered = await api.post(
        "/facilities",
        json={
            "owner_agency_id": sn,
            "name": "Dakar cyber forensics lab",
            "kind": "virtual_lab",
            "location": "Dakar",
            "capacity": 24,
            "time_zone": "Africa/Dakar",
            "shared_with": ["fr", "CI"],
        },
        headers=coordinator(api, "SN"),
    )
    assert registered.status_code == 201, registered.text
    return {"facility": registered.json(), "sn": sn, "fr": await known_agency(api, "FR")}


async def test_every_training_route_has_a_rule(training: httpx.AsyncClient) -> None:
    anyone = {
        ("GET", "/credentials/{certification_id}/status"),
        ("GET", "/.well-known/jwks.json"),
    }  # no token
    served = set(routes(training)) - anyone
    assert sorted(served - set(RULES)) == [], "routes without an access rule are refused to everyone"
    assert sorted(set(RULES) - served) == [], "rules for routes that no longer exist"


async def test_a_facility_is_seen_by_its_owner_and_the_countries_it_is_shared_with(
    training: httpx.AsyncClient,
) -> None:
    world = await lab(training)
    facility = world["facility"]
    assert facility["owner_country_code"] == "SN" and facility["shared_with"] == ["CI", "FR"]
    url = f"/facilities/{facility['id']}"
    seen = {
        c: (await training.get(url, headers=coordinator(training, c))).status_code for c in ("SN", "FR", "GH")
    }
    assert seen == {"SN": 200, "FR": 200, "GH": 404}
    listed = await training.get("/facilities", headers=coordinator(training, "GH"))
    assert listed.status_code == 200 and listed.json()["items"] == []
    foreign = await training.post(
        "/facilities",
        json={
            **{k: facility[k] for k in ("name", "kind", "location", "capacity", "time_zone")},
            "owner_agency_id": world["sn"],
        },
        headers=coordinator(training, "FR"),
    )
    assert foreign.status_code == 403, "France does not register Senegal's facilities"


async def test_bookings_never_overlap_and_a_cancelled_one_frees_its_period(
    training: httpx.AsyncClient,
) -> None:
    world = await lab(training)
    url = f"/facilities/{world['facility']['id']}/bookings"
    fr = coordinator(training, "FR")
    first = await training.post(
        url, json={"agency_id": world["fr"], "purpose": "Cohort 1", **slot(0, 4)}, headers=fr
    )
    assert first.status_code == 201, first.text
    clash = await training.post(
        url,
        json={"agency_id": world["sn"], "purpose": "Drill", **slot(3, 2)},
        headers=coordinator(training, "SN"),
    )
    assert clash.status_code == 409 and clash.json()["code"] == "booking_conflict", clash.text
    adjacent = await training.post(
        url, json={"agency_id": world["fr"], "purpose": "Cohort 2", **slot(4, 2)}, headers=fr
    )
    assert adjacent.status_code == 201, "a booking may start when the previous one ends"
    cancelled = await training.post(f"/bookings/{first.json()['id']}/cancellation", headers=fr)
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    again = await training.post(
        url,
        json={"agency_id": world["sn"], "purpose": "Drill", **slot(3, 1)},
        headers=coordinator(training, "SN"),
    )
    assert again.status_code == 201, again.text
    listed = await training.get(url, headers=fr)
    assert [b["purpose"] for b in listed.json()["items"]] == ["Drill", "Cohort 2"]
    first_page = (await training.get(url, params={"limit": 1, "include_cancelled": True}, headers=fr)).json()
    rest = (
        await training.get(
            url, params={"cursor": first_page["next_cursor"], "include_cancelled": True}, headers=fr
        )
    ).json()
    assert [b["purpose"] for b in first_page["items"] + rest["items"]] == ["Cohort 1", "Drill", "Cohort 2"], (
        "paged in time order"
    )
    assert rest["next_cursor"] is None
    outsider = await training.post(
        f"/bookings/{again.json()['id']}/cancellation", headers=coordinator(training, "CI")
    )
    assert outsider.status_code == 404, "only the booker and the owner change a booking"


async def test_many_requests_racing_for_one_slot_exactly_one_wins(training: httpx.AsyncClient) -> None:
    world = await lab(training)
    url = f"/facilities/{world['facility']['id']}/bookings"
    fr = coordinator(training, "FR")

    async def attempt(n: int) -> int:
        body = {"agency_id": world["fr"], "purpose": f"Attempt {n}", **slot(n * 0.25, 3)}  # all overlap
        return (await training.post(url, json=body, headers=fr)).status_code

    answers = Counter(await asyncio.gather(*(attempt(n) for n in range(12))))
    assert answers == {201: 1, 409: 11}, answers
    async with training.app.state.runtime.engine.connect() as conn:  # type: ignore[attr-defined]
        await conn.execute(text("SELECT set_config('backbone.tenant', '*', false)"))
        assert await conn.scalar(text("SELECT count(*) FROM facility_bookings")) == 1


async def test_bad_bookings_are_refused_with_the_field_named(training: httpx.AsyncClient) -> None:
    world = await lab(training)
    url = f"/facilities/{world['facility']['id']}/bookings"
    fr = coordinator(training, "FR")
    backwards = {
        "agency_id": world["fr"],
        "purpose": "x" * 5,
        "starts_at": slot(2)["ends_at"],
        "ends_at": slot(2)["starts_at"],
    }
    for body, field in (
        (backwards, None),
        (
            {
                "agency_id": world["fr"],
                "purpose": "Naive",
                "starts_at": "2031-03-03T08:00:00",
                "ends_at": "2031-03-03T09:00:00",
            },
            "starts_at",
        ),
        ({"agency_id": str(uuid.uuid4()), "purpose": "Who?", **slot(1)}, "agency_id"),
    ):
        refused = await training.post(url, json=body, headers=fr)
        assert refused.status_code == 422, refused.text
        assert refused.headers["content-type"].startswith("application/problem+json")
        if field:
            assert field in {e["field"] for e in refused.json()["errors"]}, refused.json()
    not_mine = await training.post(
        url, json={"agency_id": world["sn"], "purpose": "For Senegal", **slot(1)}, headers=fr
    )
    assert not_mine.status_code == 403
    zone = await training.post(
        "/facilities",
        json={
            "owner_agency_id": world["sn"],
            "name": "Site",
            "kind": "field_site",
            "location": "Thies",
            "capacity": 5,
            "time_zone": "Mars/Olympus",
        },
        headers=coordinator(training, "SN"),
    )
    assert zone.status_code == 422 and zone.json()["errors"][0]["field"] == "time_zone"


async def test_the_use_of_a_booking_is_recorded_once_and_announced_for_finance(
    training: httpx.AsyncClient,
) -> None:
    world = await lab(training)
    url = f"/facilities/{world['facility']['id']}/bookings"
    fr = coordinator(training, "FR")
    future = await training.post(
        url, json={"agency_id": world["fr"], "purpose": "Later", **slot(10)}, headers=fr
    )
    early = await training.post(
        f"/bookings/{future.json()['id']}/usage", json={"hours": "2", "attendees": 12}, headers=fr
    )
    assert early.status_code == 409 and early.json()["code"] == "booking_not_started"
    past_start = datetime.now(UTC) - timedelta(days=2)
    past = await training.post(
        url,
        json={
            "agency_id": world["fr"],
            "purpose": "Done",
            "starts_at": past_start.isoformat(),
            "ends_at": (past_start + timedelta(hours=6)).isoformat(),
        },
        headers=fr,
    )
    assert past.status_code == 201, past.text
    used = await training.post(
        f"/bookings/{past.json()['id']}/usage", json={"hours": "5.5", "attendees": 18}, headers=fr
    )
    assert used.status_code == 200 and used.json()["used_hours"] == "5.50"
    same = await training.post(
        f"/bookings/{past.json()['id']}/usage", json={"hours": "5.5", "attendees": 18}, headers=fr
    )
    assert same.status_code == 200, "the same report again changes nothing"
    other = await training.post(
        f"/bookings/{past.json()['id']}/usage", json={"hours": "3", "attendees": 1}, headers=fr
    )
    assert other.status_code == 409 and other.json()["code"] == "usage_recorded"
    records = await outbox_records(training, "training.facility_used.v1")
    assert len(records) == 1
    event = decode(records[0].headers, records[0].key, records[0].value)
    assert event.data["hours"] == "5.50" and event.data["booked_by_country_code"] == "FR"
    assert event.extensions["audience"] == "CI,FR,SN" and event.extensions["originator"] == "SN"
