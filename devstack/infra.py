"""PostgreSQL, Kafka and Temporal for the project: started locally, or taken from the environment."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from backbone.registry import SERVICES
from devstack.config import StackConfig
from devstack.kafka import LocalKafka
from devstack.kafka_security import (
    KafkaCredentials,
    KafkaSecurity,
    external_kafka_credentials,
    grants_for,
)
from devstack.postgres import LocalPostgres, provision_database
from devstack.process import log
from devstack.temporal import LocalTemporal


@dataclass(frozen=True)
class Endpoints:
    postgres_admin_url: str
    kafka_bootstrap: str
    temporal_address: str
    temporal_ui_url: str | None
    kafka_admin: KafkaCredentials | None = None
    """Kafka's super user locally (tests and provisioning); None for an external cluster without SASL."""
    kafka_tls_bootstrap: str | None = None
    kafka_tls_ca_file: str | None = None
    """The local broker's SASL_SSL listener and the CA that signed it (None for an external cluster)."""

    def kafka_security(self) -> dict[str, Any]:
        """aiokafka's security options for the admin identity (nothing for a PLAINTEXT cluster)."""
        return self.kafka_admin.client_options() if self.kafka_admin else {}

    def kafka_options(self) -> dict[str, Any]:
        return {"bootstrap_servers": self.kafka_bootstrap, **self.kafka_security()}

    @property
    def postgres_host(self) -> str:
        return urlsplit(self.postgres_admin_url).hostname or "127.0.0.1"

    @property
    def postgres_port(self) -> int:
        return urlsplit(self.postgres_admin_url).port or 5432

    def service_env(self) -> dict[str, str]:
        """What a service process needs to find the stack (the shared BACKBONE_ prefix)."""
        env = {
            "BACKBONE_POSTGRES_HOST": self.postgres_host,
            "BACKBONE_POSTGRES_PORT": str(self.postgres_port),
            "BACKBONE_KAFKA_BOOTSTRAP": self.kafka_bootstrap,
            "BACKBONE_TEMPORAL_ADDRESS": self.temporal_address,
        }
        if self.temporal_ui_url:
            env["BACKBONE_TEMPORAL_UI_URL"] = self.temporal_ui_url
        if self.kafka_admin:
            env.update(self.kafka_admin.env("BACKBONE"))
        return env


def components(config: StackConfig) -> tuple[LocalPostgres | None, LocalKafka | None, LocalTemporal | None]:
    return (
        None if config.external_postgres_admin_url else LocalPostgres(config),
        None if config.external_kafka_bootstrap else LocalKafka(config),
        None if config.external_temporal_address else LocalTemporal(config),
    )


def ensure_infra(config: StackConfig) -> tuple[Endpoints, list[str]]:
    """Start whatever local component is not running yet; returns the endpoints and what was started."""
    started: list[str] = []
    postgres, kafka, temporal = components(config)
    for name, component in (("postgres", postgres), ("kafka", kafka), ("temporal", temporal)):
        if component is None:
            log(f"{name}: using the external endpoint from the environment")
            continue
        if not component.is_running():
            component.start()
            started.append(name)
        else:
            log(f"{name}: already running, reused")
    endpoints = Endpoints(
        postgres_admin_url=config.external_postgres_admin_url or (postgres.admin_url() if postgres else ""),
        kafka_bootstrap=config.kafka_bootstrap,
        temporal_address=config.temporal_address,
        temporal_ui_url=None
        if config.external_temporal_address
        else f"http://{config.host}:{config.temporal_ui_port}",
        kafka_admin=KafkaSecurity(config).admin() if kafka else external_kafka_credentials(),
        kafka_tls_bootstrap=kafka.tls_bootstrap if kafka else None,
        kafka_tls_ca_file=str(kafka.tls_files().ca_file) if kafka else None,
    )
    asyncio.run(_wait_for_kafka_and_temporal(endpoints))
    return endpoints, started


async def _wait_for_kafka_and_temporal(endpoints: Endpoints, timeout: float = 90) -> None:
    """A listening port is not readiness: wait until Kafka serves metadata and Temporal answers health."""
    from aiokafka.admin import AIOKafkaAdminClient
    from temporalio.client import Client

    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        try:
            admin = AIOKafkaAdminClient(**endpoints.kafka_options(), request_timeout_ms=5000)
            await admin.start()
            try:
                await admin.describe_cluster()
            finally:
                await admin.close()
            client = await Client.connect(endpoints.temporal_address)
            await client.service_client.check_health()
            return
        except Exception as exc:
            if asyncio.get_running_loop().time() > deadline:
                raise TimeoutError(f"Kafka/Temporal not ready: {exc!r}") from exc
            await asyncio.sleep(1)


def stop_started(config: StackConfig, started: list[str]) -> None:
    """Stop only the components this process started (tests and benchmarks leave `make run`'s alone)."""
    postgres, kafka, temporal = components(config)
    for name, component in (("temporal", temporal), ("kafka", kafka), ("postgres", postgres)):
        if name in started and component is not None:
            component.stop()


def stop_infra(config: StackConfig) -> None:
    postgres, kafka, temporal = components(config)
    for component in (temporal, kafka, postgres):
        if component is not None:
            component.stop()


async def provision(endpoints: Endpoints, *, topic_prefix: str = "") -> None:
    """Roles, databases, migrations and topics for all services (idempotent)."""
    from backbone.kafka import ensure_topics
    from backbone.migrations import upgrade_async
    from backbone.settings import load_settings
    from contracts.topics import TOPICS

    env = endpoints.service_env()
    for service in SERVICES:
        settings = load_settings(
            service,
            postgres_host=env["BACKBONE_POSTGRES_HOST"],
            postgres_port=int(env["BACKBONE_POSTGRES_PORT"]),
        )
        assert settings.database_password is not None and settings.migration_password is not None
        await provision_database(
            endpoints.postgres_admin_url,
            database=settings.database_name or service,
            role=settings.migration_user or service,
            password=settings.migration_password.get_secret_value(),
            app_role=settings.database_user or f"{service}_app",
            app_password=settings.database_password.get_secret_value(),
        )
        await upgrade_async(settings)
    log("databases provisioned and migrated: " + ", ".join(SERVICES))
    created = await ensure_topics(
        endpoints.kafka_bootstrap, TOPICS, prefix=topic_prefix, extra_options=endpoints.kafka_security()
    )
    log(f"topics: {len(created)} created, {len(TOPICS) - len(created)} already present")


def secure_kafka(config: StackConfig) -> None:
    """Users and ACLs of the services, the national feed and every registered national subscriber (local Kafka
    only: an external cluster's are its platform team's, see devstack/kafka_security.py)."""
    if config.external_kafka_bootstrap:
        return
    from backbone.feed.filter import feed_settings
    from backbone.feed.subscribers import Registry

    subscribers = Registry(feed_settings().subscribers_file).current()
    KafkaSecurity(config).apply(grants_for(subscribers=subscribers))
