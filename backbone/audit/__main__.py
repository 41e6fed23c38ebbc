"""`python -m backbone.audit verify <service>` | `purge <service> [--older-than-days N]`.

verify exits 1 and names the first broken entry when the chain does not hold; purge clears personal fields
past the retention period (as the tables' owner) and leaves the chain verifiable.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import timedelta

import asyncpg

from backbone.audit.verify import purge_personal_data, verify
from backbone.registry import SERVICES
from backbone.settings import load_settings


async def _verify(service: str) -> int:
    settings = load_settings(service)
    conn = await asyncpg.connect(settings.asyncpg_dsn)
    try:
        report = await verify(conn)
    finally:
        await conn.close()
    print(report.describe(service))
    return 0 if report.intact else 1


async def _purge(service: str, days: int | None) -> int:
    settings = load_settings(service)
    retention = timedelta(days=days if days is not None else settings.audit_personal_retention_days)
    conn = await asyncpg.connect(
        settings.migration_sqlalchemy_url.replace("postgresql+asyncpg://", "postgresql://")
    )
    try:
        cleared = await purge_personal_data(conn, older_than=retention)
        report = await verify(conn)
    finally:
        await conn.close()
    print(f"{service}: personal fields cleared in {cleared} entries older than {retention.days} days")
    print(report.describe(service))
    return 0 if report.intact else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m backbone.audit", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    check = commands.add_parser("verify", help="walk the hash chain; exit 1 on the first break")
    check.add_argument("service", choices=SERVICES)
    purge = commands.add_parser("purge", help="clear personal fields past the retention period")
    purge.add_argument("service", choices=SERVICES)
    purge.add_argument("--older-than-days", type=int, help="default: the service's audit retention setting")
    args = parser.parse_args(argv)
    if args.command == "verify":
        return asyncio.run(_verify(args.service))
    return asyncio.run(_purge(args.service, args.older_than_days))


if __name__ == "__main__":
    sys.exit(main())
