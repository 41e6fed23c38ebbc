"""Ledger properties under concurrency, on real PostgreSQL: many writers at once, random single, pending, post and
void transfers interleaved (seeded, so a failure replays). Whatever the interleaving, every currency balances
(debits = credits, posted and pending), no pool is overdrawn, each reservation is resolved once, the stored
balances are the sums of the transfers, and sending every recorded transfer again changes nothing."""

from __future__ import annotations

import asyncio
import random
import uuid
from collections import Counter
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from backbone.db import TENANT
from backbone.errors import DomainError
from services.finance.ledger.reconciliation import reconciliation_sql
from services.finance.ledger.schemas import TransferIn
from services.finance.ledger.service import record_transfer, record_transfers
from tests.integration.finance_world import account, finance, partnership, transfer

__all__ = ["finance"]  # the fixture
WRITERS = 120


async def ledger(finance: httpx.AsyncClient, pid: str) -> dict[str, list[dict[str, Any]]]:
    """Per currency: two partners' receivables, a pool that may not be overdrawn, and a spending account."""
    accounts: dict[str, list[dict[str, Any]]] = {}
    for currency in ("EUR", "XOF"):
        accounts[currency] = [
            await account(finance, pid, "contributions_receivable", currency=currency, country_code="SN"),
            await account(finance, pid, "contributions_receivable", currency=currency, country_code="BR"),
            await account(
                finance, pid, "shared_pool", currency=currency, debits_must_not_exceed_credits=True
            ),
            await account(finance, pid, "spent_procurement", currency=currency),
        ]
        funded = await transfer(
            finance,
            pid,
            debit_account_id=accounts[currency][0]["id"],
            credit_account_id=accounts[currency][2]["id"],
            amount=60_000,
        )
        assert funded.status_code == 201
    return accounts


def operations(rng: random.Random, accounts: dict[str, list[dict[str, Any]]]) -> list[TransferIn]:
    """Random transfers; posts and voids name reservations made earlier in the list (which may be resolved,
    voided or refused by the time they run: the ledger must say so, not break)."""
    made: list[TransferIn] = []
    reservations: list[uuid.UUID] = []
    for _ in range(WRITERS):
        currency = rng.choice(list(accounts))
        debit, credit = rng.sample(accounts[currency], 2)
        roll = rng.random()
        if roll < 0.2 and reservations:
            op = TransferIn(
                id=uuid.uuid4(),
                kind="post_pending",
                pending_id=rng.choice(reservations),
                amount=rng.choice([None, rng.randint(1, 20_000)]),
                code="settled",
            )
        elif roll < 0.3 and reservations:
            op = TransferIn(
                id=uuid.uuid4(), kind="void_pending", pending_id=rng.choice(reservations), code="voided"
            )
        elif roll < 0.55:
            op = TransferIn(
                id=uuid.uuid4(),
                kind="pending",
                debit_account_id=uuid.UUID(debit["id"]),
                credit_account_id=uuid.UUID(credit["id"]),
                amount=rng.randint(1, 40_000),
                code="reserved",
            )
            reservations.append(op.id)
        else:
            op = TransferIn(
                id=uuid.uuid4(),
                kind="single",
                debit_account_id=uuid.UUID(debit["id"]),
                credit_account_id=uuid.UUID(credit["id"]),
                amount=rng.randint(1, 60_000),
                code="moved",
            )
        made.append(op)
    return made


async def run(finance: httpx.AsyncClient, pid: str, ops: list[TransferIn], batch: int = 1) -> list[int | str]:
    """Every operation at once, as the lead, alone or `batch` to a transaction: its status (201 recorded, 200
    recorded before) or the problem code of its refusal (a refused batch refuses each of its transfers)."""
    sessions = finance.app.state.runtime.sessions  # type: ignore[attr-defined]

    async def one(chunk: list[TransferIn]) -> list[int | str]:
        async with sessions() as session:
            try:
                if batch == 1:
                    outcome = await record_transfer(session, partnership_id=uuid.UUID(pid), transfer=chunk[0])
                    return [outcome.status_code]
                done = await record_transfers(session, partnership_id=uuid.UUID(pid), transfers=chunk)
                return [201 if created else 200 for created, _ in done]
            except DomainError as refused:
                return [refused.code] * len(chunk)

    token = TENANT.set("FR")
    try:
        chunks = [ops[i : i + batch] for i in range(0, len(ops), batch)]
        return [outcome for done in await asyncio.gather(*(one(c) for c in chunks)) for outcome in done]
    finally:
        TENANT.reset(token)


async def snapshot(finance: httpx.AsyncClient) -> dict[str, Any]:
    async with finance.app.state.runtime.engine.connect() as conn:  # type: ignore[attr-defined]
        await conn.execute(text("SELECT set_config('backbone.tenant', '*', false)"))
        rows = (await conn.execute(text("SELECT * FROM ledger_accounts ORDER BY id"))).mappings().all()
        resolutions = (
            await conn.execute(
                text(
                    "SELECT pending_id, count(*) FROM ledger_transfers WHERE pending_id IS NOT NULL GROUP BY 1"
                )
            )
        ).all()
        differences = (await conn.execute(text(reconciliation_sql()))).all()
        transfers = await conn.scalar(text("SELECT count(*) FROM ledger_transfers"))
    return {
        "accounts": [dict(r) for r in rows],
        "resolutions": resolutions,
        "differences": differences,
        "transfers": transfers,
    }


@pytest.mark.parametrize(("seed", "batch"), [(7, 1), (2026, 1), (11, 3)])
async def test_concurrent_random_transfers_keep_every_ledger_property(
    finance: httpx.AsyncClient, seed: int, batch: int
) -> None:
    pid = await partnership(finance)
    accounts = await ledger(finance, pid)
    ops = operations(random.Random(seed), accounts)
    outcomes = await run(finance, pid, ops, batch)
    tally = Counter(outcomes)
    # A post or void may run before its reservation is recorded (pending_unknown), after another resolved it, or
    # ask for more than it reserved; a pool may be short. Nothing else may be refused.
    allowed = {
        201,
        "exceeds_credits",
        "pending_already_resolved",
        "exceeds_pending_amount",
        "pending_unknown",
    }
    assert set(tally) <= allowed, tally
    assert tally[201] >= WRITERS // (3 * batch), f"most operations should go through: {tally}"

    state = await snapshot(finance)
    assert state["differences"] == [], "stored balances are the sums of the transfers"
    for currency in accounts:
        mine = [a for a in state["accounts"] if a["currency"] == currency]
        assert sum(a["debits_posted"] for a in mine) == sum(a["credits_posted"] for a in mine), currency
        assert sum(a["debits_pending"] for a in mine) == sum(a["credits_pending"] for a in mine), currency
    for pool in (a for a in state["accounts"] if a["debits_must_not_exceed_credits"]):
        assert pool["debits_pending"] + pool["debits_posted"] <= pool["credits_posted"], "a pool overdrawn"
    assert all(count == 1 for _, count in state["resolutions"]), "a reservation resolved twice"

    recorded = [op for op, outcome in zip(ops, outcomes, strict=True) if outcome == 201]
    replayed = await run(finance, pid, recorded, batch)
    assert set(replayed) == {200}, Counter(replayed)
    assert await snapshot(finance) == state, "sending recorded transfers again changed the ledger"
