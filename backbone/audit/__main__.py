"""`python -m backbone.audit verify <service> [--anchors]` | `anchor <service>` |
`purge <service> [--older-than-days N]`.

verify exits 1 and names the first broken entry when the chain does not hold (with --anchors, also when a head
anchored outside the database is no longer in it; exit 2 when the anchors cannot be read); anchor publishes the
chain's head to `<service>.audit-anchors.v1`; purge clears personal fields past the retention period (as the
tables' owner) and leaves the chain verifiable.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import timedelta

import asyncpg
from aiokafka.errors import KafkaError

from backbone.audit.anchors import current_head, publish, read_all
from backbone.audit.verify import Anchor, purge_personal_data, verify
from backbone.registry import SERVICES
from backbone.settings import load_settings


async def _verify(service: str, with_anchors: bool) -> int:
    settings = load_settings(service)
    anchors: list[Anchor] = []
    if with_anchors:
        try:
            anchors = await asyncio.wait_for(read_all(settings), timeout=60)
        except (KafkaError, OSError, TimeoutError) as error:
            print(
                f"cannot read the anchors of {service} ({type(error).__name__}: {error}): check "
                f"BACKBONE_KAFKA_BOOTSTRAP and {service.upper()}_KAFKA_SASL_*",
                file=sys.stderr,
            )
            return 2
    conn = await asyncpg.connect(settings.asyncpg_dsn)
    try:
        report = await verify(conn, anchors)
    finally:
        await conn.close()
    print(report.describe(service))
    return 0 if report.intact else 1


async def _anchor(service: str) -> int:
    settings = load_settings(service)
    conn = await asyncpg.connect(settings.asyncpg_dsn)
    try:
        head = await current_head(conn)
    finally:
        await conn.close()
    try:
        await asyncio.wait_for(publish(settings, head), timeout=60)
    except (KafkaError, OSError, TimeoutError) as error:
        print(f"cannot publish the anchor of {service} ({type(error).__name__}: {error})", file=sys.stderr)
        return 2
    print(f"{service}: audit chain head anchored at seq {head.seq}, hash {head.hash}")
    return 0


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
    check.add_argument(
        "--anchors", action="store_true", help="also check every head anchored outside the database"
    )
    anchor = commands.add_parser("anchor", help="publish the chain's head to the service's anchor topic")
    anchor.add_argument("service", choices=SERVICES)
    purge = commands.add_parser("purge", help="clear personal fields past the retention period")
    purge.add_argument("service", choices=SERVICES)
    purge.add_argument("--older-than-days", type=int, help="default: the service's audit retention setting")
    args = parser.parse_args(argv)
    if args.command == "verify":
        return asyncio.run(_verify(args.service, args.anchors))
    if args.command == "anchor":
        return asyncio.run(_anchor(args.service))
    return asyncio.run(_purge(args.service, args.older_than_days))


if __name__ == "__main__":
    sys.exit(main())
