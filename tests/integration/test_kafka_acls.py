"""Kafka enforces who reads and writes what: SCRAM users and ACLs on the local broker (deny by default).

A service writes its own topics only, the national feed writes the national topics only, and a national
subscriber reads its own topic and writes its own inbound topic, nothing else, whatever it asks for; only the
services that act on what national systems report read the inbound topics.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.errors import GroupAuthorizationFailedError, KafkaError, TopicAuthorizationFailedError

from backbone.feed.checkpoints import CHECKPOINTS, parse_checkpoint
from backbone.feed.filter import NationalFeed, feed_settings
from backbone.feed.subscribers import Registry, Subscriber
from backbone.kafka import ensure_topics
from chaos.verify import read_to_end
from contracts.envelope import decode
from contracts.topics import TopicSpec
from devstack.config import StackConfig
from devstack.infra import Endpoints
from devstack.kafka_security import (
    FEED_USER,
    KafkaCredentials,
    KafkaSecurity,
    grants_for,
    service_user,
    subscriber_user,
)
from tests.integration.test_national_feed import dispute_event, publish
from tests.support import Deployment, TestIssuer, eventually

pytestmark = [
    pytest.mark.usefixtures("secured"),
    # One worker runs the module in a parallel run: its users and ACLs are granted once (see `shared`).
    pytest.mark.xdist_group("kafka-acls"),
]


@pytest.fixture
def secured(stack_config: StackConfig) -> None:
    if stack_config.external_kafka_bootstrap:
        pytest.skip("an external cluster's users and ACLs are its platform team's")


@pytest.fixture(scope="session")
async def shared(
    stack: Endpoints, issuer: TestIssuer, stack_config: StackConfig
) -> AsyncIterator[tuple[Deployment, dict[str, Any]]]:
    """One deployment and one set of users and ACLs for the module: granting them runs Kafka's JVM tools once per
    user and right (about 40 s), and the tests only read what they grant (every record is `{}`).

    Session-scoped, so a worker grants them once whatever runs between the module's tests. They share one worker
    through `xdist_group`; pytest 9.2 silently broke that grouping (pytest-dev/pytest-xdist#1386, pinned below it
    in pyproject.toml), and three workers each granted them at once, 74 to 92 s each, in one CI run."""
    if stack_config.external_kafka_bootstrap:
        pytest.skip("an external cluster's users and ACLs are its platform team's")
    deployment = Deployment(stack, issuer)
    try:
        await deployment.create()
        a, b = f"a{uuid.uuid4().hex[:8]}", f"b{uuid.uuid4().hex[:8]}"
        longer = f"{a}-ncu"  # an id that starts with another's: their groups must not overlap
        security = KafkaSecurity(stack_config)
        subscribers = [Subscriber(a, "SN"), Subscriber(b, "BR"), Subscriber(longer, "SN")]
        await asyncio.to_thread(
            security.apply, grants_for(topic_prefix=deployment.topic_prefix, subscribers=subscribers)
        )
        topics = [
            TopicSpec(name=name, owner="feed", description="test", partitions=1)
            for s in subscribers
            for name in (s.topic, s.inbound_topic)
        ]
        await ensure_topics(
            deployment.endpoints.kafka_bootstrap,
            topics,
            prefix=deployment.topic_prefix,
            extra_options=deployment.endpoints.kafka_security(),
        )
        yield deployment, {"security": security, "a": a, "b": b, "longer": longer, "subscribers": subscribers}
    finally:
        await deployment.destroy()


@pytest.fixture
def deployment(shared: tuple[Deployment, dict[str, Any]]) -> Deployment:
    return shared[0]


@pytest.fixture
def world(shared: tuple[Deployment, dict[str, Any]]) -> dict[str, Any]:
    return shared[1]


def options(deployment: Deployment, who: KafkaCredentials | None) -> dict[str, Any]:
    base: dict[str, Any] = {
        "bootstrap_servers": deployment.endpoints.kafka_bootstrap,
        "request_timeout_ms": 8000,
    }
    return {**base, **(who.client_options() if who else {})}


async def produce(deployment: Deployment, who: KafkaCredentials, logical_topic: str) -> None:
    producer = AIOKafkaProducer(**options(deployment, who), acks="all")
    await producer.start()
    try:
        await asyncio.wait_for(producer.send_and_wait(deployment.topic(logical_topic), b"{}", key=b"k"), 20)
    finally:
        await producer.stop()


async def read_one(deployment: Deployment, who: KafkaCredentials, logical_topic: str, group: str) -> bytes:
    consumer = AIOKafkaConsumer(
        deployment.topic(logical_topic),
        **options(deployment, who),
        group_id=group,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
    )
    try:
        await consumer.start()  # inside: a refused group may fail the start, and the client still closes
        for _ in range(40):
            for records in (await consumer.getmany(timeout_ms=500)).values():
                return bytes(records[0].value or b"")
        raise TimeoutError(f"nothing in {logical_topic}")
    finally:
        await consumer.stop()


async def test_a_client_without_valid_credentials_is_refused(
    deployment: Deployment, world: dict[str, Any]
) -> None:
    for who in (None, KafkaCredentials(service_user("partners"), "not-the-password")):
        producer = AIOKafkaProducer(**options(deployment, who))
        with pytest.raises((KafkaError, OSError, asyncio.TimeoutError)):
            await asyncio.wait_for(producer.start(), 30)
        await producer.stop()


async def test_each_identity_reads_and_writes_only_what_its_acls_allow(
    deployment: Deployment, world: dict[str, Any]
) -> None:
    partners = world["security"].credentials(service_user("partners"))
    await produce(deployment, partners, "partners.events.v1")
    with pytest.raises(TopicAuthorizationFailedError):
        await produce(deployment, partners, "training.events.v1")
    with pytest.raises(TopicAuthorizationFailedError):
        await produce(deployment, partners, f"national.{world['a']}.v1")

    # The national feed writes the national streams, and a subscriber reads its own, nothing else.
    security: KafkaSecurity = world["security"]
    feed = security.credentials(FEED_USER)
    await produce(deployment, feed, f"national.{world['a']}.v1")
    await produce(deployment, feed, f"national.{world['b']}.v1")
    with pytest.raises(TopicAuthorizationFailedError):
        await produce(deployment, feed, "partners.events.v1")

    a = security.credentials(subscriber_user(world["a"]))
    group = f"national.{world['a']}.reader"  # a group its ACL allows
    assert await read_one(deployment, a, f"national.{world['a']}.v1", group) == b"{}"
    with pytest.raises(TopicAuthorizationFailedError):
        await read_one(deployment, a, f"national.{world['b']}.v1", group)  # the other country's stream
    with pytest.raises(TopicAuthorizationFailedError):
        await read_one(deployment, a, "partners.events.v1", group)  # the internal topics
    with pytest.raises(TopicAuthorizationFailedError):
        await produce(deployment, a, f"national.{world['a']}.v1")  # read-only


async def test_a_subscriber_cannot_join_the_groups_of_an_id_that_starts_with_its_own(
    deployment: Deployment, world: dict[str, Any]
) -> None:
    """Issue 14: group ACLs were prefix matches on `national.<id>`, so `national.fr` also covered
    `national.fr-ncu...`: a subscriber could join (and move the offsets of) another's consumer group."""
    security: KafkaSecurity = world["security"]
    await produce(deployment, security.credentials(FEED_USER), f"national.{world['a']}.v1")
    a = security.credentials(subscriber_user(world["a"]))
    with pytest.raises(GroupAuthorizationFailedError):
        await read_one(deployment, a, f"national.{world['a']}.v1", f"national.{world['longer']}.reader")
    longer = security.credentials(subscriber_user(world["longer"]))
    await produce(deployment, security.credentials(FEED_USER), f"national.{world['longer']}.v1")
    own = f"national.{world['longer']}.reader"
    assert await read_one(deployment, longer, f"national.{world['longer']}.v1", own) == b"{}"


async def test_a_national_system_writes_its_own_inbound_topic_and_only_assessment_reads_them(
    deployment: Deployment, world: dict[str, Any]
) -> None:
    security: KafkaSecurity = world["security"]
    senegal, brazil, _ = world["subscribers"]
    a = security.credentials(subscriber_user(senegal.id))
    await produce(deployment, a, senegal.inbound_topic)
    with pytest.raises(TopicAuthorizationFailedError):
        await produce(deployment, a, brazil.inbound_topic)  # speaking on another country's topic
    with pytest.raises(TopicAuthorizationFailedError):
        await read_one(deployment, a, senegal.inbound_topic, f"national.{senegal.id}.reader")  # write-only
    with pytest.raises(TopicAuthorizationFailedError):
        await produce(deployment, security.credentials(FEED_USER), senegal.inbound_topic)
    assessment = security.credentials(service_user("assessment"))
    assert await read_one(deployment, assessment, senegal.inbound_topic, "assessment.acl-check") == b"{}"
    with pytest.raises(TopicAuthorizationFailedError):
        await read_one(
            deployment, security.credentials(service_user("finance")), senegal.inbound_topic, "finance.x"
        )


async def test_the_national_feed_runs_as_its_own_user(
    deployment: Deployment, world: dict[str, Any], tmp_path: Path
) -> None:
    """As `make run` and production run it: its transactions, its group, and its checkpoints topic, which it
    creates, writes and reads back (`backbone/feed/checkpoints.py`), with the `feed` user's rights only."""
    security: KafkaSecurity = world["security"]
    feed_user = security.credentials(FEED_USER)
    registry = Registry(tmp_path / "feed.json")
    for subscriber in world["subscribers"]:
        registry.add(subscriber)
    prefix = deployment.topic_prefix
    settings = feed_settings(
        environment="test",
        kafka_bootstrap=deployment.endpoints.kafka_bootstrap,
        kafka_security_protocol=feed_user.protocol,
        kafka_sasl_mechanism=feed_user.mechanism,
        kafka_sasl_username=feed_user.username,
        kafka_sasl_password=feed_user.password,
        topic_prefix=prefix,
        subscribers_file=registry.path,
        consumer_group=f"{prefix}feed",
        transactional_id=f"{prefix}national-feed-0",
    )
    event_id, record = dispute_event("public", "SN", ())
    await publish(deployment, [record])

    feed = NationalFeed(settings)
    stop = asyncio.Event()
    running = asyncio.create_task(feed.run(stop))
    try:
        await eventually(lambda: feed.read >= 1, timeout=60, what="the feed copied the event")
    finally:
        stop.set()
        await running

    senegal = world["subscribers"][0]
    copies = await read_to_end(
        deployment.endpoints, deployment.topic(senegal.topic), isolation_level="read_committed"
    )
    assert event_id in {decode(list(r.headers), r.key, r.value).id for r in copies if r.headers}
    checkpoints = await read_to_end(
        deployment.endpoints, deployment.topic(CHECKPOINTS.name), isolation_level="read_committed"
    )
    assert {parse_checkpoint(r.key, r.value)[0] for r in checkpoints if r.key and r.value} == {
        f"{prefix}feed"
    }
