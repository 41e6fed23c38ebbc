"""Settings: per-service prefix, the shared BACKBONE_ fallback, and no default secrets outside development."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from backbone.settings import load_settings

PRODUCTION_ENDPOINTS = {
    "BACKBONE_AUTH_ISSUER": "https://login.example.internal/realms/training-backbone",
    "BACKBONE_KAFKA_SECURITY_PROTOCOL": "SASL_SSL",
}


@pytest.fixture
def production_endpoints(monkeypatch: pytest.MonkeyPatch) -> None:
    """The identity provider and the encrypted Kafka every environment but development and test must name."""
    for key, value in PRODUCTION_ENDPOINTS.items():
        monkeypatch.setenv(key, value)


def test_service_prefix_wins_over_the_shared_prefix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BACKBONE_KAFKA_BOOTSTRAP", "shared:9092")
    monkeypatch.setenv("FINANCE_KAFKA_BOOTSTRAP", "finance-only:9092")
    assert load_settings("finance").kafka_bootstrap == "finance-only:9092"
    assert load_settings("training").kafka_bootstrap == "shared:9092"


def test_defaults_follow_the_service(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PARTNERS_HTTP_PORT", raising=False)
    settings = load_settings("partners", topic_prefix="t1.")
    assert settings.http_port == 8001
    assert settings.database_name == "partners" and settings.database_user == "partners_app"
    assert settings.migration_user == "partners", "migrations run as the owner, the service as a non-owner"
    assert settings.migration_sqlalchemy_url.startswith("postgresql+asyncpg://partners:")
    assert settings.consumer_group == "t1.partners"
    assert settings.topic("partners.events.v1") == "t1.partners.events.v1"
    assert settings.sqlalchemy_url.startswith("postgresql+asyncpg://partners_app:")


def test_environment_port_overrides_the_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INCIDENTS_HTTP_PORT", "9999")
    assert load_settings("incidents").http_port == 9999


@pytest.mark.usefixtures("production_endpoints")
@pytest.mark.parametrize("environment", ["staging", "production"])
def test_development_password_is_refused_outside_development(
    monkeypatch: pytest.MonkeyPatch, environment: str
) -> None:
    monkeypatch.setenv("BACKBONE_ENVIRONMENT", environment)
    with pytest.raises(ValidationError, match="development database password"):
        load_settings("assessment")
    monkeypatch.setenv("ASSESSMENT_DATABASE_PASSWORD", "a-real-secret")
    assert load_settings("assessment").environment == environment


def test_invalid_values_are_rejected_with_the_field_name(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRAINING_RELAY_BATCH_SIZE", "0")
    with pytest.raises(ValidationError, match="relay_batch_size"):
        load_settings("training")


@pytest.mark.usefixtures("production_endpoints")
def test_a_database_url_alone_is_enough_outside_development(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BACKBONE_ENVIRONMENT", "production")
    monkeypatch.setenv("FINANCE_DATABASE_URL", "postgresql://finance:s3cret@db.internal:5432/finance")
    assert load_settings("finance").sqlalchemy_url.startswith("postgresql+asyncpg://finance:s3cret@")
    monkeypatch.setenv("FINANCE_DATABASE_URL", "postgresql://finance:finance-dev-password@db:5432/finance")
    with pytest.raises(ValidationError, match="development database password"):
        load_settings("finance")


@pytest.mark.usefixtures("production_endpoints")
def test_processes_without_a_database_need_no_database_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    from workflows.worker import worker_settings

    monkeypatch.setenv("BACKBONE_ENVIRONMENT", "production")
    assert worker_settings().environment == "production"
    assert load_settings("topics", uses_database=False).environment == "production"


@pytest.mark.parametrize("environment", ["staging", "production"])
@pytest.mark.parametrize(
    ("variable", "value", "named"),
    [
        ("BACKBONE_AUTH_ISSUER", "http://127.0.0.1:8009", "AUTH_ISSUER"),
        ("BACKBONE_AUTH_ISSUER", "http://login.example.internal/realms/x", "AUTH_ISSUER"),
        ("BACKBONE_AUTH_JWKS_URL", "http://login.example.internal/certs", "AUTH_JWKS_URL"),
        ("BACKBONE_KAFKA_SECURITY_PROTOCOL", "PLAINTEXT", "KAFKA_SECURITY_PROTOCOL"),
        ("BACKBONE_KAFKA_SECURITY_PROTOCOL", "SASL_PLAINTEXT", "KAFKA_SECURITY_PROTOCOL"),
    ],
)
@pytest.mark.usefixtures("production_endpoints")
def test_development_endpoints_are_refused_at_start_naming_the_setting(
    monkeypatch: pytest.MonkeyPatch, environment: str, variable: str, value: str, named: str
) -> None:
    """Issue 14: production started with the development issuer, an http JWKS URL or plain Kafka."""
    from workflows.worker import worker_settings

    monkeypatch.setenv("BACKBONE_ENVIRONMENT", environment)
    monkeypatch.setenv("TRAINING_DATABASE_PASSWORD", "a-real-secret")
    monkeypatch.setenv(variable, value)
    with pytest.raises(ValidationError, match=named):
        load_settings("training")
    with pytest.raises(ValidationError, match=named):
        worker_settings()
    with pytest.raises(ValidationError, match=named):
        load_settings("topics", uses_database=False)


def test_development_keeps_its_local_endpoints(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BACKBONE_ENVIRONMENT", "development")
    settings = load_settings("training")
    assert settings.auth_issuer.startswith("http://") and settings.kafka_security_protocol == "PLAINTEXT"


def test_topics_are_replicated_safely_outside_development(monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 14: every environment created topics with one replica and min.insync.replicas=1."""
    from backbone.kafka import durability

    assert durability(load_settings("topics", uses_database=False)) == {
        "replication_factor": 1,
        "min_insync_replicas": 1,
    }, "a local single broker"
    for key, value in PRODUCTION_ENDPOINTS.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("BACKBONE_ENVIRONMENT", "production")
    assert durability(load_settings("topics", uses_database=False)) == {
        "replication_factor": 3,
        "min_insync_replicas": 2,
    }
    monkeypatch.setenv("BACKBONE_TOPIC_REPLICATION_FACTOR", "5")
    monkeypatch.setenv("BACKBONE_TOPIC_MIN_INSYNC_REPLICAS", "3")
    assert durability(load_settings("topics", uses_database=False)) == {
        "replication_factor": 5,
        "min_insync_replicas": 3,
    }
    monkeypatch.setenv("BACKBONE_TOPIC_MIN_INSYNC_REPLICAS", "6")
    with pytest.raises(ValidationError, match="TOPIC_MIN_INSYNC_REPLICAS"):
        load_settings("topics", uses_database=False)


def test_the_topics_job_creates_topics_as_its_settings_say(monkeypatch: pytest.MonkeyPatch) -> None:
    import backbone.kafka
    from backbone.serve import create_topics

    asked: dict[str, object] = {}

    async def ensure_topics(bootstrap: str, specs: object, **options: object) -> list[str]:
        asked.update(options)
        return []

    monkeypatch.setattr(backbone.kafka, "ensure_topics", ensure_topics)
    for key, value in PRODUCTION_ENDPOINTS.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("BACKBONE_ENVIRONMENT", "staging")
    create_topics()
    assert (asked["replication_factor"], asked["min_insync_replicas"]) == (3, 2)
