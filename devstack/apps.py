"""The project's own processes in the local stack: APIs, relays, consumers and the Temporal worker."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

import httpx

from backbone.auth.http import WORKFLOWS_SCOPE
from backbone.issuer.keys import KeyStore
from backbone.registry import REGISTRY
from devstack.config import REPO_ROOT, StackConfig
from devstack.infra import Endpoints
from devstack.kafka_security import CONSOLE_USER, FEED_USER, KafkaSecurity, service_user
from devstack.process import read_pid, spawn, stop_from_pid_file, wait_until

RELAY_METRICS_BASE_PORT = 9101
FEED_METRICS_PORT = 9110


@dataclass(frozen=True)
class AppProcess:
    name: str
    argv: tuple[str, ...]
    env: dict[str, str]
    ready_url: str | None = None


WORKER_CLIENT = "backbone-worker"


def worker_secret(config: StackConfig) -> str:
    """The worker's client secret at the local issuer: made once, kept in the state folder."""
    path = config.state_dir / "issuer" / "worker.secret"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        secret = KeyStore(path.parent).register_client(WORKER_CLIENT, [WORKFLOWS_SCOPE])
        path.write_text(secret)
        path.chmod(0o600)
    return path.read_text().strip()


def app_processes(config: StackConfig, endpoints: Endpoints) -> list[AppProcess]:
    python = sys.executable
    base_env = {
        **os.environ,
        **endpoints.service_env(),
        "PYTHONUNBUFFERED": "1",
        "BACKBONE_AUTH_ISSUER": os.environ.get("BACKBONE_AUTH_ISSUER", config.issuer_url),
    }
    processes: list[AppProcess] = [
        AppProcess(
            "token-issuer",
            (python, "-m", "backbone.issuer", "serve"),
            base_env,
            ready_url=f"{config.issuer_url}/jwks.json",
        )
    ]
    local_kafka = config.external_kafka_bootstrap is None
    security = KafkaSecurity(config)

    def kafka_user(user: str, prefix: str) -> dict[str, str]:
        """Locally each process is its own Kafka user, confined by ACLs (kafka_security.grants_for)."""
        return security.credentials(user).env(prefix) if local_kafka else {}

    for index, spec in enumerate(REGISTRY):
        service = spec.name
        port = config.service_ports[service]
        env = {
            **base_env,
            **kafka_user(service_user(service), service.upper()),
            f"{service.upper()}_HTTP_PORT": str(port),
            f"{service.upper()}_HTTP_HOST": config.host,
        }
        processes.append(
            AppProcess(
                f"{service}-api",
                (python, "-m", "backbone.serve", service, "api"),
                env,
                ready_url=f"http://{config.host}:{port}/readyz",
            )
        )
        relay_env = {**env, f"{service.upper()}_RELAY_METRICS_PORT": str(RELAY_METRICS_BASE_PORT + index)}
        processes.append(
            AppProcess(f"{service}-relay", (python, "-m", "backbone.serve", service, "relay"), relay_env)
        )
        if spec.handlers() is not None:
            processes.append(
                AppProcess(f"{service}-consumer", (python, "-m", "backbone.serve", service, "consumer"), env)
            )
    worker_env = {
        **base_env,
        **{
            f"WORKER_{name.upper()}_URL": f"http://{config.host}:{port}"
            for name, port in config.service_ports.items()
        },
        "WORKER_AUTH_CLIENT_ID": WORKER_CLIENT,
        "WORKER_AUTH_CLIENT_SECRET": worker_secret(config),
    }
    processes.append(AppProcess("temporal-worker", (python, "-m", "workflows.worker"), worker_env))
    # National systems' streams: registered with `python -m backbone.feed subscribe` (kept in the state folder).
    feed_env = {**base_env, **kafka_user(FEED_USER, "FEED"), "FEED_METRICS_PORT": str(FEED_METRICS_PORT)}
    processes.append(AppProcess("national-feed", (python, "-m", "backbone.feed", "run"), feed_env))
    console_env = {
        **base_env,
        **kafka_user(CONSOLE_USER, "CONSOLE"),
        "CONSOLE_HTTP_HOST": config.host,
        "CONSOLE_HTTP_PORT": str(config.console_port),
        "CONSOLE_PUBLIC_URL": config.console_url,
        **{
            f"CONSOLE_{name.upper()}_URL": f"http://{config.host}:{port}"
            for name, port in config.service_ports.items()
        },
    }
    processes.append(
        AppProcess(
            "console", (python, "-m", "console"), console_env, ready_url=f"{config.console_url}/readyz"
        )
    )
    return processes


CONSOLE_CLIENT = "backbone-console"


def register_console(config: StackConfig) -> None:
    """The console as a public client of the local issuer (sign-in with PKCE, back to its own URL only)."""
    KeyStore(config.state_dir / "issuer").register_public_client(
        CONSOLE_CLIENT,
        [f"{config.console_url}/auth/callback"],
        post_logout_redirect_uris=[f"{config.console_url}/"],
    )


def pid_file(config: StackConfig, name: str) -> Path:
    return config.run_dir / f"{name}.pid"


def start_apps(config: StackConfig, endpoints: Endpoints) -> list[str]:
    """Start the processes that are not running yet; wait until every API reports ready."""
    started = []
    register_console(config)  # before the issuer serves a sign-in for it; not on every liveness check
    processes = app_processes(config, endpoints)
    for proc in processes:
        if read_pid(pid_file(config, proc.name)) is not None:
            continue
        spawn(
            proc.name,
            proc.argv,
            pid_file=pid_file(config, proc.name),
            log_file=config.logs_dir / f"{proc.name}.log",
            env=proc.env,
            cwd=REPO_ROOT,
        )
        started.append(proc.name)
    for proc in processes:
        if proc.ready_url is None:
            continue
        url = proc.ready_url
        wait_until(
            lambda url=url: _ready(url),  # type: ignore[misc]
            what=proc.name,
            timeout=90,
            alive=lambda name=proc.name: read_pid(pid_file(config, name)) is not None,  # type: ignore[misc]
            log_file=config.logs_dir / f"{proc.name}.log",
        )
    return started


def _ready(url: str) -> bool:
    try:
        return httpx.get(url, timeout=5).status_code == 200
    except httpx.HTTPError:
        return False


def stop_apps(config: StackConfig) -> None:
    if not config.run_dir.exists():
        return
    for path in sorted(config.run_dir.glob("*.pid")):
        name = path.stem
        if name in ("kafka", "temporal", "supervisor"):
            continue
        stop_from_pid_file(path, name=name, timeout=15)


def dead_apps(config: StackConfig, endpoints: Endpoints) -> list[str]:
    return [p.name for p in app_processes(config, endpoints) if read_pid(pid_file(config, p.name)) is None]
