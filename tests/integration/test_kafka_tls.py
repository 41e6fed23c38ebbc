"""A process configured as production is (SASL_SSL, SCRAM, the CA that signed the brokers, production's issuer
and secrets) reaches Kafka over TLS through the same client factories the relay, the consumers and the feed use;
a broker whose certificate another CA signed is refused, never trusted."""

from __future__ import annotations

import asyncio
import ssl
import uuid
from pathlib import Path

import pytest
from aiokafka.errors import KafkaConnectionError

from backbone.kafka import idempotent_producer, manual_commit_consumer
from backbone.settings import ServiceSettings, load_settings
from devstack.config import StackConfig
from devstack.kafka_security import KafkaSecurity, grants_for, service_user
from devstack.tls import ensure_certificates
from tests.support import Deployment
from tests.unit.test_settings import PRODUCTION_ENDPOINTS


@pytest.fixture
def tls_endpoint(deployment: Deployment, stack_config: StackConfig) -> tuple[str, str]:
    endpoints = deployment.endpoints
    if endpoints.kafka_tls_bootstrap is None or endpoints.kafka_tls_ca_file is None:
        pytest.skip("an external cluster: its TLS listener is tested where it is configured")
    return endpoints.kafka_tls_bootstrap, endpoints.kafka_tls_ca_file


def production_settings(
    monkeypatch: pytest.MonkeyPatch, stack_config: StackConfig, prefix: str, bootstrap: str, ca_file: str
) -> ServiceSettings:
    user = service_user("partners")
    environment = {
        **PRODUCTION_ENDPOINTS,
        "BACKBONE_ENVIRONMENT": "production",
        "PARTNERS_DATABASE_PASSWORD": "a-mounted-secret",
        "BACKBONE_KAFKA_BOOTSTRAP": bootstrap,
        "BACKBONE_KAFKA_SASL_MECHANISM": "SCRAM-SHA-512",
        "PARTNERS_KAFKA_SASL_USERNAME": user,
        "PARTNERS_KAFKA_SASL_PASSWORD": KafkaSecurity(stack_config).password(user),
        "BACKBONE_KAFKA_SSL_CAFILE": ca_file,
    }
    for key, value in environment.items():
        monkeypatch.setenv(key, value)
    return load_settings("partners", topic_prefix=prefix)


async def test_a_production_client_publishes_and_consumes_over_tls(
    deployment: Deployment,
    stack_config: StackConfig,
    tls_endpoint: tuple[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    await deployment.create()
    prefix = deployment.topic_prefix
    await asyncio.to_thread(KafkaSecurity(stack_config).apply, grants_for(topic_prefix=prefix))
    settings = production_settings(monkeypatch, stack_config, prefix, *tls_endpoint)
    assert (settings.environment, settings.kafka_security_protocol) == ("production", "SASL_SSL")
    topic = settings.topic("partners.events.v1")
    producer = idempotent_producer(settings)
    await producer.start()
    try:
        key = uuid.uuid4().hex.encode()
        await producer.send_and_wait(topic, b"over tls", key=key)
    finally:
        await producer.stop()
    consumer = manual_commit_consumer(settings, topic, group_id=f"{settings.consumer_group}.tls-test")
    await consumer.start()
    try:
        found = None
        for _ in range(30):
            batch = await consumer.getmany(timeout_ms=1000)
            found = next((r for records in batch.values() for r in records if r.key == key), None)
            if found:
                break
        assert found is not None and found.value == b"over tls"
    finally:
        await consumer.stop()


async def test_a_broker_signed_by_another_ca_is_refused(
    deployment: Deployment,
    stack_config: StackConfig,
    tls_endpoint: tuple[str, str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    stranger = ensure_certificates(tmp_path, stack_config.host).ca_file
    settings = production_settings(
        monkeypatch, stack_config, deployment.topic_prefix, tls_endpoint[0], str(stranger)
    )
    producer = idempotent_producer(settings, request_timeout_ms=5000)
    with pytest.raises((KafkaConnectionError, ssl.SSLError)):
        await producer.start()
    await producer.stop()
