"""A process started while the broker is away waits for it (a new client per attempt) instead of exiting."""

from __future__ import annotations

import asyncio

from aiokafka import AIOKafkaProducer

from backbone.kafka import started
from tests.support import free_port


async def test_a_client_waits_for_an_absent_broker_until_asked_to_stop() -> None:
    port = free_port()  # nothing listens there
    made: list[AIOKafkaProducer] = []

    def make() -> AIOKafkaProducer:
        made.append(AIOKafkaProducer(bootstrap_servers=f"127.0.0.1:{port}", request_timeout_ms=1000))
        return made[-1]

    stopping = asyncio.Event()
    waiting = asyncio.create_task(started(make, stopping=stopping, what="test producer"))
    await asyncio.sleep(2.5)
    assert not waiting.done(), "it keeps trying rather than raising"
    stopping.set()
    assert await asyncio.wait_for(waiting, timeout=15) is None
    assert len(made) >= 2, "each attempt is a new client"
