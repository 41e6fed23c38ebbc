"""Finance learns the use of shared facilities from training's events: once per booking, however often (and
under whichever event id) the event arrives; the owner and the booking country see it, nobody else."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import httpx

from contracts.envelope import decode
from contracts.events.training import FacilityUsedV1
from tests.integration.finance_world import deliver, finance
from tests.integration.test_partner_relations_api import outbox_records
from tests.integration.test_training_facilities import coordinator, lab, training

__all__ = ["finance", "training"]  # the fixtures


async def test_usage_is_recorded_once_and_seen_by_owner_and_user_only(
    training: httpx.AsyncClient, finance: httpx.AsyncClient
) -> None:
    world = await lab(training)
    fr = coordinator(training, "FR")
    start = datetime.now(UTC) - timedelta(days=1)
    booked = await training.post(
        f"/facilities/{world['facility']['id']}/bookings",
        json={
            "agency_id": world["fr"],
            "purpose": "Lab day",
            "starts_at": start.isoformat(),
            "ends_at": (start + timedelta(hours=8)).isoformat(),
        },
        headers=fr,
    )
    await training.post(
        f"/bookings/{booked.json()['id']}/usage", json={"hours": "7.5", "attendees": 20}, headers=fr
    )
    record = next(
        r
        for r in await outbox_records(training, "training.facility_used.v1")
        if decode(r.headers, r.key, r.value).data["booking_id"] == booked.json()["id"]
    )
    event = FacilityUsedV1.model_validate(decode(record.headers, record.key, record.value).data)
    for event_id in (None, None, str(uuid.uuid4())):  # redelivered, and replayed under another id
        await deliver(finance, event, event_id=event_id)

    sn = finance.deployment.issuer.headers("national_coordinator", country="SN")  # type: ignore[attr-defined]
    fr_reader = finance.deployment.issuer.headers("auditor", country="FR")  # type: ignore[attr-defined]
    gh = finance.deployment.issuer.headers("national_coordinator", country="GH")  # type: ignore[attr-defined]
    rows = (await finance.get("/facility-usage", headers=sn)).json()["items"]
    assert [(r["booking_id"], r["hours"], r["attendees"]) for r in rows] == [
        (booked.json()["id"], "7.50", 20)
    ]
    assert len((await finance.get("/facility-usage", headers=fr_reader)).json()["items"]) == 1
    assert (await finance.get("/facility-usage", headers=gh)).json()["items"] == []
    hosted = (await finance.get("/facility-usage/summary", headers=sn)).json()
    assert (
        hosted["hosted"] == [{"kind": "virtual_lab", "hours": "7.50", "bookings": 1}] and hosted["used"] == []
    )
    used = (await finance.get("/facility-usage/summary", headers=fr_reader)).json()
    assert used["used"] == [{"kind": "virtual_lab", "hours": "7.50", "bookings": 1}] and used["hosted"] == []
    filtered = await finance.get("/facility-usage", params={"facility_id": str(uuid.uuid4())}, headers=sn)
    assert filtered.json()["items"] == []


async def test_bad_queries_are_refused_with_the_field_named(finance: httpx.AsyncClient) -> None:
    sn = finance.deployment.issuer.headers("national_coordinator", country="SN")  # type: ignore[attr-defined]
    for params, field in (
        ({"country": "SEN"}, "country"),
        ({"since": "yesterday"}, "since"),
        ({"limit": "0"}, "limit"),
    ):
        refused = await finance.get("/facility-usage", params=params, headers=sn)
        assert refused.status_code == 422, refused.text
        assert refused.json()["errors"][0]["field"] == field
    trainee = finance.deployment.issuer.headers("trainee", country="SN")  # type: ignore[attr-defined]
    assert (await finance.get("/facility-usage", headers=trainee)).status_code == 403
