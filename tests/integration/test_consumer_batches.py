"""A fetch is applied in one transaction; when one of its records fails, the fetch is applied again one record
per transaction. Either way each event takes effect exactly once, in order, and a poison record holds nothing
up. The records are published before the consumer starts, so they arrive in one fetch."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import UTC, datetime

from prometheus_client import REGISTRY

from contracts.envelope import KafkaRecord, encode
from contracts.events.partners import AgencyActivatedV1
from tests.integration.test_consumer import known_agency, registered, training_consumer
from tests.integration.test_consumer_faults import dead_letters
from tests.integration.test_national_feed import publish
from tests.support import Deployment, eventually

KEY = "one-partition"


def registration(agency_id: str) -> KafkaRecord:
    return encode(registered(agency_id), source="/services/partners", key=KEY)


def activation(agency_id: str) -> KafkaRecord:
    event = AgencyActivatedV1(
        agency_id=agency_id, country_code="KE", confirmed_by="NCU", activated_at=datetime.now(UTC)
    )
    return encode(event, source="/services/partners", key=KEY)


def fallbacks() -> float:
    return REGISTRY.get_sample_value("consumer_batch_fallbacks_total", {"service": "training"}) or 0.0


async def test_one_fetch_applies_each_event_once_in_order(deployment: Deployment) -> None:
    await deployment.create("training")
    first, second = str(uuid.uuid4()), str(uuid.uuid4())
    twice = registration(first)
    # A registration delivered twice (same CloudEvent id), a second agency registered by two distinct events
    # (its version counts both), then an activation that needs the registration before it in the same fetch.
    await publish(
        deployment,
        [twice, twice, registration(second), registration(second), activation(first)],
    )
    before = fallbacks()
    async with training_consumer(deployment) as (_, engine):
        await eventually(lambda: _status(engine, first, "active"), timeout=60, what="activation applied")
        assert await known_agency(engine, first) == {"status": "active", "version": 2}
        assert await known_agency(engine, second) == {"status": "pending", "version": 2}
    assert fallbacks() == before, "nothing failed: the fetch went through in one transaction"


async def test_a_poison_record_in_a_fetch_holds_nothing_up(deployment: Deployment) -> None:
    await deployment.create("training")
    before_poison, after_poison = str(uuid.uuid4()), str(uuid.uuid4())
    good = registration(before_poison)
    poison = dataclasses.replace(registration(str(uuid.uuid4())), value=b'{"agency_id": "not a uuid"}')
    await publish(
        deployment,
        [good, good, poison, registration(after_poison), activation(after_poison), activation(before_poison)],
    )
    before = fallbacks()
    async with training_consumer(deployment) as (_, engine):
        await eventually(
            lambda: _status(engine, before_poison, "active"), timeout=60, what="the records behind applied"
        )
        assert await known_agency(engine, before_poison) == {"status": "active", "version": 2}
        assert await known_agency(engine, after_poison) == {"status": "active", "version": 2}
    assert fallbacks() == before + 1, "the fetch was applied again record by record"
    assert await dead_letters(deployment) == 1, "only the poison record is dead-lettered"


async def _status(engine: object, agency_id: str, status: str) -> bool:
    row = await known_agency(engine, agency_id)
    return row is not None and row["status"] == status
