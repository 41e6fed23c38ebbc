"""Example reporter for a national system: send your country's aggregate for one of a partnership's indicators.

Needs only `aiokafka` (pip install aiokafka). You write CloudEvents 1.0 in Kafka binary mode (attributes in `ce_*`
headers, JSON data as the value) on your own inbound topic `inbound.<cc>.<subscriber>.v1`, which only your Kafka
user may write: the platform knows your country from the topic. Aggregates only, never case data. Reuse the same
`measurement_id` (and `ce_id`) when you resend: the platform stores a measurement once.

    python contracts/examples/national_reporter.py --subscriber sn-stats --country SN --username national-sn-stats \\
        --partnership <uuid> --indicator joint_investigations --value 7 --period 2026-07-01/2026-09-30 \\
        --source "Police statistics, joint investigations register"   # password from $KAFKA_PASSWORD
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import uuid
from datetime import UTC, datetime
from typing import Any

from aiokafka import AIOKafkaProducer

EVENT_TYPE = "national.indicator_measurement_reported.v1"


async def report(args: argparse.Namespace) -> int:
    start, _, end = args.period.partition("/")
    measurement_id = args.measurement_id or str(uuid.uuid4())
    data = {
        "measurement_id": measurement_id,
        "partnership_id": args.partnership,
        "indicator": args.indicator,
        "value": args.value,
        "period_start": start,
        "period_end": end,
        "source": args.source,
    }
    headers = [
        ("ce_id", measurement_id.encode()),
        ("ce_source", f"/national/{args.subscriber}".encode()),
        ("ce_type", EVENT_TYPE.encode()),
        ("ce_specversion", b"1.0"),
        ("ce_time", datetime.now(UTC).isoformat().encode()),
        ("content-type", b"application/json"),
    ]
    options: dict[str, Any] = {}
    if args.username:
        options = {
            "security_protocol": args.security_protocol,
            "sasl_mechanism": "SCRAM-SHA-512",
            "sasl_plain_username": args.username,
            "sasl_plain_password": args.password,
        }
    producer = AIOKafkaProducer(
        bootstrap_servers=args.bootstrap, acks="all", enable_idempotence=True, **options
    )
    await producer.start()
    try:
        topic = f"{args.prefix}inbound.{args.country.lower()}.{args.subscriber}.v1"
        await producer.send_and_wait(
            topic, json.dumps(data).encode(), key=args.indicator.encode(), headers=headers
        )
    finally:
        await producer.stop()
    print(json.dumps({"topic": topic, "measurement_id": measurement_id}))
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--bootstrap", default="127.0.0.1:9092")
    parser.add_argument("--subscriber", required=True, help="the id you were registered with, e.g. sn-stats")
    parser.add_argument("--country", required=True, help="the country you were registered for, e.g. SN")
    parser.add_argument("--prefix", default="", help="the deployment's topic prefix, if it uses one")
    parser.add_argument("--partnership", required=True, help="the partnership's id")
    parser.add_argument("--indicator", required=True, help="the indicator's code, e.g. joint_investigations")
    parser.add_argument("--value", required=True, help="the aggregate, e.g. 7 or 0.83")
    parser.add_argument(
        "--period", required=True, help="start/end of the ended period, e.g. 2026-07-01/2026-09-30"
    )
    parser.add_argument("--source", required=True, help="your system and dataset")
    parser.add_argument("--measurement-id", help="resend an earlier one with its id (default: a new one)")
    parser.add_argument("--username", help="your Kafka (SCRAM) user, when the cluster requires one")
    parser.add_argument(
        "--password",
        default=os.environ.get("KAFKA_PASSWORD"),
        help="default $KAFKA_PASSWORD, which keeps it out of the process list; write --password=VALUE otherwise",
    )
    parser.add_argument("--security-protocol", default="SASL_PLAINTEXT", help="SASL_SSL in production")
    return asyncio.run(report(parser.parse_args()))


if __name__ == "__main__":
    raise SystemExit(main())
