"""A process started while the broker is away waits for it (a new client per attempt) instead of exiting; one
refused for good (authorisation, a bug) ends and says why."""

from __future__ import annotations

import asyncio

import pytest
from aiokafka import AIOKafkaProducer
from aiokafka.errors import (
    KafkaConnectionError,
    KafkaError,
    NodeNotReadyError,
    SaslAuthenticationFailed,
    TransactionalIdAuthorizationFailed,
)

from backbone.kafka import broker_unreachable, retried, started
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


def _wrapped(cause: BaseException) -> KafkaError:
    try:
        raise KafkaError(repr(cause)) from cause
    except KafkaError as exc:
        return exc


@pytest.mark.parametrize(
    "error",
    [
        KafkaConnectionError("Connection at 127.0.0.1:9092 closed"),
        NodeNotReadyError(),
        # A transactional producer's FindCoordinator cut mid-request: a plain KafkaError around the cut (seed 28).
        _wrapped(KafkaConnectionError("Connection at 127.0.0.1:9092 closed")),
        # Its metadata emptied by a cut: aiokafka's own assertion (seed 28).
        AssertionError("Did we not perform bootstrap?"),
    ],
)
def test_a_broker_away_or_cut_off_is_waited_for(error: BaseException) -> None:
    assert broker_unreachable(error)


@pytest.mark.parametrize(
    "error",
    [
        TransactionalIdAuthorizationFailed(),
        SaslAuthenticationFailed(),
        _wrapped(TransactionalIdAuthorizationFailed()),
        AssertionError("something else"),
        ValueError("bad settings"),
    ],
)
def test_a_refusal_or_a_bug_ends_the_process(error: BaseException) -> None:
    assert not broker_unreachable(error)


async def test_a_start_that_fails_for_good_is_not_retried() -> None:
    attempts: list[int] = []

    async def refused() -> None:
        attempts.append(1)
        raise TransactionalIdAuthorizationFailed()

    with pytest.raises(TransactionalIdAuthorizationFailed):
        await retried(refused, stopping=asyncio.Event(), what="test")
    assert attempts == [1]


async def test_a_start_cut_off_is_tried_again() -> None:
    attempts: list[int] = []

    async def cut_once() -> str:
        attempts.append(1)
        if len(attempts) == 1:
            raise _wrapped(KafkaConnectionError("Connection at 127.0.0.1:9092 closed"))
        return "started"

    assert await retried(cut_once, stopping=asyncio.Event(), what="test") == "started"
    assert len(attempts) == 2
