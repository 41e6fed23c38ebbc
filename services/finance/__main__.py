"""Finance operators' command line: `python -m services.finance reconcile | expire-pending`.

reconcile recomputes every account's balances from its transfers and exits 1 naming each account that differs
(0 when the ledger holds); expire-pending voids the pending transfers past their timeout (run every minute by a
CronJob in production; a post or void that comes too late is refused meanwhile). Both use the service's own
database settings (`FINANCE_*`), as the platform (every partnership's ledger).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import UTC, datetime

import asyncpg

from backbone.db import SYSTEM_TENANT, TENANT, create_engine, create_sessionmaker
from backbone.settings import load_settings
from services.finance.ledger.service import describe_difference, expire_pending, reconciliation_sql


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


async def expire() -> int:
    settings = load_settings("finance")
    engine = create_engine(settings)
    token = TENANT.set(SYSTEM_TENANT)
    try:
        async with create_sessionmaker(engine)() as session:
            expired = await expire_pending(session, now=datetime.now(UTC))
    finally:
        TENANT.reset(token)
        await engine.dispose()
    print(f"ledger: {expired} pending transfers expired")
    return 0


def main(argv: list[str] | None = None) -> int:
    cli = argparse.ArgumentParser(prog="python -m services.finance", description=__doc__.splitlines()[0])
    commands = cli.add_subparsers(dest="command", required=True)
    commands.add_parser(
        "reconcile", help="recompute every balance from the transfers; exit 1 on a difference"
    )
    commands.add_parser("expire-pending", help="void the pending transfers past their timeout")
    args = cli.parse_args(argv)
    return asyncio.run(reconcile() if args.command == "reconcile" else expire())


if __name__ == "__main__":
    sys.exit(main())
