"""Where the local stack keeps its state and which ports it uses; all overridable by environment."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from backbone.registry import DEFAULT_SERVICE_PORTS
from backbone.settings import REPO_ROOT as REPO_ROOT
from backbone.settings import local_state_dir


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


@dataclass(frozen=True)
class StackConfig:
    state_dir: Path
    host: str
    postgres_port: int
    kafka_port: int
    kafka_controller_port: int
    temporal_port: int
    temporal_ui_port: int
    issuer_port: int = 8009
    console_port: int = 8010
    kafka_tls_port: int = 9094
    """The local broker's SASL_SSL listener, as production's (the CA is in the state folder)."""
    service_ports: dict[str, int] = field(default_factory=dict)
    kafka_proxied: tuple[int, int] | None = None
    """(port, advertised port): one more SASL_PLAINTEXT listener, which tells clients to reach it at the
    advertised port, where a proxy listens (the chaos harness puts its faults there)."""
    # Set when the component is provided from outside; the runner then leaves it alone.
    external_postgres_admin_url: str | None = None
    external_kafka_bootstrap: str | None = None
    external_temporal_address: str | None = None

    @classmethod
    def from_env(cls) -> StackConfig:
        state = local_state_dir()
        return cls(
            state_dir=state,
            host=os.environ.get("BACKBONE_HOST", "127.0.0.1"),
            postgres_port=_env_int("BACKBONE_POSTGRES_PORT", 5433),
            kafka_port=_env_int("BACKBONE_KAFKA_PORT", 9092),
            kafka_controller_port=_env_int("BACKBONE_KAFKA_CONTROLLER_PORT", 9093),
            temporal_port=_env_int("BACKBONE_TEMPORAL_PORT", 7233),
            temporal_ui_port=_env_int("BACKBONE_TEMPORAL_UI_PORT", 8233),
            issuer_port=_env_int("BACKBONE_ISSUER_PORT", 8009),
            console_port=_env_int("CONSOLE_HTTP_PORT", 8010),
            kafka_tls_port=_env_int("BACKBONE_KAFKA_TLS_PORT", 9094),
            service_ports={
                name: _env_int(f"{name.upper()}_HTTP_PORT", port)
                for name, port in DEFAULT_SERVICE_PORTS.items()
            },
            external_postgres_admin_url=os.environ.get("BACKBONE_POSTGRES_ADMIN_URL") or None,
            external_kafka_bootstrap=os.environ.get("BACKBONE_KAFKA_BOOTSTRAP") or None,
            external_temporal_address=os.environ.get("BACKBONE_TEMPORAL_ADDRESS") or None,
        )

    @property
    def cache_dir(self) -> Path:
        return self.state_dir / "cache"

    @property
    def logs_dir(self) -> Path:
        return self.state_dir / "logs"

    @property
    def run_dir(self) -> Path:
        return self.state_dir / "run"

    @property
    def issuer_url(self) -> str:
        return f"http://{self.host}:{self.issuer_port}"

    @property
    def console_url(self) -> str:
        return f"http://{self.host}:{self.console_port}"

    @property
    def kafka_bootstrap(self) -> str:
        return self.external_kafka_bootstrap or f"{self.host}:{self.kafka_port}"

    @property
    def temporal_address(self) -> str:
        return self.external_temporal_address or f"{self.host}:{self.temporal_port}"
