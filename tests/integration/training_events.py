"""Run training's consumer handlers on events, in one transaction each, as its consumer does (without Kafka:
the Kafka path itself is tested once, in the consumer and e2e tests)."""

from __future__ import annotations

import httpx

from contracts.envelope import Event, KafkaRecord, encode
from services.training.handlers import subscription
from tests.support import run_handler


async def deliver_record(api: httpx.AsyncClient, record: KafkaRecord) -> None:
    await run_handler(api, subscription().handlers, record)


async def deliver(api: httpx.AsyncClient, event: Event, *, key: str = "k") -> None:
    await deliver_record(api, encode(event, source="/tests", key=key))
