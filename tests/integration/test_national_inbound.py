"""What national systems report on their own inbound topics, through the assessment consumer on real Kafka and
PostgreSQL: the sender's country comes from the topic (never from the event), a valid measurement is stored and
announced once, and one that can never be accepted is dead-lettered with its reason while the records behind it
are applied."""

from __future__ import annotations

import asyncio
import uuid
from datetime import date
from decimal import Decimal

from aiokafka import AIOKafkaProducer

from backbone.consumer import EventConsumer
from backbone.db import create_engine, create_sessionmaker
from backbone.feed.subscribers import Subscriber
from backbone.kafka import ensure_topics
from contracts.envelope import encode
from contracts.events.national import IndicatorMeasurementReportedV1
from contracts.topics import TopicSpec
from services.assessment.app import build_app
from services.assessment.handlers import subscription
from tests.integration.assessment_world import lead
from tests.integration.test_partner_relations_api import envelope_of, outbox_records
from tests.support import (
    Deployment,
    eventually,
    header,
    partnership_registered,
    publish,
    read_topic,
    service_client,
)

SENEGAL, BRAZIL, JAPAN = (
    Subscriber(f"{cc.lower()}-stats-{uuid.uuid4().hex[:6]}", cc) for cc in ("SN", "BR", "JP")
)


def reported(
    partnership: str, indicator: str, value: str, **fields: object
) -> IndicatorMeasurementReportedV1:
    values: dict[str, object] = {
        "measurement_id": str(uuid.uuid4()),
        "partnership_id": partnership,
        "indicator": indicator,
        "value": Decimal(value),
        "period_start": date(2026, 7, 1),
        "period_end": date(2026, 9, 30),
        "source": "Police statistics, joint investigations register",
        **fields,
    }
    return IndicatorMeasurementReportedV1(**values)


async def test_a_measurement_on_a_national_inbound_topic_is_stored_for_the_topics_country_once(
    deployment: Deployment,
) -> None:
    async with service_client(deployment, "assessment", build_app) as api:
        await ensure_topics(
            deployment.endpoints.kafka_bootstrap,
            [
                TopicSpec(name=s.inbound_topic, owner="national", description="test", partitions=1)
                for s in (SENEGAL, BRAZIL, JAPAN)
            ],
            prefix=deployment.topic_prefix,
            extra_options=deployment.endpoints.kafka_security(),
        )
        settings = deployment.settings("assessment")
        engine = create_engine(settings)
        consumer = EventConsumer(settings, create_sessionmaker(engine), subscription(settings))
        task = asyncio.create_task(consumer.run())
        producer = AIOKafkaProducer(**deployment.endpoints.kafka_options(), acks="all")
        await producer.start()
        try:
            pid = str(uuid.uuid4())
            await publish(deployment, partnership_registered(pid), source="/services/partners", key=pid)
            indicator = {
                "id": str(uuid.uuid4()),
                "code": "joint_investigations",
                "name": "Joint investigations opened",
                "unit": "investigations",
                "direction": "increase",
                "baseline": "2",
                "target": "6",
            }

            async def defined() -> bool:
                made = await api.post(f"/partnerships/{pid}/indicators", json=indicator, headers=lead(api))
                return made.status_code in (200, 201)

            await eventually(defined, what="the consumer learnt the partnership")

            async def send(
                subscriber: Subscriber, event: IndicatorMeasurementReportedV1, **extensions: str
            ) -> str:
                record = encode(
                    event, source=f"/national/{subscriber.id}", key=event.indicator, extensions=extensions
                )
                topic = deployment.topic(subscriber.inbound_topic)
                await producer.send_and_wait(
                    topic, value=record.value, key=record.key, headers=record.headers
                )
                return event.measurement_id

            await send(SENEGAL, reported(pid, "arrests_abroad", "5"))  # no such indicator: poison
            forged = await send(
                SENEGAL, reported(pid, "joint_investigations", "7"), sendercountry="BR", sender="x"
            )
            twice = reported(pid, "joint_investigations", "4")
            record = encode(twice, source="/national/br", key="k")
            for _ in range(2):  # the same CloudEvent twice: once in effect
                await producer.send_and_wait(
                    deployment.topic(BRAZIL.inbound_topic),
                    value=record.value,
                    key=record.key,
                    headers=record.headers,
                )
            await send(JAPAN, reported(pid, "joint_investigations", "9"))  # not a member

            async def measured() -> list[dict[str, object]]:
                seen = await api.get(f"/indicators/{indicator['id']}/measurements", headers=lead(api))
                rows = seen.json()
                return rows if len(rows) == 2 else []

            rows = await eventually(measured, what="both members' measurements")
            assert sorted((r["country_code"], r["value"], r["target_met"]) for r in rows) == [
                ("BR", "4.0000", False),
                ("SN", "7.0000", True),
            ], "the country is the topic's, whatever the event's extensions claim"
            assert next(r for r in rows if r["country_code"] == "SN")["id"] == forged
            dead = await read_topic(
                deployment.endpoints,
                deployment.topic("assessment.deadletter.v1"),
                until=lambda records: len(records) >= 2,
            )
            reasons = sorted((header(r, "dlt_error") or "").split(":")[0] for r in dead)
            assert [header(r, "dlt_reason") for r in dead] == ["permanent_error", "permanent_error"]
            assert any("no indicator arrests_abroad" in (header(r, "dlt_error") or "") for r in dead), reasons
            assert any("JP, not a member" in (header(r, "dlt_error") or "") for r in dead), reasons
            announced = [
                envelope_of(r).data for r in await outbox_records(api, "assessment.indicator_measured.v1")
            ]
            values = sorted(Decimal(a["value"]) for a in announced if a["partnership_id"] == pid)
            assert values == [Decimal(4), Decimal(7)], "each announced once"
        finally:
            await producer.stop()
            consumer.stop()
            await asyncio.wait_for(task, timeout=30)
            await engine.dispose()
