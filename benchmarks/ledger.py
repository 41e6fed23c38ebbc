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
from devstack.config import StackConfig
from devstack.infra import ensure_infra, stop_started
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


async def main(count: int, concurrency: int, rounds: int, batch_size: int) -> int:
    config = StackConfig.from_env()
    endpoints, started = await asyncio.to_thread(ensure_infra, config)
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
        await asyncio.to_thread(stop_started, config, started)

    print()
    print(
        f"Ledger benchmark ({count:,} transfers x {rounds} rounds, {concurrency} at a time, {PAIRS} account pairs)"
    )
    print(f"  throughput  bare inserts, one transaction each       {results['bare']:>8,.0f}/s   (baseline)")
    print(
        f"              API -> ledger -> outbox, one per request {results['api']:>8,.0f}/s   "
        f"ratio {results['ratio']:.2f}x   (goal >= 0.5x) {'OK' if results['ratio'] >= 0.5 else 'MISSED'}"
    )
    print(
        f"              API -> ledger -> outbox, {batch_size} per batch    {results['batch']:>8,.0f}/s   "
        f"ratio {results['batch_ratio']:.2f}x   (goal >= 0.5x) "
        f"{'OK' if results['batch_ratio'] >= 0.5 else 'MISSED'}"
    )
    print(
        f"  contention  1,000 transfers at once on one pair: {results['contention_seconds']:.1f} s, balances "
        f"{'exact, no deadlock' if results['contention_ok'] else 'WRONG'} ({results['busy']} answers were 503 "
        "busy with Retry-After, retried under the same transfer id)"
    )
    return 0 if results["contention_ok"] else 1


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--transfers", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=100)
    args = parser.parse_args()
    sys.exit(asyncio.run(main(args.transfers, args.concurrency, args.rounds, args.batch_size)))
