"""Finance operators' command line: `python -m services.finance reconcile | expire-pending | dues | correct |
settle-facilities | charge-platforms`.

reconcile recomputes every account's balances from its transfers and exits 1 naming each account that differs
(0 when the ledger holds); expire-pending voids the pending transfers past their timeout (run every minute by a
CronJob in production; a post or void that comes too late is refused meanwhile). Both use the service's own
database settings (`FINANCE_*`), as the platform (every partnership's ledger). dues reminds partners of
instalments falling due within two weeks and flags those past their date as arrears, each once (a daily CronJob).
correct posts the reversing transfer of a posted one (all of it, or `--amount`), with the reason; once per
transfer: run again, it shows the correction already made. settle-facilities pays each host the facility use
accrued so far, one transfer per partnership, host and currency (a weekly CronJob). charge-platforms pays each
platform period that has begun, split between the members by the contribution scale (a daily CronJob).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from functools import partial

import asyncpg
from sqlalchemy.ext.asyncio import AsyncSession

from backbone.db import SYSTEM_TENANT, TENANT, create_engine, create_sessionmaker
from backbone.errors import DomainError
from backbone.settings import load_settings
from services.finance.contributions.schedules import remind_and_flag
from services.finance.ledger.corrections import reverse
from services.finance.ledger.reconciliation import describe_difference, reconciliation_sql
from services.finance.ledger.service import expire_pending
from services.finance.spending.platforms import charge_platforms
from services.finance.spending.service import settle_facility_use


async def reconcile() -> int:
    settings = load_settings("finance")
    conn = await asyncpg.connect(settings.asyncpg_dsn, server_settings={"backbone.tenant": SYSTEM_TENANT})
    try:
        async with conn.transaction(readonly=True, isolation="repeatable_read"):  # one consistent snapshot
            accounts = await conn.fetchval("SELECT count(*) FROM ledger_accounts")
            differences = await conn.fetch(reconciliation_sql())
    finally:
        await conn.close()
    for row in differences:
        print(describe_difference(row))
    print(f"ledger: {accounts} accounts, {len(differences)} differ from their transfers")
    return 1 if differences else 0


async def as_platform(work: Callable[[AsyncSession], Awaitable[str]]) -> int:
    """Run `work` in a session of the platform (every partnership) and print what it reports."""
    engine = create_engine(load_settings("finance"))
    token = TENANT.set(SYSTEM_TENANT)
    try:
        async with create_sessionmaker(engine)() as session:
            print(await work(session))
    except DomainError as refused:  # the operator's input: said plainly, exit 1
        print(f"refused ({refused.code}): {refused}", file=sys.stderr)
        return 1
    finally:
        TENANT.reset(token)
        await engine.dispose()
    return 0


async def expire(session: AsyncSession) -> str:
    expired = await expire_pending(session, now=datetime.now(UTC))
    return f"ledger: {expired} pending transfers expired"


async def correction(transfer_id: uuid.UUID, reason: str, amount: int | None, session: AsyncSession) -> str:
    row, now = await reverse(session, transfer_id=transfer_id, reason=reason, amount=amount)
    what = "recorded" if now else "already recorded"
    moved = f"{row.amount} {row.currency} from {row.debit_account_id} to {row.credit_account_id}"
    return f"correction {row.id} {what}: {moved}"


async def dues(session: AsyncSession) -> str:
    async with session.begin():
        reminded, flagged = await remind_and_flag(session, today=datetime.now(UTC).date())
    return f"contributions: {reminded} instalments reminded, {flagged} flagged overdue"


async def settle(session: AsyncSession) -> str:
    settled, refused = await settle_facility_use(session, now=datetime.now(UTC))
    return f"facility use: {settled} hosts paid, {refused} left accrued (their pool could not pay)"


async def charge(session: AsyncSession) -> str:
    charged, waiting, refused = await charge_platforms(session, today=datetime.now(UTC).date())
    return (
        f"platforms: {charged} periods charged, {waiting} waiting for a contribution scale, "
        f"{refused} left for the next run (their pool could not pay)"
    )


def main(argv: list[str] | None = None) -> int:
    cli = argparse.ArgumentParser(prog="python -m services.finance", description=__doc__.splitlines()[0])
    commands = cli.add_subparsers(dest="command", required=True)
    commands.add_parser(
        "reconcile", help="recompute every balance from the transfers; exit 1 on a difference"
    )
    commands.add_parser("expire-pending", help="void the pending transfers past their timeout")
    commands.add_parser("dues", help="remind of instalments falling due; flag those past their date")
    commands.add_parser("settle-facilities", help="pay each host the facility use accrued so far")
    commands.add_parser(
        "charge-platforms", help="pay each platform period begun, split by the contribution scale"
    )
    correct = commands.add_parser("correct", help="post the reversing transfer of a posted transfer")
    correct.add_argument("transfer_id", type=uuid.UUID)
    correct.add_argument("--reason", required=True, help="why (kept in the correction's user data)")
    correct.add_argument("--amount", type=int, help="reverse only this many minor units (default: all)")
    args = cli.parse_args(argv)
    if args.command == "reconcile":
        return asyncio.run(reconcile())
    if args.command == "correct":
        return asyncio.run(as_platform(partial(correction, args.transfer_id, args.reason, args.amount)))
    periodic = {
        "expire-pending": expire,
        "dues": dues,
        "settle-facilities": settle,
        "charge-platforms": charge,
    }
    return asyncio.run(as_platform(periodic[args.command]))


if __name__ == "__main__":
    sys.exit(main())
