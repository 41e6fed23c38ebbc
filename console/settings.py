"""The console's settings (`CONSOLE_*`, then `BACKBONE_*`): where the identity provider and the APIs are, its own
public URL, the session key and, for live pages, the Kafka topic of the partners' events."""

from __future__ import annotations

import base64
import os
from pathlib import Path

from cryptography.fernet import Fernet
from pydantic import Field, SecretStr

from backbone.registry import DEFAULT_SERVICE_PORTS
from backbone.settings import ServiceSettings, load_settings_as, local_state_dir

CONSOLE_PORT = 8010


def _service_url(name: str) -> str:
    return f"http://127.0.0.1:{DEFAULT_SERVICE_PORTS[name]}"


class ConsoleSettings(ServiceSettings):
    uses_database: bool = False
    http_port: int = CONSOLE_PORT
    public_url: str = f"http://127.0.0.1:{CONSOLE_PORT}"
    """Where browsers reach the console: its OpenID redirect URI is `<public_url>/auth/callback`."""
    client_id: str = "backbone-console"
    """The console's client at the identity provider (a public client: PKCE, no secret)."""
    issuer_public_url: str | None = None
    """Where browsers reach the identity provider, when it differs from `auth_issuer` (what the console itself
    calls): a cluster-internal name for the token exchange, a public one for the sign-in redirect."""
    session_key: SecretStr | None = None
    """A Fernet key (32 url-safe base64 bytes) sealing the session cookie; a mounted secret outside development
    (several replicas must share it). In development and test one is made and kept in the state folder."""
    session_key_file: str | None = None
    partners_url: str = Field(default_factory=lambda: _service_url("partners"))
    training_url: str = Field(default_factory=lambda: _service_url("training"))
    incidents_url: str = Field(default_factory=lambda: _service_url("incidents"))
    assessment_url: str = Field(default_factory=lambda: _service_url("assessment"))
    finance_url: str = Field(default_factory=lambda: _service_url("finance"))
    live_updates: bool = True
    """Follow the partners' events on Kafka to push tallies to open pages (server-sent events)."""
    api_timeout_seconds: float = Field(default=15.0, gt=0)

    @property
    def secure_cookies(self) -> bool:
        return self.environment not in ("development", "test") or self.public_url.startswith("https://")

    @property
    def redirect_uri(self) -> str:
        return f"{self.public_url.rstrip('/')}/auth/callback"

    @property
    def after_logout_uri(self) -> str:
        return f"{self.public_url.rstrip('/')}/"

    def sealing_key(self) -> Fernet:
        if self.session_key is not None:
            return Fernet(self.session_key.get_secret_value().encode())
        if self.session_key_file:
            return Fernet(Path(self.session_key_file).read_bytes().strip())
        if self.environment not in ("development", "test"):
            raise ValueError(
                "console: CONSOLE_SESSION_KEY or CONSOLE_SESSION_KEY_FILE is required outside development "
                "(every replica must seal sessions with the same key)"
            )
        path = local_state_dir() / "console" / "session.key"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(base64.urlsafe_b64encode(os.urandom(32)))
            path.chmod(0o600)
        return Fernet(path.read_bytes().strip())


def console_settings(**overrides: object) -> ConsoleSettings:
    if not any(f"{prefix}_HTTP_PORT" in os.environ for prefix in ("CONSOLE", "BACKBONE")):
        overrides.setdefault("http_port", CONSOLE_PORT)
    return load_settings_as(ConsoleSettings, "console", **overrides)
