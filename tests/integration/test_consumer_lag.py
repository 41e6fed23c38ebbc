"""The consumer's lag gauge under a backlog: it reports the backlog when the consumer starts behind, counts down
as batches are applied (never below what is left), reads 0 once everything is applied, and rises and falls again
for records that arrive later."""

from __future__ import annotations

import asyncio
import uuid

from sqlalchemy import text

from backbone.lag import lag_of
from contracts.envelope import encode
from tests.integration.test_consumer import registered, training_consumer
from tests.integration.test_national_feed import publish
from tests.support import Deployment, eventually

BACKLOG = 1_200
BATCH = 100


async def _applied(engine: object) -> int:
    async with engine.connect() as conn:  # type: ignore[attr-defined]
        return int((await conn.execute(text("SELECT count(*) FROM known_agencies"))).scalar_one())


async def test_the_lag_counts_a_backlog_down_to_zero(deployment: Deployment) -> None:
    await deployment.create("training")
    records = [
        encode(registered(agency := str(uuid.uuid4())), source="/services/partners", key=agency)
        for _ in range(BACKLOG)
    ]
    await publish(deployment, records)
    prefix = deployment.topic_prefix
    seen: list[tuple[float, int]] = []
    async with training_consumer(deployment, consumer_batch_max=BATCH) as (_, engine):
        while (applied := await _applied(engine)) < BACKLOG:
            # The gauge is set after each batch's commit, so it may be one batch behind the count read just before.
            seen.append((lag_of("training", prefix), applied))
            await asyncio.sleep(0.01)
        await eventually(lambda: lag_of("training", prefix) == 0, timeout=30, what="lag back to 0")

        more = [
            encode(registered(agency := str(uuid.uuid4())), source="/services/partners", key=agency)
            for _ in range(50)
        ]
        await publish(deployment, more)
        await eventually(
            lambda: _applied_all(engine, BACKLOG + 50), timeout=60, what="the later records applied"
        )
        await eventually(lambda: lag_of("training", prefix) == 0, timeout=30, what="lag back to 0 again")
    assert lag_of("training", prefix) == 0, "a stopped consumer reports no lag"

    reported = [lag for lag, _ in seen if lag > 0]
    assert reported, "the backlog showed in the gauge while it was being applied"
    assert max(reported) >= BACKLOG - 3 * BATCH, f"the gauge saw the backlog: {max(reported)} of {BACKLOG}"
    for lag, applied in seen:
        assert lag <= BACKLOG - applied + BATCH, (
            f"lag {lag} above what was left ({BACKLOG - applied}) + a batch"
        )
    assert reported == sorted(reported, reverse=True), "with nothing arriving, the lag only counts down"


async def _applied_all(engine: object, count: int) -> bool:
    return await _applied(engine) >= count
