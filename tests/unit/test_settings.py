"""Settings: per-service prefix, the shared BACKBONE_ fallback, and no default secrets outside development."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from backbone.settings import load_settings


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


def test_a_database_url_alone_is_enough_outside_development(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BACKBONE_ENVIRONMENT", "production")
    monkeypatch.setenv("FINANCE_DATABASE_URL", "postgresql://finance:s3cret@db.internal:5432/finance")
    assert load_settings("finance").sqlalchemy_url.startswith("postgresql+asyncpg://finance:s3cret@")
    monkeypatch.setenv("FINANCE_DATABASE_URL", "postgresql://finance:finance-dev-password@db:5432/finance")
    with pytest.raises(ValidationError, match="development database password"):
        load_settings("finance")


def test_processes_without_a_database_need_no_database_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    from workflows.worker import worker_settings

    monkeypatch.setenv("BACKBONE_ENVIRONMENT", "production")
    assert worker_settings().environment == "production"
    assert load_settings("topics", uses_database=False).environment == "production"
