"""Settings of a service process, from the environment.

Each service reads variables with its own prefix (`PARTNERS_DATABASE_URL`); anything it does not set falls back
to the shared `BACKBONE_` prefix (`BACKBONE_KAFKA_BOOTSTRAP`), so pointing all five services at an external
Kafka takes one variable. Built by `load_settings()`, never at import time.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal, TypeVar

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, EnvSettingsSource, PydanticBaseSettingsSource, SettingsConfigDict

from backbone.registry import DEFAULT_SERVICE_PORTS, audience_of

REPO_ROOT = Path(__file__).resolve().parents[1]


def local_state_dir() -> Path:
    """The git-ignored folder of a checkout's local state (`BACKBONE_STATE_DIR`, default `.state/`): where a
    process finds what the local stack provisioned when its settings name no other place."""
    return Path(os.environ.get("BACKBONE_STATE_DIR", REPO_ROOT / ".state")).resolve()


Environment = Literal["development", "test", "staging", "production"]
DEV_PASSWORD_SUFFIX = "-dev-password"


DEV_ISSUER = "http://127.0.0.1:8009"
"""The development issuer `make run` starts (`python -m backbone.issuer serve`)."""


class ServiceSettings(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore", case_sensitive=False)

    service_name: str
    environment: Environment = "development"

    http_host: str = "127.0.0.1"
    http_port: int = 8000
    public_base_url: str | None = None
    max_page_size: int = 200

    # PostgreSQL: either a full URL, or the pieces the local stack uses.
    database_url: str | None = None
    postgres_host: str = "127.0.0.1"
    postgres_port: int = 5433
    database_name: str | None = None
    database_user: str | None = None
    database_password: SecretStr | None = None
    """The runtime role (`<service>_app`): reads and writes rows, owns nothing, cannot alter a table."""
    migration_user: str | None = None
    migration_password: SecretStr | None = None
    migration_url: str | None = None
    """The owner role (`<service>`), for migrations only; without a password or URL the runtime's are used."""
    database_pool_size: int = 10
    uses_database: bool = True
    """False for processes without a database (the worker, topic creation): no database secret is required."""

    kafka_bootstrap: str = "127.0.0.1:9092"
    kafka_security_protocol: str = "PLAINTEXT"
    kafka_sasl_mechanism: str | None = None
    kafka_sasl_username: str | None = None
    kafka_sasl_password: SecretStr | None = None
    kafka_ssl_cafile: str | None = None
    """With SSL or SASL_SSL: the CA bundle that signed the brokers' certificates (the system's when unset)."""
    kafka_ssl_certfile: str | None = None
    kafka_ssl_keyfile: str | None = None
    """With SSL or SASL_SSL: a client certificate and its key, for clusters that authenticate clients by TLS."""
    kafka_ssl_keyfile_password: SecretStr | None = None
    kafka_ssl_check_hostname: bool = True
    topic_prefix: str = ""
    topic_replication_factor: int | None = Field(default=None, ge=1)
    """Replicas of each topic it creates; default 1 in development and test, 3 elsewhere."""
    topic_min_insync_replicas: int | None = Field(default=None, ge=1)
    """Replicas that must have a write before `acks=all` succeeds; default 1 in development and test, 2 elsewhere."""
    consumer_group: str | None = None

    temporal_address: str = "127.0.0.1:7233"
    temporal_namespace: str = "default"
    temporal_task_queue: str = "backbone"
    temporal_ui_url: str = "http://127.0.0.1:8233"
    temporal_tls: bool = False
    """TLS to the Temporal frontend (Temporal Cloud, a TLS-secured cluster); implied by a CA, certificate or key."""
    temporal_tls_ca_file: str | None = None
    """The CA bundle that signed the frontend's certificate (the system's when unset)."""
    temporal_tls_cert_file: str | None = None
    temporal_tls_key_file: str | None = None
    """A client certificate and key (mTLS, e.g. Temporal Cloud's certificate authentication)."""
    temporal_tls_server_name: str | None = None
    temporal_api_key: SecretStr | None = None
    """An API key (Temporal Cloud's API-key authentication), sent on every call; implies TLS."""
    uses_temporal: bool = False

    relay_batch_size: int = Field(default=2000, ge=1, le=10_000)
    relay_concurrency: int = Field(default=2, ge=1, le=64)
    relay_fallback_poll_seconds: float = Field(default=2.0, gt=0)
    relay_max_record_bytes: int = Field(default=1_000_000, ge=1024)
    """An outbox row larger than this is parked, never sent: keep it at or under the topics' max.message.bytes
    (Kafka's default 1 MiB). The writer refuses events over backbone.outbox.writer.MAX_EVENT_BYTES already."""
    relay_metrics_port: int | None = None
    """The relay's metrics and probes (`/metrics`, `/healthz`, `/readyz`, backbone/health.py)."""
    consumer_health_port: int | None = None
    """The consumer's metrics and probes, likewise."""
    consumer_max_attempts: int = Field(default=4, ge=1)
    consumer_batch_max: int = Field(default=200, ge=1, le=10_000)
    """Records fetched and applied in one database transaction (a failing fetch is re-applied one by one)."""
    idempotency_retention_hours: int = Field(default=7 * 24, ge=1)
    signing_keys_dir: str | None = None
    """Where the service keeps the keys it signs documents with (training: verifiable credentials); a mounted
    secret in production. Default: `<state folder>/signing/<service>`."""
    signing_keys_generate: bool | None = None
    """Whether a missing key is created; by default only in development and test (elsewhere a mounted key is
    required and the service refuses to start without one)."""
    audit_personal_retention_days: int = Field(default=365, ge=0)
    """After this, `python -m backbone.audit purge` clears who did it and from where (the chain stays)."""
    inbox_retention_days: int = Field(default=120, ge=1)
    consumer_retry_initial_seconds: float = 0.2
    consumer_retry_max_seconds: float = 5.0
    consumer_topic_discovery_seconds: float = Field(default=30.0, gt=0)
    """How soon a consumer that reads topics by pattern (national inbound topics) finds one created after it
    started (its metadata refresh interval)."""

    # Bearer tokens: a real identity provider in production, `python -m backbone.issuer serve` locally.
    auth_mode: Literal["enforce", "off"] = "enforce"
    auth_issuer: str = DEV_ISSUER
    auth_audience: str | None = None
    """The audience this service's tokens must name; `training-backbone.<service>` by default."""
    auth_client_claim: str = "gty"
    auth_client_claim_value: str = "client-credentials"
    """A token is a machine client's only when the identity provider says so with this claim and value (its
    client-credentials grant), never because it carries a `client_id` (user tokens carry one too, RFC 9068)."""
    auth_jwks_url: str | None = None
    auth_algorithms: tuple[str, ...] = ("RS256", "ES256")
    auth_leeway_seconds: float = Field(default=30, ge=0, le=300)

    # Abuse limits (backbone/limits.py).
    max_request_bytes: int = Field(default=1_048_576, ge=1024)
    rate_limit_per_minute: int = Field(default=600, ge=1)
    rate_limit_burst: int = Field(default=120, ge=1)
    max_inflight_requests: int = Field(default=32, ge=1)
    """Requests one API process works on at once; past it, 503 with Retry-After (backbone.limits.InFlightLimit)."""

    otel_exporter: Literal["none", "console", "otlp"] = "none"
    otel_endpoint: str | None = None
    log_level: str = "INFO"
    log_json: bool = True

    @model_validator(mode="after")
    def _fill_defaults(self) -> ServiceSettings:
        name = self.service_name
        if self.database_name is None:
            self.database_name = name
        if self.database_user is None:
            self.database_user = f"{name}_app"
        if self.database_password is None:
            self.database_password = SecretStr(f"{name}_app{DEV_PASSWORD_SUFFIX}")
        if self.migration_user is None:
            self.migration_user = name
        if self.auth_audience is None:
            self.auth_audience = audience_of(name)
        if self.migration_password is None and self.environment in ("development", "test"):
            self.migration_password = SecretStr(f"{name}{DEV_PASSWORD_SUFFIX}")
        if self.consumer_group is None:
            self.consumer_group = f"{self.topic_prefix}{name}"
        local = self.environment in ("development", "test")
        if self.topic_replication_factor is None:
            self.topic_replication_factor = 1 if local else 3
        if self.topic_min_insync_replicas is None:
            self.topic_min_insync_replicas = 1 if local else 2
        if self.topic_min_insync_replicas > self.topic_replication_factor:
            raise ValueError(
                f"{name}: TOPIC_MIN_INSYNC_REPLICAS ({self.topic_min_insync_replicas}) exceeds "
                f"TOPIC_REPLICATION_FACTOR ({self.topic_replication_factor}): no write could ever succeed"
            )
        if self.environment not in ("development", "test") and self.uses_database:
            self._refuse_default_secrets()
        if self.environment not in ("development", "test"):
            self._refuse_development_endpoints()
        if self.environment not in ("development", "test") and self.auth_mode != "enforce":
            raise ValueError(f"{name}: authentication may only be turned off in development or test")
        if self.auth_jwks_url is None:
            self.auth_jwks_url = f"{self.auth_issuer.rstrip('/')}/jwks.json"
        return self

    def _refuse_development_endpoints(self) -> None:
        """Outside development, tokens come from the partners' identity provider over TLS, and Kafka traffic
        (credentials included) is encrypted: a setting left at its development value stops the process here,
        at start, naming the variable, instead of at the first token or the first message."""
        prefix = self.service_name.upper()
        wrong = []
        if self.auth_issuer.rstrip("/") == DEV_ISSUER or not self.auth_issuer.startswith("https://"):
            wrong.append(
                f"{prefix}_AUTH_ISSUER or BACKBONE_AUTH_ISSUER is {self.auth_issuer!r}: the identity provider's "
                "https URL, not the development issuer"
            )
        if self.auth_jwks_url is not None and not self.auth_jwks_url.startswith("https://"):
            wrong.append(
                f"{prefix}_AUTH_JWKS_URL or BACKBONE_AUTH_JWKS_URL is {self.auth_jwks_url!r}: https only"
            )
        if self.kafka_security_protocol.upper() not in ("SSL", "SASL_SSL"):
            wrong.append(
                f"{prefix}_KAFKA_SECURITY_PROTOCOL or BACKBONE_KAFKA_SECURITY_PROTOCOL is "
                f"{self.kafka_security_protocol!r}: SSL or SASL_SSL"
            )
        if wrong:
            raise ValueError(f"{self.service_name} in environment '{self.environment}': " + "; ".join(wrong))

    def _refuse_default_secrets(self) -> None:
        if self.database_url is not None:  # the URL carries the password; the default one is not used
            uses_default = DEV_PASSWORD_SUFFIX in self.database_url
        else:
            password = self.database_password.get_secret_value() if self.database_password else ""
            uses_default = password.endswith(DEV_PASSWORD_SUFFIX)
        if uses_default:
            raise ValueError(
                f"{self.service_name}: the development database password may not be used in "
                f"environment '{self.environment}'; set {self.service_name.upper()}_DATABASE_PASSWORD "
                f"or {self.service_name.upper()}_DATABASE_URL"
            )

    @property
    def sqlalchemy_url(self) -> str:
        if self.database_url:
            return self.database_url.replace("postgresql://", "postgresql+asyncpg://", 1)
        assert self.database_password is not None
        from urllib.parse import quote

        return (
            f"postgresql+asyncpg://{quote(self.database_user or '')}:"
            f"{quote(self.database_password.get_secret_value())}@{self.postgres_host}:{self.postgres_port}/"
            f"{self.database_name}"
        )

    @property
    def migration_sqlalchemy_url(self) -> str:
        """Where migrations connect: as the tables' owner (a deployment that gives only the runtime's
        credentials migrates with those, which then must be allowed to create tables)."""
        if self.migration_url:
            return self.migration_url.replace("postgresql://", "postgresql+asyncpg://", 1)
        if self.migration_password is None:
            return self.sqlalchemy_url
        from urllib.parse import quote

        if self.environment not in (
            "development",
            "test",
        ) and self.migration_password.get_secret_value().endswith(DEV_PASSWORD_SUFFIX):
            raise ValueError(f"{self.service_name}: the development migration password may not be used here")
        return (
            f"postgresql+asyncpg://{quote(self.migration_user or '')}:"
            f"{quote(self.migration_password.get_secret_value())}@{self.postgres_host}:{self.postgres_port}/"
            f"{self.database_name}"
        )

    @property
    def asyncpg_dsn(self) -> str:
        return self.sqlalchemy_url.replace("postgresql+asyncpg://", "postgresql://", 1)

    def topic(self, logical_name: str) -> str:
        return f"{self.topic_prefix}{logical_name}"


SettingsT = TypeVar("SettingsT", bound=ServiceSettings)


def load_settings(service_name: str, **overrides: Any) -> ServiceSettings:
    """The settings of one service: `<SERVICE>_*` variables first, then `BACKBONE_*`, then defaults."""
    return load_settings_as(ServiceSettings, service_name, **overrides)


def load_settings_as(base: type[SettingsT], service_name: str, **overrides: Any) -> SettingsT:
    """The settings of one service: `<SERVICE>_*` variables first, then `BACKBONE_*`, then defaults."""
    prefix = f"{service_name.upper()}_"

    class _Settings(base):  # type: ignore[valid-type,misc]  # a subclass per prefix
        @classmethod
        def settings_customise_sources(
            cls,
            settings_cls: type[BaseSettings],
            init_settings: PydanticBaseSettingsSource,
            env_settings: PydanticBaseSettingsSource,
            dotenv_settings: PydanticBaseSettingsSource,
            file_secret_settings: PydanticBaseSettingsSource,
        ) -> tuple[PydanticBaseSettingsSource, ...]:
            return (
                init_settings,
                EnvSettingsSource(settings_cls, env_prefix=prefix, case_sensitive=False),
                EnvSettingsSource(settings_cls, env_prefix="BACKBONE_", case_sensitive=False),
            )

    defaults: dict[str, object] = {"http_port": DEFAULT_SERVICE_PORTS.get(service_name, 8000)}
    # Constructor kwargs beat the environment in pydantic-settings, so defaults go in only when unset.
    import os

    for key, value in defaults.items():
        if f"{prefix}{key.upper()}" in os.environ or f"BACKBONE_{key.upper()}" in os.environ:
            continue
        overrides.setdefault(key, value)
    return _Settings(service_name=service_name, **overrides)
