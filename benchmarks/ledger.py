"""`make bench` (second part): the finance ledger's transfers through its API against bare inserts, in one run.

1. Throughput: N transfers between distinct pairs of accounts, C at a time, (a) as bare asyncpg transactions that
   insert the same transfer rows and update the same two balance rows, (b) through the API: HTTP request (in
   process, token checked), route policy, account locks, balance checks, transfer row, outbox event and audit
   entry, (c) the same through the batch route, 100 transfers a request (TigerBeetle's answer to per-request
   cost). Goal: API rate >= 0.5x the bare rate (median of per-round ratios), reported for (b) and (c).
2. Contention: 1,000 transfers at once between the same two accounts. Goal: every one recorded, balances exact,
   no deadlock (accounts are locked in id order).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import asyncpg
import httpx

from backbone.db import SYSTEM_TENANT
from benchmarks.table import Row, run_standalone, stack_endpoints
from services.finance.app import build_app
from tests.integration.finance_world import partnership
from tests.support import Deployment, TestIssuer

PAIRS = 32
logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per request would drown the figures


async def accounts(api: httpx.AsyncClient, pid: str, headers: dict[str, str], count: int) -> list[str]:
    ids = []
    for i in range(count):
        body = {"id": str(uuid.uuid4()), "kind": "settlement", "name": f"a{i}", "currency": "EUR"}
        opened = await api.post(f"/partnerships/{pid}/accounts", json=body, headers=headers)
        assert opened.status_code == 201, opened.text
        ids.append(body["id"])
    return ids


BUSY: list[int] = []
"""503s answered (the database pool busy past its checkout timeout), each retried as a client would."""


async def through_api(
    api: httpx.AsyncClient, pid: str, headers: dict[str, str], pairs: list[tuple[str, str]], n: int, c: int
) -> float:
    gate = asyncio.Semaphore(c)

    async def one(i: int) -> None:
        debit, credit = pairs[i % len(pairs)]
        body = {
            "id": str(uuid.uuid4()),
            "debit_account_id": debit,
            "credit_account_id": credit,
            "amount": 100,
            "code": "bench",
        }
        async with gate:
            answer = await api.post(f"/partnerships/{pid}/transfers", json=body, headers=headers)
            while answer.status_code == 503:  # the same transfer id again: recorded once, whatever happened
                BUSY.append(1)
                await asyncio.sleep(float(answer.headers.get("Retry-After", "1")))
                answer = await api.post(f"/partnerships/{pid}/transfers", json=body, headers=headers)
        assert answer.status_code in (200, 201), answer.text

    start = time.perf_counter()
    await asyncio.gather(*(one(i) for i in range(n)))
    return n / (time.perf_counter() - start)


async def through_batches(
    api: httpx.AsyncClient,
    pid: str,
    headers: dict[str, str],
    pairs: list[tuple[str, str]],
    n: int,
    c: int,
    size: int,
) -> float:
    """The same transfers, `size` to a request on the batch route (one transaction per batch)."""
    gate = asyncio.Semaphore(c)
    bodies = [
        {
            "id": str(uuid.uuid4()),
            "debit_account_id": pairs[i % len(pairs)][0],
            "credit_account_id": pairs[i % len(pairs)][1],
            "amount": 100,
            "code": "bench",
        }
        for i in range(n)
    ]

    async def one(chunk: list[dict[str, Any]]) -> None:
        async with gate:
            url, body = f"/partnerships/{pid}/transfer-batches", {"transfers": chunk}
            answer = await api.post(url, json=body, headers=headers)
            while answer.status_code == 503:
                BUSY.append(1)
                await asyncio.sleep(float(answer.headers.get("Retry-After", "1")))
                answer = await api.post(url, json=body, headers=headers)
        assert answer.status_code in (200, 201), answer.text

    start = time.perf_counter()
    await asyncio.gather(*(one(bodies[i : i + size]) for i in range(0, n, size)))
    return n / (time.perf_counter() - start)


async def bare(pool: asyncpg.Pool, pid: str, pairs: list[tuple[str, str]], n: int, c: int) -> float:
    """The same rows by hand: one transaction per transfer, the balance rows updated, nothing else."""
    gate = asyncio.Semaphore(c)

    async def one(i: int) -> None:
        debit, credit = pairs[i % len(pairs)]
        async with gate, pool.acquire() as conn, conn.transaction():
            await conn.execute(
                "UPDATE ledger_accounts SET debits_posted = debits_posted + 100 WHERE id = $1",
                uuid.UUID(debit),
            )
            await conn.execute(
                "UPDATE ledger_accounts SET credits_posted = credits_posted + 100 WHERE id = $1",
                uuid.UUID(credit),
            )
            await conn.execute(
                "INSERT INTO ledger_transfers (id, partnership_id, debit_account_id, credit_account_id, amount, "
                "currency, kind, code, handling_code, created_at) "
                "VALUES ($1, $2, $3, $4, 100, 'EUR', 'single', 'bench', 'partnership', now())",
                uuid.uuid4(),
                uuid.UUID(pid),
                uuid.UUID(debit),
                uuid.UUID(credit),
            )

    start = time.perf_counter()
    await asyncio.gather(*(one(i) for i in range(n)))
    return n / (time.perf_counter() - start)


async def measure(
    count: int = 1000, concurrency: int = 16, rounds: int = 3, batch_size: int = 100
) -> list[Row]:
    endpoints = await stack_endpoints()
    issuer = TestIssuer(Path(tempfile.mkdtemp(prefix="bench-issuer-")))
    issuer.start()
    deployment = Deployment(endpoints, issuer=issuer)
    await deployment.create("finance")
    results: dict[str, Any] = {}
    try:
        app = build_app(deployment.settings("finance", rate_limit_burst=10**9, rate_limit_per_minute=10**9))
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)  # a 503 is an answer
            async with httpx.AsyncClient(transport=transport, base_url="http://finance", timeout=120) as api:
                api.app = app  # type: ignore[attr-defined]
                headers = issuer.headers("programme_coordinator", country="FR")
                pid = await partnership(api)
                ids = await accounts(api, pid, headers, PAIRS * 2 + 2)
                pairs = [(ids[2 * i], ids[2 * i + 1]) for i in range(PAIRS)]
                pool = await asyncpg.create_pool(
                    deployment.settings("finance").asyncpg_dsn,
                    min_size=min(4, concurrency),
                    max_size=concurrency,
                    server_settings={"backbone.tenant": SYSTEM_TENANT},
                )
                try:
                    rates: dict[str, list[float]] = {"bare": [], "api": [], "batch": []}
                    for round_no in range(rounds + 1):  # one warm-up round
                        bare_rate = await bare(pool, pid, pairs, count, concurrency)
                        api_rate = await through_api(api, pid, headers, pairs, count, concurrency)
                        batch_rate = await through_batches(
                            api, pid, headers, pairs, count, max(1, concurrency // 4), batch_size
                        )
                        label = "warm-up" if round_no == 0 else f"round {round_no}"
                        print(
                            f"{label}: bare {bare_rate:,.0f}/s, API one per request {api_rate:,.0f}/s "
                            f"(ratio {api_rate / bare_rate:.2f}), API batches {batch_rate:,.0f}/s "
                            f"(ratio {batch_rate / bare_rate:.2f})",
                            file=sys.stderr,
                        )
                        if round_no:
                            for name, rate in (("bare", bare_rate), ("api", api_rate), ("batch", batch_rate)):
                                rates[name].append(rate)
                finally:
                    await pool.close()
                for name, measured in rates.items():
                    results[name] = statistics.median(measured)
                results["ratio"] = statistics.median(
                    a / b for a, b in zip(rates["api"], rates["bare"], strict=True)
                )
                results["batch_ratio"] = statistics.median(
                    a / b for a, b in zip(rates["batch"], rates["bare"], strict=True)
                )

                hot_debit, hot_credit = ids[-2], ids[-1]
                BUSY.clear()
                start = time.perf_counter()
                await through_api(api, pid, headers, [(hot_debit, hot_credit)], 1000, 1000)
                results["contention_seconds"] = time.perf_counter() - start
                debit = (await api.get(f"/accounts/{hot_debit}", headers=headers)).json()
                credit = (await api.get(f"/accounts/{hot_credit}", headers=headers)).json()
                results["contention_ok"] = debit["debits_posted"] == credit["credits_posted"] == 100_000
                results["busy"] = len(BUSY)
    finally:
        await deployment.destroy()
        issuer.stop()

    return [
        Row(
            "L1",
            f"ledger transfer per request, {count:,} x {concurrency} at a time",
            f"bare asyncpg transactions {results['bare']:,.0f}/s",
            f"API one per request {results['api']:,.0f}/s; API {batch_size} per batch {results['batch']:,.0f}/s "
            f"({results['batch_ratio']:.2f}x); 1,000 at once on one pair: {results['contention_seconds']:.1f} s, "
            f"balances {'exact' if results['contention_ok'] else 'WRONG'}, {results['busy']} busy 503s retried",
            f"{results['ratio']:.2f}x, batches {results['batch_ratio']:.2f}x",
            ">= 0.5x",
            results["ratio"] >= 0.5 and results["batch_ratio"] >= 0.5 and bool(results["contention_ok"]),
            {k: float(v) for k, v in results.items()},
        )
    ]


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--transfers", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=100)
    args = parser.parse_args()
    sys.exit(run_standalone(lambda: measure(args.transfers, args.concurrency, args.rounds, args.batch_size)))
