"""`make bench ONLY=D1,A1`: one use case's database work, in process (no HTTP).

D1: partners' `register_agency` (ORM session, country row, agency row, aggregate lock, outbox row, audit
    entry), one at a time, against raw asyncpg writing the same rows with the same statements in one
    transaction each. Goal: the use case takes at most 2x the raw time.
A1: the same use case, 16 at a time, with the audit chain against the same writes with `audit_append` replaced by
    a no-op in a second database (the chain's head row serialises commits; this is what that costs writers).
    Goal: >= 0.8x.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
import uuid
from datetime import UTC, datetime

import asyncpg

from backbone.audit.log import _APPEND, canonical, entry_of
from backbone.db import create_engine, create_sessionmaker
from backbone.outbox.writer import (
    _AGGREGATE_LOCK_NAMESPACE,
    _INSERT_OUTBOX,
    _LOCK_AGGREGATE,
    OUTBOX_COLUMNS,
    Outgoing,
    _outbox_row,
)
from benchmarks.table import Row, median_ratio, run_standalone, stack_endpoints
from contracts.events.partners import AgencyRegisteredV1
from services.partners import SOURCE
from services.partners.agencies import service
from services.partners.agencies.schemas import AgencyRegistration, CountryIn
from services.partners.handling.audiences import of_agency
from tests.support import Deployment

NO_AUDIT = "CREATE OR REPLACE FUNCTION audit_append(entries jsonb) RETURNS void LANGUAGE sql AS $$ SELECT $$"


def registration(run: str, n: int) -> AgencyRegistration:
    return AgencyRegistration(
        country=CountryIn(code="FR", name="France"), name=f"Bench {run} {n}", agency_type="police"
    )


async def use_case_rate(deployment: Deployment, count: int, concurrency: int) -> float:
    engine = create_engine(deployment.settings("partners"), pool_size=concurrency)
    sessions = create_sessionmaker(engine)
    run, next_n = uuid.uuid4().hex[:8], 0

    async def lane() -> None:
        nonlocal next_n
        while next_n < count:
            n, next_n = next_n, next_n + 1
            async with sessions() as session:
                outcome = await service.register_agency(
                    session, registration=registration(run, n), idempotency=None
                )
            assert outcome.status_code == 201

    try:
        start = time.perf_counter()
        await asyncio.gather(*(lane() for _ in range(concurrency)))
        return count / (time.perf_counter() - start)
    finally:
        await engine.dispose()


async def raw_rate(deployment: Deployment, count: int) -> float:
    """The same statements and rows as the use case, from raw asyncpg, one transaction per registration."""
    settings = deployment.settings("partners")
    conn = await asyncpg.connect(settings.asyncpg_dsn, server_settings={"backbone.tenant": "*"})
    run = uuid.uuid4().hex[:8]
    try:
        start = time.perf_counter()
        for n in range(count):
            body = registration(run, n)
            agency_id, now = uuid.uuid4(), datetime.now(UTC)
            event = AgencyRegisteredV1(
                agency_id=str(agency_id),
                country_code="FR",
                country_name="France",
                name=body.name,
                agency_type=body.agency_type,
                mandate=None,
                is_national_coordination_unit=False,
                registered_at=now,
            )
            release = of_agency("FR")
            row = _outbox_row(Outgoing(event, str(agency_id), None, None, None, release), SOURCE)
            entry = entry_of(
                action=event.event_type,
                object_type="agency",
                object_id=str(agency_id),
                tenant=release.originator,
                handling=str(release.code),
                details=None,
            )
            async with conn.transaction():
                await conn.fetchval(
                    "WITH inserted AS (INSERT INTO countries (code, name) VALUES ($1, $2) "
                    "ON CONFLICT (code) DO NOTHING RETURNING name) "
                    "SELECT name FROM inserted UNION ALL SELECT name FROM countries WHERE code = $1 LIMIT 1",
                    "FR",
                    "France",
                )
                await conn.fetchval(
                    "INSERT INTO agencies (id, country_code, name, agency_type, mandate, "
                    "is_national_coordination_unit, status, registered_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) "
                    "ON CONFLICT DO NOTHING RETURNING id",
                    agency_id,
                    "FR",
                    body.name,
                    body.agency_type,
                    None,
                    False,
                    "pending",
                    now,
                )
                await conn.execute(_LOCK_AGGREGATE, _AGGREGATE_LOCK_NAMESPACE, str(agency_id))
                await conn.execute(_INSERT_OUTBOX, *(row[column] for column in OUTBOX_COLUMNS))
                await conn.execute(_APPEND, canonical([entry]).decode())
        return count / (time.perf_counter() - start)
    finally:
        await conn.close()


async def measure(count: int = 500, rounds: int = 3, concurrency: int = 16) -> list[Row]:
    endpoints = await stack_endpoints()
    audited, unaudited = Deployment(endpoints), Deployment(endpoints)
    await audited.create("partners")
    await unaudited.create("partners")
    admin_url = endpoints.postgres_admin_url.rsplit("/", 1)[0]
    admin = await asyncpg.connect(f"{admin_url}/{unaudited.database('partners')}")
    await admin.execute(NO_AUDIT)
    await admin.close()
    rates: dict[str, list[float]] = {"raw": [], "one": [], "audit_on": [], "audit_off": []}
    try:
        for round_no in range(rounds + 1):
            raw = await raw_rate(audited, count)
            one = await use_case_rate(audited, count, 1)
            on = await use_case_rate(audited, 4 * count, concurrency)
            off = await use_case_rate(unaudited, 4 * count, concurrency)
            label = "warm-up" if round_no == 0 else f"round {round_no}"
            print(
                f"{label}: raw {raw:,.0f}/s, use case {one:,.0f}/s (time {raw / one:.2f}x); "
                f"{concurrency} at a time: audit on {on:,.0f}/s, off {off:,.0f}/s ({on / off:.2f}x)",
                file=sys.stderr,
            )
            if round_no:
                for name, rate in zip(rates, (raw, one, on, off), strict=True):
                    rates[name].append(rate)
    finally:
        await audited.destroy()
        await unaudited.destroy()
    time_ratio = median_ratio(rates["raw"], rates["one"])  # time per registration: use case / raw
    audit_ratio = median_ratio(rates["audit_on"], rates["audit_off"])
    raw, one, on, off = (statistics.median(r) for r in rates.values())
    return [
        Row(
            "D1",
            f"register_agency's database work, {count} one at a time",
            f"raw asyncpg, same statements and rows {raw:,.0f}/s ({1000 / raw:.2f} ms each)",
            f"use case {one:,.0f}/s ({1000 / one:.2f} ms each)",
            f"{time_ratio:.2f}x time",
            "<= 2x",
            time_ratio <= 2,
            {"raw_per_s": raw, "use_case_per_s": one, "time_ratio": time_ratio},
        ),
        Row(
            "A1",
            f"audit chain on writers, {4 * count} registrations {concurrency} at a time",
            f"audit_append a no-op {off:,.0f}/s",
            f"audit chain {on:,.0f}/s",
            f"{audit_ratio:.2f}x",
            ">= 0.8x",
            audit_ratio >= 0.8,
            {"audit_on_per_s": on, "audit_off_per_s": off, "ratio": audit_ratio},
        ),
    ]


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--registrations", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    sys.exit(run_standalone(lambda: measure(args.registrations, args.rounds)))
