"""A relay's or a consumer's process lives as long as its loop: a signal stops the loop, and a loop that ends by
itself (a crash) ends the process with its error, so the supervisor restarts it. Found by `make chaos`: a relay
whose loop had died kept its process running, healthy-looking, until the signal, while its outbox filled."""

from __future__ import annotations

import asyncio

import pytest

from backbone.serve import _run_until_signal, _until_stopped_or_ended


async def test_a_crashed_loop_ends_the_wait_with_its_error() -> None:
    halted: list[bool] = []

    async def crashing() -> None:
        await asyncio.sleep(0.01)
        raise RuntimeError("the loop died")

    with pytest.raises(RuntimeError, match="the loop died"):
        await asyncio.wait_for(
            _until_stopped_or_ended(crashing(), asyncio.Event(), lambda: halted.append(True)), timeout=5
        )
    assert halted == [True]


async def test_a_signal_halts_the_loop_and_waits_for_it() -> None:
    stop, finished = asyncio.Event(), asyncio.Event()

    async def looping() -> None:
        await finished.wait()

    waiting = asyncio.create_task(_until_stopped_or_ended(looping(), stop, finished.set))
    await asyncio.sleep(0.01)
    assert not waiting.done()
    stop.set()
    await asyncio.wait_for(waiting, timeout=5)


def test_relays_and_consumers_run_on_asyncios_own_loop() -> None:
    """Under uvloop, aiokafka's write to a cut broker connection raises RuntimeError where it expects OSError
    (aio-libs/aiokafka#1038), which killed a consumer's group coordination in the 760-fault chaos run."""
    loops: list[str] = []

    async def main(stop: asyncio.Event) -> None:
        loops.append(type(asyncio.get_running_loop()).__module__)

    _run_until_signal(main)
    assert loops and not loops[0].startswith("uvloop"), loops
