"""Exchange visits through the training API: planned by the sending country for an agency abroad, seen by the two
countries only, completed once, and announced as the event the partners service keeps reciprocity from."""

from __future__ import annotations

import uuid

import httpx

from contracts.envelope import decode
from contracts.events.training import ExchangeCompletedV1
from tests.integration.test_partner_relations_api import outbox_records
from tests.integration.test_training_facilities import coordinator, known_agency, training

__all__ = ["training"]  # the fixture


async def test_an_exchange_is_planned_seen_by_both_countries_and_completed_once(
    training: httpx.AsyncClient,
) -> None:
    sn, fr = await known_agency(training, "SN"), await known_agency(training, "FR")
    plan = {
        "partnership_id": str(uuid.uuid4()),
        "officer_id": "SN-PN-004217",
        "officer_agency_id": sn,
        "host_agency_id": fr,
        "kind": "exchange_visit",
        "starts_on": "2027-03-01",
        "ends_on": "2027-03-21",
    }
    planned = await training.post("/exchanges", json=plan, headers=coordinator(training, "SN"))
    assert planned.status_code == 201, planned.text
    exchange = planned.json()
    assert (exchange["officer_country_code"], exchange["host_country_code"], exchange["status"]) == (
        "SN",
        "FR",
        "planned",
    )
    url = f"/exchanges/{exchange['id']}"
    seen = {
        c: (await training.get(url, headers=coordinator(training, c))).status_code for c in ("SN", "FR", "GH")
    }
    assert seen == {"SN": 200, "FR": 200, "GH": 404}

    first = await training.post(f"{url}/completion", headers=coordinator(training, "FR"))
    again = await training.post(f"{url}/completion", headers=coordinator(training, "SN"))
    assert first.status_code == again.status_code == 200 and again.json()["status"] == "completed"
    records = await outbox_records(training, "training.exchange_completed.v1")
    assert len(records) == 1, "completed once, announced once"
    envelope = decode(records[0].headers, records[0].key, records[0].value)
    event = ExchangeCompletedV1.model_validate(envelope.data)  # what partners' reciprocity consumer reads
    assert (event.officer_country_code, event.host_country_code, event.days) == ("SN", "FR", 21)
    assert envelope.extensions["audience"] == "FR,SN"


async def test_bad_exchanges_are_refused_with_the_field_named(training: httpx.AsyncClient) -> None:
    sn, sn2 = await known_agency(training, "SN"), await known_agency(training, "SN")
    fr = await known_agency(training, "FR")
    base = {
        "partnership_id": str(uuid.uuid4()),
        "officer_id": "SN-1",
        "officer_agency_id": sn,
        "host_agency_id": fr,
        "kind": "hub_rotation",
        "starts_on": "2027-03-01",
        "ends_on": "2027-03-21",
    }
    for change, field in (
        ({"host_agency_id": sn2}, "host_agency_id"),
        ({"host_agency_id": str(uuid.uuid4())}, "host_agency_id"),
        ({"kind": "holiday"}, "kind"),
    ):
        refused = await training.post(
            "/exchanges", json={**base, **change}, headers=coordinator(training, "SN")
        )
        assert refused.status_code == 422, refused.text
        assert field in {e["field"] for e in refused.json()["errors"]}, refused.json()
    backwards = await training.post(
        "/exchanges", json={**base, "ends_on": "2027-02-01"}, headers=coordinator(training, "SN")
    )
    assert backwards.status_code == 422
    foreign = await training.post("/exchanges", json=base, headers=coordinator(training, "FR"))
    assert foreign.status_code == 403, "France does not send Senegal's officers"
