"""Run training's consumer handlers on events, in one transaction each, as its consumer does (without Kafka:
the Kafka path itself is tested once, in the consumer and e2e tests)."""

from __future__ import annotations

import httpx

from backbone.db import SYSTEM_TENANT, TENANT
from contracts.envelope import Event, KafkaRecord, decode, encode
from services.training.handlers import subscription


async def deliver_record(api: httpx.AsyncClient, record: KafkaRecord) -> None:
    envelope = decode(record.headers, record.key, record.value)
    handler = subscription().handlers[envelope.type]
    token = TENANT.set(SYSTEM_TENANT)  # the consumer works for the platform, not for a request's country
    try:
        async with api.app.state.runtime.sessions() as session, session.begin():  # type: ignore[attr-defined]
            await handler(session, envelope)
    finally:
        TENANT.reset(token)


async def deliver(api: httpx.AsyncClient, event: Event, *, key: str = "k") -> None:
    await deliver_record(api, encode(event, source="/tests", key=key))
