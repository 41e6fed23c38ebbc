"""Helpers for tests that use the real PostgreSQL, Kafka and Temporal: isolated deployments per test."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from sqlalchemy.ext.asyncio import AsyncSession

from backbone.auth.http import WORKFLOWS_SCOPE
from backbone.consumer import Handler
from backbone.db import SYSTEM_TENANT, TENANT
from backbone.issuer.keys import KeyStore, client_claims, user_claims
from backbone.issuer.server import build_issuer_app
from backbone.kafka import ensure_topics
from backbone.migrations import upgrade_async
from backbone.registry import ALL_AUDIENCES
from backbone.settings import DEV_PASSWORD_SUFFIX, ServiceSettings, load_settings
from contracts.envelope import Event, KafkaRecord, decode, encode
from contracts.events.partners import PartnershipMemberV1, PartnershipRegisteredV1
from contracts.topics import TOPICS
from devstack.config import REPO_ROOT
from devstack.infra import Endpoints
from devstack.postgres import drop_database, provision_database


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


WORKER_CLIENT = "backbone-worker"
WORKER_SECRET = "worker-test-secret"


class TestIssuer:
    """The development issuer, served from a thread for the test session: real keys, JWKS and token endpoint."""

    __test__ = False  # not a test class, despite its name

    def __init__(self, folder: Path) -> None:
        self.store = KeyStore(folder)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.audience = list(ALL_AUDIENCES)
        """Every service's: a person's token as a console holds it, and the worker's."""
        self.store.register_client(WORKER_CLIENT, [WORKFLOWS_SCOPE], secret=WORKER_SECRET)
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        app = build_issuer_app(self.store, issuer=self.url, audience=self.audience)
        self._server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning")
        )
        self._thread = threading.Thread(target=self._server.run, daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 20
        while not self._server.started:
            if time.monotonic() > deadline:
                raise TimeoutError("the test issuer did not start")
            time.sleep(0.05)

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)

    def token(
        self,
        *roles: str,
        country: str = "FR",
        agency: str | None = None,
        subject: str | None = None,
        **claims: Any,
    ) -> str:
        body = user_claims(
            issuer=self.url,
            audience=self.audience,
            subject=subject or f"{'+'.join(roles)}@{country}",
            roles=list(roles),
            country=country,
            agency=agency,
        )
        return self.store.sign({**body, **claims})

    def headers(self, *roles: str, country: str = "FR", agency: str | None = None) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(*roles, country=country, agency=agency)}"}

    def workflow_headers(self) -> dict[str, str]:
        """What the Temporal worker sends: a client-credentials token with the workflows scope."""
        claims = client_claims(
            issuer=self.url, audience=self.audience, client_id=WORKER_CLIENT, scopes=[WORKFLOWS_SCOPE]
        )
        return {"Authorization": f"Bearer {self.store.sign(claims)}"}

    def settings(self) -> dict[str, Any]:
        return {
            "auth_issuer": self.url,
            "auth_jwks_url": f"{self.url}/jwks.json",
            "auth_client_id": WORKER_CLIENT,
            "auth_client_secret": WORKER_SECRET,
        }


@dataclass
class Deployment:
    """One test's private world: its own databases, topic prefix, consumer groups and task queue."""

    endpoints: Endpoints
    issuer: TestIssuer | None = None
    """Where tokens come from; without one (the relay benchmark), services keep their default auth settings."""
    prefix: str = field(default_factory=lambda: f"t{uuid.uuid4().hex[:10]}")
    databases: list[str] = field(default_factory=list)

    @property
    def topic_prefix(self) -> str:
        return f"{self.prefix}."

    @property
    def task_queue(self) -> str:
        return f"tq-{self.prefix}"

    def database(self, service: str) -> str:
        return f"{self.prefix}_{service}"

    def topic(self, logical: str) -> str:
        return f"{self.topic_prefix}{logical}"

    def overrides(self, service: str) -> dict[str, Any]:
        return {
            "environment": "test",
            "database_name": self.database(service),
            "postgres_host": self.endpoints.postgres_host,
            "postgres_port": self.endpoints.postgres_port,
            **self.kafka_settings(),
            "temporal_address": self.endpoints.temporal_address,
            "temporal_task_queue": self.task_queue,
            "topic_prefix": self.topic_prefix,
            "relay_fallback_poll_seconds": 1.0,
            "consumer_retry_initial_seconds": 0.05,
            "consumer_retry_max_seconds": 0.2,
            "consumer_topic_discovery_seconds": 1.0,
            **(self.issuer.settings() if self.issuer else {}),
        }

    def kafka_settings(self) -> dict[str, Any]:
        """Where Kafka is and who the test's processes are on it (the admin user; ACL tests make their own)."""
        settings: dict[str, Any] = {"kafka_bootstrap": self.endpoints.kafka_bootstrap}
        admin = self.endpoints.kafka_admin
        if admin is not None:
            settings.update(
                kafka_security_protocol=admin.protocol,
                kafka_sasl_mechanism=admin.mechanism,
                kafka_sasl_username=admin.username,
                kafka_sasl_password=admin.password,
            )
        return settings

    def user_headers(self) -> dict[str, str]:
        """A signed-in partner's token (authorisation by role and tenant is not enforced yet)."""
        assert self.issuer is not None, "this deployment has no issuer"
        return self.issuer.headers("national_coordinator", country="FR")

    def national_headers(self, country: str) -> dict[str, str]:
        """`country`'s national coordinator: registers its agencies, appoints its delegates, signs its pledges."""
        assert self.issuer is not None, "this deployment has no issuer"
        return self.issuer.headers("national_coordinator", country=country)

    def operator_headers(self, country: str = "FR") -> dict[str, str]:
        """A country's operations staff (the operators' views, endorsements)."""
        assert self.issuer is not None, "this deployment has no issuer"
        return self.issuer.headers("operations_staff", country=country)

    def settings(self, service: str, **extra: Any) -> ServiceSettings:
        return load_settings(service, **{**self.overrides(service), **extra})

    def env(self, service: str, **extra: Any) -> dict[str, str]:
        """Environment for a subprocess of `service` that lives in this deployment."""
        values = {**self.overrides(service), **extra}
        env = {k: v for k, v in os.environ.items() if not k.startswith(("BACKBONE_CRASH_AT",))}
        env.update({f"{service.upper()}_{k.upper()}": str(v) for k, v in values.items()})
        env["PYTHONUNBUFFERED"] = "1"
        return env

    async def create(self, *services: str, revision: str = "heads") -> None:
        """Each service's database provisioned and migrated (to `revision`: a migration's test stops before it)."""
        for service in services:
            await provision_database(
                self.endpoints.postgres_admin_url,
                database=self.database(service),
                role=service,
                password=f"{service}{DEV_PASSWORD_SUFFIX}",
                app_role=f"{service}_app",
                app_password=f"{service}_app{DEV_PASSWORD_SUFFIX}",
            )
            self.databases.append(self.database(service))
            await upgrade_async(self.settings(service), revision)
        await ensure_topics(
            self.endpoints.kafka_bootstrap,
            TOPICS,
            prefix=self.topic_prefix,
            extra_options=self.endpoints.kafka_security(),
        )

    async def destroy(self) -> None:
        for database in self.databases:
            with contextlib.suppress(Exception):
                await drop_database(self.endpoints.postgres_admin_url, database=database)
        admin = AIOKafkaAdminClient(**self.endpoints.kafka_options())
        await admin.start()
        try:
            mine = [t for t in await admin.list_topics() if t.startswith(self.topic_prefix)]
            if mine:
                with contextlib.suppress(Exception):
                    await admin.delete_topics(mine)
        finally:
            await admin.close()


class ServiceProcess:
    """A real process of the backbone (`python -m backbone.serve ...` or the worker), for fault tests."""

    def __init__(self, name: str, argv: list[str], env: dict[str, str], log_dir: Path) -> None:
        self.name, self.argv, self.env = name, argv, env
        self.log_path = log_dir / f"{name}-{uuid.uuid4().hex[:6]}.log"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, **extra_env: str) -> ServiceProcess:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log_path, "ab") as out:
            self.proc = subprocess.Popen(
                self.argv,
                env={**self.env, **extra_env},
                stdout=out,
                stderr=subprocess.STDOUT,
                cwd=REPO_ROOT,
                start_new_session=True,
            )
        return self

    @property
    def returncode(self) -> int | None:
        return None if self.proc is None else self.proc.poll()

    async def wait_exit(self, timeout: float) -> int:
        deadline = time.monotonic() + timeout
        while self.returncode is None:
            if time.monotonic() > deadline:
                raise TimeoutError(f"{self.name} still running after {timeout}s\n{self.log_tail()}")
            await asyncio.sleep(0.1)
        return int(self.returncode)

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=5)

    def log_tail(self, lines: int = 40) -> str:
        if not self.log_path.exists():
            return ""
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])


def serve_process(
    deployment: Deployment, service: str, role: str, log_dir: Path, **extra: Any
) -> ServiceProcess:
    return ServiceProcess(
        f"{service}-{role}",
        [sys.executable, "-m", "backbone.serve", service, role],
        deployment.env(service, **extra),
        log_dir,
    )


async def wait_http_ok(url: str, timeout: float = 60, process: ServiceProcess | None = None) -> None:
    deadline = time.monotonic() + timeout
    async with httpx.AsyncClient() as client:
        while True:
            with contextlib.suppress(httpx.HTTPError):
                if (await client.get(url, timeout=5)).status_code == 200:
                    return
            if process is not None and process.returncode is not None:
                raise RuntimeError(f"{process.name} exited ({process.returncode})\n{process.log_tail()}")
            if time.monotonic() > deadline:
                raise TimeoutError(f"{url} not ready" + (f"\n{process.log_tail()}" if process else ""))
            await asyncio.sleep(0.2)


async def eventually(
    check: Callable[[], Any], *, timeout: float = 30, interval: float = 0.2, what: str = "condition"
) -> Any:
    """Await `check()` (sync or async) until it returns something truthy."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while True:
        result = check()
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return result
        last = result
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} did not hold within {timeout}s (last: {last!r})")
        await asyncio.sleep(interval)


async def read_topic(
    endpoints: Endpoints,
    topic: str,
    *,
    until: Callable[[list[ConsumerRecord[bytes, bytes]]], bool],
    timeout: float = 30,
    isolation_level: str = "read_uncommitted",
) -> list[ConsumerRecord[bytes, bytes]]:
    """Every record of `topic` from the beginning, until `until(records)` holds."""
    consumer = AIOKafkaConsumer(
        **endpoints.kafka_options(), enable_auto_commit=False, group_id=None, isolation_level=isolation_level
    )
    await consumer.start()
    records: list[ConsumerRecord[bytes, bytes]] = []
    try:
        deadline = time.monotonic() + 10
        while True:
            cluster = await consumer._client.fetch_all_metadata()
            partitions = cluster.partitions_for_topic(topic) or set()
            if partitions:
                break
            if time.monotonic() > deadline:
                raise TimeoutError(f"topic {topic} not found")
            await asyncio.sleep(0.2)
        tps = [TopicPartition(topic, p) for p in sorted(partitions)]
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        end = time.monotonic() + timeout
        while not until(records):
            if time.monotonic() > end:
                raise TimeoutError(f"{topic}: condition not met; {len(records)} records read")
            batch = await consumer.getmany(timeout_ms=300)
            for tp_records in batch.values():
                records.extend(tp_records)
        return records
    finally:
        await consumer.stop()


def header(record: ConsumerRecord[bytes, bytes], name: str) -> str | None:
    for key, value in record.headers or ():
        if key == name:
            return bytes(value).decode()
    return None


def acting(
    client: httpx.AsyncClient,
    *roles: str,
    country: str,
    agency: str | None = None,
    subject: str | None = None,
) -> dict[str, str]:
    """Headers to call as a person of `country` with `roles` (the in-process `api` client's deployment)."""
    issuer: TestIssuer = client.deployment.issuer  # type: ignore[attr-defined]
    return {
        "Authorization": f"Bearer {issuer.token(*roles, country=country, agency=agency, subject=subject)}"
    }


def ncu(client: httpx.AsyncClient, country: str) -> dict[str, str]:
    """Headers of `country`'s national coordinator: registers its agencies, signs its commitments."""
    return acting(client, "national_coordinator", country=country.upper())


@contextlib.asynccontextmanager
async def as_platform(api: httpx.AsyncClient) -> AsyncIterator[AsyncSession]:
    """A session of the service's own work (every partnership), as its consumer and commands have."""
    token = TENANT.set(SYSTEM_TENANT)
    try:
        async with api.app.state.runtime.sessions() as session:  # type: ignore[attr-defined]
            yield session
    finally:
        TENANT.reset(token)


async def run_handler(api: httpx.AsyncClient, handlers: Mapping[str, Handler], record: KafkaRecord) -> None:
    """Run the consumer's handler of `record` in one transaction, for the platform (not for a request's
    country), as the service's consumer does without Kafka (the Kafka path is tested in the consumer and e2e
    tests)."""
    envelope = decode(record.headers, record.key, record.value)
    async with as_platform(api) as session, session.begin():
        await handlers[envelope.type](session, envelope)


@contextlib.asynccontextmanager
async def service_client(
    deployment: Deployment,
    service: str,
    build_app: Callable[[ServiceSettings], Any],
    *,
    headers: dict[str, str] | None = None,
    **settings: Any,
) -> AsyncIterator[httpx.AsyncClient]:
    """The service's app in process (its settings overridden by `settings`), on the deployment's freshly
    migrated database; `headers` go with every request."""
    await deployment.create(service)
    app = build_app(deployment.settings(service, **settings))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(
            transport=transport, base_url=f"http://{service}", headers=headers
        ) as client:
            client.app = app  # type: ignore[attr-defined]
            client.deployment = deployment  # type: ignore[attr-defined]
            yield client


async def publish(deployment: Deployment, event: Event, *, source: str, key: str) -> None:
    """As the producing service's relay would: the event's record on its topic."""
    record = encode(event, source=source, key=key)
    producer = AIOKafkaProducer(**deployment.endpoints.kafka_options(), acks="all")
    await producer.start()
    try:
        await producer.send_and_wait(
            deployment.topic(event.topic), value=record.value, key=record.key, headers=record.headers
        )
    finally:
        await producer.stop()


def partnership_registered(partnership_id: str) -> PartnershipRegisteredV1:
    """FR leads, SN hosts, BR is a member: the partnership a service learns from partners' event."""
    members = [
        PartnershipMemberV1(agency_id=str(uuid.uuid4()), country_code=country, role=role)
        for country, role in (("FR", "lead"), ("SN", "host"), ("BR", "member"))
    ]
    return PartnershipRegisteredV1(
        partnership_id=partnership_id,
        name="Atlantic cyber forensics",
        phase="co_design",
        agreement_kind="mou",
        agreement_reference="MOU-1",
        agreement_starts_on=date(2026, 1, 1),
        agreement_ends_on=date(2030, 1, 1),
        members=members,
        registered_at=datetime.now(UTC),
    )
