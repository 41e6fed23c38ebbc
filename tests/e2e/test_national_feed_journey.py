"""End to end, as national systems see the backbone: a dispute raised over HTTP with a handling code reaches, through
the outbox, the relay, Kafka and the national feed, the stream of exactly the countries its code names; re-coding
it is announced to everyone who could see it before or can now."""

from __future__ import annotations

import sys
import uuid
from pathlib import Path

import httpx
from aiokafka import AIOKafkaConsumer, TopicPartition

from backbone.feed.subscribers import Registry, Subscriber
from contracts.envelope import EventEnvelope, decode
from tests.integration.test_partnerships_api import AGREEMENT
from tests.support import Deployment, ServiceProcess, eventually, free_port, serve_process, wait_http_ok

COUNTRIES = {"FR": "France", "SN": "Senegal", "BR": "Brazil"}


async def stream(deployment: Deployment, subscriber: str) -> list[tuple[str, str]]:
    """(type, handling) of everything committed to the subscriber's topic so far, read to its end."""
    consumer = AIOKafkaConsumer(
        **deployment.endpoints.kafka_options(),
        group_id=None,
        enable_auto_commit=False,
        isolation_level="read_committed",
    )
    await consumer.start()
    try:
        topic = deployment.topic(f"national.{subscriber}.v1")
        cluster = await consumer._client.fetch_all_metadata()
        partitions = [TopicPartition(topic, p) for p in sorted(cluster.partitions_for_topic(topic) or ())]
        if not partitions:
            return []  # the feed has not created it yet
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        ends = await consumer.end_offsets(partitions)  # read_committed: the last stable offsets
        envelopes: list[EventEnvelope] = []
        while [tp for tp in partitions if await consumer.position(tp) < ends[tp]]:
            for records in (await consumer.getmany(timeout_ms=500)).values():
                envelopes.extend(decode(list(r.headers), r.key, r.value) for r in records)
        return sorted((e.type, e.extensions["handling"]) for e in envelopes)
    finally:
        await consumer.stop()


async def test_a_disputes_handling_code_decides_which_national_streams_carry_it(
    deployment: Deployment, process_logs: Path
) -> None:
    await deployment.create("partners")
    registry = Registry(process_logs.parent / "feed.json")
    for code in COUNTRIES:
        registry.add(Subscriber(f"{code.lower()}-ncu", code))
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    processes = [
        serve_process(deployment, "partners", "api", process_logs, http_port=port),
        serve_process(deployment, "partners", "relay", process_logs),
        ServiceProcess(
            "feed",
            [sys.executable, "-m", "backbone.feed", "run"],
            deployment.env(
                "feed",
                subscribers_file=str(registry.path),
                consumer_group=f"{deployment.topic_prefix}feed",
                transactional_id=f"{deployment.prefix}.feed-0",
            ),
            process_logs,
        ),
    ]
    for process in processes:
        process.start()
    try:
        await wait_http_ok(f"{url}/readyz", process=processes[0])
        async with httpx.AsyncClient(base_url=url, timeout=30) as http:
            agencies = {}
            for code, name in COUNTRIES.items():
                created = await http.post(
                    "/agencies",
                    json={
                        "country": {"code": code, "name": name},
                        "name": f"{name} police",
                        "agency_type": "police",
                    },
                    headers=deployment.national_headers(code),
                )
                assert created.status_code == 201, created.text
                agencies[code] = created.json()["id"]
            partnership = await http.post(
                "/partnerships",
                json={
                    "name": f"Atlantic forensics {uuid.uuid4().hex[:6]}",
                    "agreement": AGREEMENT,
                    "voting_rule": {"kind": "members", "approvals_needed": 2},
                    "members": [
                        {"agency_id": agencies["FR"], "role": "lead"},
                        {"agency_id": agencies["SN"], "role": "host"},
                        {"agency_id": agencies["BR"], "role": "member"},
                    ],
                },
                headers=deployment.national_headers("FR"),
            )
            assert partnership.status_code == 201, partnership.text
            dispute = await http.post(
                f"/partnerships/{partnership.json()['id']}/disputes",
                json={
                    "raised_by_agency_id": agencies["FR"],
                    "subject_kind": "allocation",
                    "subject_ref": "2027 lab seats",
                    "statement": "The lab seats were allocated without France's instructors.",
                    "handling_code": "countries:SN",
                },
                headers=deployment.national_headers("FR"),
            )
            assert dispute.status_code == 201, dispute.text

            registered = [("partners.agency_registered.v1", "originator")]  # each country its own agency
            shared = [("partners.partnership_registered.v1", "partnership")]
            raised = [("partners.dispute_raised.v1", "countries:SN")]
            await eventually(
                lambda: stream(deployment, "sn-ncu"), timeout=60, what="the dispute in Senegal's stream"
            )
            await eventually(
                lambda: _holds(deployment, "sn-ncu", registered + shared + raised), timeout=60, what="Senegal"
            )
            # One transaction copied to both streams; its commit markers reach each partition on their own.
            await eventually(
                lambda: _holds(deployment, "fr-ncu", registered + shared + raised), timeout=60, what="France"
            )

            recoded = await http.put(
                f"/disputes/{dispute.json()['id']}/handling",
                json={"handling_code": "originator", "reason": "Settled bilaterally for now"},
                headers=deployment.national_headers("FR"),
            )
            assert recoded.status_code == 200, recoded.text
            changed = [("partners.handling_changed.v1", "originator")]
            # Announced to whoever could see the dispute before (Senegal) or can now (France); not to Brazil.
            await eventually(
                lambda: _holds(deployment, "sn-ncu", registered + shared + raised + changed),
                timeout=60,
                what="the change announced to Senegal",
            )
            await eventually(
                lambda: _holds(deployment, "fr-ncu", registered + shared + raised + changed),
                timeout=60,
                what="the change announced to France",
            )
            assert await stream(deployment, "br-ncu") == sorted(registered + shared)
    finally:
        for process in reversed(processes):
            process.stop()


async def _holds(deployment: Deployment, subscriber: str, expected: list[tuple[str, str]]) -> bool:
    return await stream(deployment, subscriber) == sorted(expected)
