"""Example consumer for a national system: read your country's stream of backbone events.

Needs only `aiokafka` (pip install aiokafka). Each message is a CloudEvents 1.0 event in Kafka binary mode: the
attributes are `ce_*` headers, the value is the JSON data. The stream is written in Kafka transactions, so read
it with isolation_level="read_committed". Commit after you have stored what you need: on a restart you resume
after the last committed event. De-duplicate on `ce_id` if your own processing can repeat.

    python contracts/examples/national_consumer.py --bootstrap broker:9092 --subscriber fr-ncu \\
        --username national-fr-ncu        # password from $KAFKA_PASSWORD (or --password=...)
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
from typing import Any

from aiokafka import AIOKafkaConsumer


def attributes(headers: list[tuple[str, bytes]] | tuple[tuple[str, bytes], ...]) -> dict[str, str]:
    return {name.removeprefix("ce_"): value.decode() for name, value in headers if name.startswith("ce_")}


def handle(event: dict[str, Any]) -> None:
    """Your system's work goes here; this example prints one JSON line per event."""
    print(json.dumps(event, sort_keys=True), flush=True)


async def consume(args: argparse.Namespace) -> int:
    topic = f"{args.prefix}national.{args.subscriber}.v1"
    options: dict[str, Any] = {}
    if args.username:
        options = {
            "security_protocol": args.security_protocol,
            "sasl_mechanism": "SCRAM-SHA-512",
            "sasl_plain_username": args.username,
            "sasl_plain_password": args.password,
        }
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=args.bootstrap,
        group_id=args.group or f"national.{args.subscriber}.example",
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        isolation_level="read_committed",
        **options,
    )
    await consumer.start()
    seen = 0
    try:
        while args.max_events is None or seen < args.max_events:
            batch = await consumer.getmany(timeout_ms=1000)
            for records in batch.values():
                for record in records:
                    ce = attributes(record.headers)
                    handle(
                        {
                            "id": ce.get("id"),
                            "type": ce.get("type"),
                            "time": ce.get("time"),
                            "handling": ce.get("handling"),
                            "originator": ce.get("originator"),
                            "data": json.loads(record.value or b"null"),
                        }
                    )
                    seen += 1
            if batch:
                await consumer.commit()  # after handling: what is committed has been handled
    finally:
        await consumer.stop()
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--bootstrap", default="127.0.0.1:9092")
    parser.add_argument("--subscriber", required=True, help="the id you were registered with, e.g. fr-ncu")
    parser.add_argument("--prefix", default="", help="the deployment's topic prefix, if it uses one")
    parser.add_argument("--group", help="your consumer group (default national.<subscriber>.example)")
    parser.add_argument("--username", help="your Kafka (SCRAM) user, when the cluster requires one")
    parser.add_argument(
        "--password",
        default=os.environ.get("KAFKA_PASSWORD"),
        help="default $KAFKA_PASSWORD, which keeps it out of the process list; write --password=VALUE otherwise",
    )
    parser.add_argument("--security-protocol", default="SASL_PLAINTEXT", help="SASL_SSL in production")
    parser.add_argument("--max-events", type=int, help="stop after this many events (default: run forever)")
    return asyncio.run(consume(parser.parse_args()))


if __name__ == "__main__":
    raise SystemExit(main())
