"""After a run: what the databases, the topics and Temporal hold, against what the API acknowledged."""

from __future__ import annotations

import asyncio
import functools
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import asyncpg
from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from temporalio.client import Client, WorkflowExecutionStatus

from backbone.audit.verify import verify as verify_audit_chain
from backbone.feed.routing import recipients
from backbone.feed.subscribers import Subscriber
from backbone.kafka import records_to_end
from chaos.fleet import SERVICES
from chaos.partnership_flow import PartnershipFlow
from chaos.verify_partnerships import LEARNERS, check_partnerships
from chaos.workload import Flow
from contracts.envelope import decode
from devstack.infra import Endpoints
from tests.support import Deployment
from workflows.agency_onboarding.shared import onboarding_workflow_id

REGISTERED = "partners.agency_registered.v1"
CONTACT_ADDED = "partners.agency_contact_added.v1"
ACTIVATED = "partners.agency_activated.v1"


@dataclass
class Findings:
    acknowledged: int = 0
    acknowledged_in: dict[str, int] = field(default_factory=dict)
    """By service."""
    lost: list[str] = field(default_factory=list)
    duplicated: list[str] = field(default_factory=list)
    out_of_order: list[str] = field(default_factory=list)
    leaked: list[str] = field(default_factory=list)
    """Events on a national stream that its audience does not allow."""
    workflows: list[str] = field(default_factory=list)
    """Onboardings that did not end as expected."""
    forwarded: int = 0
    republished: int = 0
    """Extra copies on the source topic: records the relay published again after a crash (absorbed downstream)."""
    audit: str = ""
    audit_intact: bool = False

    @property
    def clean(self) -> bool:
        return (
            not (self.lost or self.duplicated or self.out_of_order or self.leaked or self.workflows)
            and self.audit_intact
        )


def _dsn(deployment: Deployment, service: str) -> str:
    """The service's database, as the admin (the checks read past row-level security)."""
    return deployment.endpoints.postgres_admin_url.rsplit("/", 1)[0] + f"/{deployment.database(service)}"


async def _poll(what: asyncpg.Connection, query: str, *args: object, until: int, timeout: float) -> int:
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        value = int(await what.fetchval(query, *args))
        if value == until or asyncio.get_running_loop().time() > deadline:
            return value
        await asyncio.sleep(0.5)


WRITERS = SERVICES
"""The services the workload writes in: each has its outbox, its topic and its audit chain."""


async def wait_drained(deployment: Deployment, timeout: float) -> int:
    """Wait until the outboxes are empty (every accepted event published); what is left after `timeout`."""
    left = 0
    for service in WRITERS:
        conn = await asyncpg.connect(_dsn(deployment, service))
        try:
            left += await _poll(conn, "SELECT count(*) FROM outbox", until=0, timeout=timeout)
        finally:
            await conn.close()
    return left


async def wait_applied(
    deployment: Deployment, flows: list[Flow], partnerships: list[PartnershipFlow], timeout: float
) -> None:
    """Wait until training knows every agency, the onboarded ones as active, and finance, assessment and
    incidents every partnership."""
    ids = [p.partnership_id for p in partnerships if p.partnership_id]
    for service, table in LEARNERS.items():
        conn = await asyncpg.connect(_dsn(deployment, service))
        try:
            query = f"SELECT count(*) FROM {table} WHERE partnership_id::text = any($1::text[])"
            await _poll(conn, query, ids, until=len(ids), timeout=timeout)
        finally:
            await conn.close()
    conn = await asyncpg.connect(_dsn(deployment, "training"))
    settled = [f.agency_id for f in flows if f.onboarded]
    pending = [f.agency_id for f in flows if not f.onboarded]
    try:
        await _poll(
            conn,
            "SELECT count(*) FROM known_agencies WHERE agency_id::text = any($1::text[]) AND status = 'active'",
            settled,
            until=len(settled),
            timeout=timeout,
        )
        await _poll(
            conn,
            "SELECT count(*) FROM known_agencies WHERE agency_id::text = any($1::text[])",
            pending,
            until=len(pending),
            timeout=timeout,
        )
    finally:
        await conn.close()


async def wait_forwarded(deployment: Deployment, group: str, timeout: float) -> list[str]:
    """Wait until the feed's consumer group has committed up to the end of the writers' topics; the partitions
    it had not reached by then (a stalled feed: seed 27 found one only by the copies it lacked)."""
    deadline = asyncio.get_running_loop().time() + timeout  # one for all: a stalled feed costs it once
    behind: list[str] = []
    for service in WRITERS:
        behind += await _wait_committed(deployment, group, deployment.topic(f"{service}.events.v1"), deadline)
    return behind


async def _wait_committed(deployment: Deployment, group: str, topic: str, deadline: float) -> list[str]:
    admin = AIOKafkaAdminClient(**deployment.endpoints.kafka_options())
    consumer = AIOKafkaConsumer(
        **deployment.endpoints.kafka_options(), enable_auto_commit=False, group_id=None
    )
    await admin.start()
    await consumer.start()
    try:
        partitions = (await consumer._client.fetch_all_metadata()).partitions_for_topic(topic) or set()
        tps = [TopicPartition(topic, p) for p in sorted(partitions)]
        ends = await consumer.end_offsets(tps)
        while True:
            offsets = await admin.list_consumer_group_offsets(group)
            committed = {tp: offsets[tp].offset if tp in offsets else 0 for tp in tps}
            behind = [tp for tp in tps if committed[tp] < ends[tp]]
            if not behind or asyncio.get_running_loop().time() > deadline:
                return [f"{tp.topic}[{tp.partition}] at {committed[tp]} of {ends[tp]}" for tp in behind]
            await asyncio.sleep(0.5)
    finally:
        await consumer.stop()
        await admin.close()


async def check(
    deployment: Deployment,
    flows: list[Flow],
    partnerships: list[PartnershipFlow],
    subscribers: Sequence[Subscriber],
) -> Findings:
    findings = Findings(
        acknowledged=sum(f.writes for f in flows) + sum(p.writes for p in partnerships),
        acknowledged_in={
            "training": sum((f.facility is not None) + (f.booking is not None) for f in flows),
            "finance": sum(len(p.accounts) + (p.transfer is not None) for p in partnerships),
            "assessment": sum(p.evaluator is not None for p in partnerships),
            "incidents": sum(p.protocol_steps for p in partnerships),
        },
    )
    dsn = functools.partial(_dsn, deployment)
    await _check_source(deployment, flows, findings)
    await _check_training(deployment, flows, findings)
    await _check_effects(deployment, flows, findings)
    await _check_audit_chains(dsn, findings)
    topics = {
        service: await read_to_end(deployment.endpoints, deployment.topic(f"{service}.events.v1"))
        for service in WRITERS
    }
    _check_order(topics["partners"], flows, findings)
    await check_partnerships(dsn, partnerships, topics, findings)
    await _check_feed(deployment, [r for records in topics.values() for r in records], subscribers, findings)
    await _check_workflows(deployment, flows, findings)
    return findings


async def _check_audit_chains(dsn: Callable[[str], str], findings: Findings) -> None:
    """Every writer's audit chain verifies."""
    findings.audit_intact = True
    reports = []
    for service in WRITERS:
        conn = await asyncpg.connect(dsn(service))
        try:
            report = await verify_audit_chain(conn)
        finally:
            await conn.close()
        findings.audit_intact &= report.intact
        reports.append(report.describe(service))
    findings.audit = "\n".join(reports)


async def _check_source(deployment: Deployment, flows: list[Flow], findings: Findings) -> None:
    """Every acknowledged write is in the partners database, once (a retried request never wrote twice)."""
    conn = await asyncpg.connect(_dsn(deployment, "partners"))
    try:
        agencies = {
            str(r["id"]): (r["name"], r["status"])
            for r in await conn.fetch(
                "SELECT id, name, status FROM agencies WHERE name LIKE 'Chaos agency %'"
            )
        }
        contacts = {str(r["id"]) for r in await conn.fetch("SELECT id FROM agency_contacts")}
        emails = await conn.fetch(
            "SELECT email, count(*) AS n FROM agency_contacts GROUP BY email HAVING count(*) > 1"
        )
    finally:
        await conn.close()
    names = Counter(name for name, _ in agencies.values())
    for flow in flows:
        name, status = agencies.get(flow.agency_id, (None, None))
        if name != flow.name:
            findings.lost.append(f"agency {flow.agency_id} ({flow.name}) is not in the partners database")
        elif flow.onboarded and status != "active":
            findings.workflows.append(f"agency {flow.agency_id} onboarded but {status} in partners")
        findings.lost += [
            f"contact {c} of {flow.agency_id} is missing" for c in flow.contacts if c not in contacts
        ]
    findings.duplicated += [f"agency name {n!r} registered {k} times" for n, k in names.items() if k > 1]
    findings.duplicated += [f"contact {r['email']} added {r['n']} times" for r in emails]


async def _check_training(deployment: Deployment, flows: list[Flow], findings: Findings) -> None:
    """Every acknowledged facility and booking is in training's database, once."""
    conn = await asyncpg.connect(_dsn(deployment, "training"))
    try:
        facilities = Counter(
            str(r["owner_agency_id"]) for r in await conn.fetch("SELECT owner_agency_id FROM facilities")
        )
        facility_ids = {str(r["id"]) for r in await conn.fetch("SELECT id FROM facilities")}
        bookings = Counter(
            str(r["facility_id"]) for r in await conn.fetch("SELECT facility_id FROM facility_bookings")
        )
        booking_ids = {str(r["id"]) for r in await conn.fetch("SELECT id FROM facility_bookings")}
    finally:
        await conn.close()
    for flow in flows:
        if flow.facility is not None and flow.facility not in facility_ids:
            findings.lost.append(f"facility {flow.facility} of {flow.agency_id} is not in training")
        if flow.booking is not None and flow.booking not in booking_ids:
            findings.lost.append(f"booking {flow.booking} of facility {flow.facility} is not in training")
    findings.duplicated += [
        f"agency {a} has {n} facilities, registered once" for a, n in facilities.items() if n > 1
    ]
    findings.duplicated += [
        f"facility {f} booked {n} times, once acknowledged" for f, n in bookings.items() if n > 1
    ]


async def _check_effects(deployment: Deployment, flows: list[Flow], findings: Findings) -> None:
    """Each agency event training acts on took effect exactly once: its read model's version counts them
    (registration, then activation for the onboarded)."""
    conn = await asyncpg.connect(_dsn(deployment, "training"))
    try:
        rows = {
            str(r["agency_id"]): (r["version"], r["status"])
            for r in await conn.fetch("SELECT agency_id, version, status FROM known_agencies")
        }
    finally:
        await conn.close()
    for flow in flows:
        expected = (2, "active") if flow.onboarded else (1, "pending")
        got = rows.get(flow.agency_id)
        if got is None:
            findings.lost.append(f"agency {flow.agency_id}'s registration never reached training")
        elif got[0] > expected[0]:
            findings.duplicated.append(
                f"agency {flow.agency_id}: {got[0]} events applied, {expected[0]} sent"
            )
        elif got != expected:
            findings.lost.append(f"agency {flow.agency_id} is {got} in training, expected {expected}")


def _check_order(records: list[ConsumerRecord[bytes, bytes]], flows: list[Flow], findings: Findings) -> None:
    """Each agency's events are on the topic in the order the API acknowledged them (a record published again
    after a relay crash may repeat; its first copy is where it counts)."""
    seen: dict[str, list[str]] = defaultdict(list)
    for record in records:
        envelope = decode(list(record.headers or ()), record.key, record.value)
        if envelope.type == REGISTERED:
            step = "registered"
        elif envelope.type == CONTACT_ADDED:
            step = f"contact {envelope.data['contact_id']}"
        elif envelope.type == ACTIVATED:
            step = "activated"
        else:
            continue
        steps = seen[str(envelope.key)]
        if step not in steps:
            steps.append(step)
    for flow in flows:
        expected = ["registered", *(f"contact {c}" for c in flow.contacts), *(["activated"] * flow.onboarded)]
        got = seen.get(flow.agency_id, [])
        if missing := [s for s in expected if s not in got]:
            findings.lost.append(f"agency {flow.agency_id}: no event on the topic for {missing}")
        elif got != expected:
            findings.out_of_order.append(f"agency {flow.agency_id}: {got} (acknowledged {expected})")


async def _check_feed(
    deployment: Deployment,
    source: list[ConsumerRecord[bytes, bytes]],
    subscribers: Sequence[Subscriber],
    findings: Findings,
) -> None:
    """Each national stream holds exactly the events whose audience names its country, each as many times as the
    source topic holds it: the feed copies every source record once (its transactions), while the relay is at
    least once (a record it published again after a crash is on the source twice, and the contract tells national
    systems to de-duplicate on `ce_id`)."""
    released: dict[str, Counter[str]] = {s.id: Counter() for s in subscribers}
    on_source: Counter[str] = Counter()
    for record in source:
        event_id = decode(list(record.headers or ()), record.key, record.value).id
        on_source[event_id] += 1
        for subscriber in recipients(record.headers or (), subscribers):
            released[subscriber.id][event_id] += 1
    findings.republished = sum(n - 1 for n in on_source.values() if n > 1)
    for subscriber in subscribers:
        records = await read_to_end(
            deployment.endpoints, deployment.topic(subscriber.topic), isolation_level="read_committed"
        )
        copies = Counter(decode(list(r.headers or ()), r.key, r.value).id for r in records)
        findings.forwarded += sum(copies.values())
        expected = released[subscriber.id]
        findings.lost += [f"{subscriber.id} never received {i}" for i in sorted(set(expected) - set(copies))]
        findings.leaked += [
            f"{subscriber.id} received {i}, not released to it" for i in set(copies) - set(expected)
        ]
        findings.duplicated += [
            f"{subscriber.id} received {i} {n} times, the source holds it {expected[i]} times"
            for i, n in copies.items()
            if n > expected.get(i, 0) and i in expected
        ]


async def _check_workflows(deployment: Deployment, flows: list[Flow], findings: Findings) -> None:
    client = await Client.connect(deployment.endpoints.temporal_address)
    for flow in flows:
        if not flow.onboarded:
            continue
        handle = client.get_workflow_handle(onboarding_workflow_id(flow.agency_id))
        deadline = asyncio.get_running_loop().time() + 60
        while (status := (await handle.describe()).status) == WorkflowExecutionStatus.RUNNING:
            if asyncio.get_running_loop().time() > deadline:
                break
            await asyncio.sleep(0.5)
        if status != WorkflowExecutionStatus.COMPLETED:
            findings.workflows.append(f"onboarding of {flow.agency_id} is {status}")


async def read_to_end(
    endpoints: Endpoints, topic: str, isolation_level: str = "read_uncommitted"
) -> list[ConsumerRecord[bytes, bytes]]:
    consumer = AIOKafkaConsumer(
        **endpoints.kafka_options(), enable_auto_commit=False, group_id=None, isolation_level=isolation_level
    )
    await consumer.start()
    try:
        partitions = (await consumer._client.fetch_all_metadata()).partitions_for_topic(topic) or set()
        return await records_to_end(consumer, (TopicPartition(topic, p) for p in partitions))
    finally:
        await consumer.stop()
