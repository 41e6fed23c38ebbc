"""Who may do what on the local Kafka: SCRAM users and ACLs for each service, the national feed and each
national subscriber, applied with Kafka's own admin tools (AclCommand, ConfigCommand) as the admin super user.

The broker refuses unauthenticated clients and denies whatever no ACL allows. A service writes its own topics
and reads the event topics; the national feed reads the event topics and writes the national ones; a national
subscriber reads its own topic only. Production clusters get the same grants from their platform team (see
`grants_for`), with credentials from a secret manager.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
import uuid
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from backbone.feed.checkpoints import CHECKPOINTS
from backbone.feed.subscribers import Subscriber
from backbone.registry import SERVICES, spec_of
from devstack.config import StackConfig
from devstack.process import log, run_checked
from devstack.tokens import safe_token

MECHANISM = "SCRAM-SHA-512"
PROTOCOL = "SASL_PLAINTEXT"  # loopback only; production uses SASL_SSL
ADMIN = "admin"
TOOLS_POM = Path(__file__).parent / "kafka-tools-pom.xml"


@dataclass(frozen=True)
class KafkaCredentials:
    username: str
    password: str
    mechanism: str = MECHANISM
    protocol: str = PROTOCOL

    def client_options(self) -> dict[str, Any]:
        """aiokafka's options for this identity."""
        return {
            "security_protocol": self.protocol,
            "sasl_mechanism": self.mechanism,
            "sasl_plain_username": self.username,
            "sasl_plain_password": self.password,
        }

    def env(self, prefix: str = "BACKBONE") -> dict[str, str]:
        """The settings variables (`<PREFIX>_KAFKA_*`) a process reads them from."""
        return {
            f"{prefix}_KAFKA_SECURITY_PROTOCOL": self.protocol,
            f"{prefix}_KAFKA_SASL_MECHANISM": self.mechanism,
            f"{prefix}_KAFKA_SASL_USERNAME": self.username,
            f"{prefix}_KAFKA_SASL_PASSWORD": self.password,
        }

    def java_properties(self) -> str:
        escaped = self.password.replace("\\", "\\\\").replace('"', '\\"')
        return "\n".join(
            [
                f"security.protocol={self.protocol}",
                f"sasl.mechanism={self.mechanism}",
                "sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required "
                f'username="{self.username}" password="{escaped}";',
                "",
            ]
        )


@dataclass(frozen=True)
class Acl:
    resource: str  # topic | group | transactional-id
    name: str
    operations: tuple[str, ...]
    prefixed: bool = False


@dataclass(frozen=True)
class Grant:
    user: str
    acls: tuple[Acl, ...] = field(default_factory=tuple)


def external_kafka_credentials() -> KafkaCredentials | None:
    """An external cluster's admin identity, from BACKBONE_KAFKA_SASL_* (None when it has no SASL)."""
    username, password = (
        os.environ.get("BACKBONE_KAFKA_SASL_USERNAME"),
        os.environ.get("BACKBONE_KAFKA_SASL_PASSWORD"),
    )
    if not username or not password:
        return None
    return KafkaCredentials(
        username,
        password,
        mechanism=os.environ.get("BACKBONE_KAFKA_SASL_MECHANISM", MECHANISM),
        protocol=os.environ.get("BACKBONE_KAFKA_SECURITY_PROTOCOL", "SASL_SSL"),
    )


def service_user(service: str) -> str:
    return f"svc-{service}"


def subscriber_user(subscriber_id: str) -> str:
    return f"national-{subscriber_id}"


FEED_USER = "feed"
CONSOLE_USER = "console"
"""The web console: reads the partners' and the incidents' events only, as signals to refresh open pages
(console/live.py)."""
PROVISIONED_AT_FORMAT = (ADMIN, FEED_USER, *(service_user(s) for s in SERVICES))
"""Users whose SCRAM credentials the broker's storage is formatted with (no admin call needed for them)."""


def grants_for(*, topic_prefix: str = "", subscribers: Iterable[Subscriber] = ()) -> list[Grant]:
    """The whole ACL policy (deny by default on the broker)."""
    from contracts.topics import EVENT_TOPICS

    event_topics = tuple(f"{topic_prefix}{spec.name}" for spec in EVENT_TOPICS)
    read_events = tuple(Acl("topic", name, ("Read", "Describe")) for name in event_topics)
    grants = [
        Grant(
            service_user(service),
            (
                Acl("topic", f"{topic_prefix}{service}.events.v1", ("Write", "Describe")),
                Acl("topic", f"{topic_prefix}{service}.deadletter.v1", ("Write", "Describe")),
                # Anchors: appended and read back by `backbone.audit`, never deleted (no Delete right).
                Acl("topic", f"{topic_prefix}{service}.audit-anchors.v1", ("Write", "Read", "Describe")),
                *read_events,
                *(
                    # What national systems report: read only by the services that act on it.
                    [Acl("topic", f"{topic_prefix}inbound.", ("Read", "Describe"), prefixed=True)]
                    if spec_of(service).consumes_national_inbound
                    else []
                ),
                Acl("group", f"{topic_prefix}{service}", ("Read", "Describe"), prefixed=True),
                Acl("group", service, ("Read", "Describe"), prefixed=True),
            ),
        )
        for service in SERVICES
    ]
    grants.append(
        Grant(
            FEED_USER,
            (
                *read_events,
                Acl("topic", f"{topic_prefix}national.", ("Write", "Describe", "Create"), prefixed=True),
                # Its checkpoints: written in its transactions, read back when it starts.
                Acl("topic", CHECKPOINTS.qualified(topic_prefix), ("Write", "Read", "Describe", "Create")),
                Acl("group", f"{topic_prefix}feed", ("Read", "Describe"), prefixed=True),
                Acl("transactional-id", f"{topic_prefix}national-feed", ("Write", "Describe"), prefixed=True),
            ),
        )
    )
    grants.append(
        Grant(
            CONSOLE_USER,
            tuple(
                Acl("topic", f"{topic_prefix}{name}", ("Read", "Describe"))
                for name in ("partners.events.v1", "incidents.events.v1")
            ),
        )
    )
    for subscriber in subscribers:
        grants.append(subscriber_grant(subscriber, topic_prefix=topic_prefix))
    return grants


def subscriber_grant(subscriber: Subscriber, *, topic_prefix: str = "") -> Grant:
    return Grant(
        subscriber_user(subscriber.id),
        (
            Acl("topic", f"{topic_prefix}{subscriber.topic}", ("Read", "Describe")),
            # Its own inbound topic only: the country in that topic's name is the one the registry gave the id.
            Acl("topic", f"{topic_prefix}{subscriber.inbound_topic}", ("Write", "Describe")),
            # The dot ends the id (ids have none), so `national.fr.` never matches `national.fr-ncu.`'s groups.
            Acl("group", f"national.{subscriber.id}.", ("Read", "Describe"), prefixed=True),
        ),
    )


class KafkaSecurity:
    """Users (passwords kept in the state folder, 0600) and ACLs on the local broker."""

    def __init__(self, config: StackConfig) -> None:
        self.config = config

    @property
    def root(self) -> Path:
        return self.config.state_dir / "kafka" / "security"

    def password(self, user: str) -> str:
        path = self.root / f"{user}.password"
        if not path.exists():
            # Linked into place, never overwritten: two processes (parallel test workers) asking for the same new
            # user at once must end up with one password, not each with its own.
            path.parent.mkdir(parents=True, exist_ok=True)
            draft = path.with_name(f".{path.name}.{uuid.uuid4().hex}")
            draft.write_text(safe_token(24) + "\n")
            draft.chmod(0o600)
            with contextlib.suppress(FileExistsError):
                os.link(draft, path)
            draft.unlink()
        return path.read_text().strip()

    def cluster_id(self) -> str:
        meta = self.config.state_dir / "kafka" / "data" / "meta.properties"
        for line in meta.read_text().splitlines() if meta.exists() else ():
            if line.startswith("cluster.id="):
                return line.removeprefix("cluster.id=").strip()
        return "unformatted"

    def credentials(self, user: str) -> KafkaCredentials:
        return KafkaCredentials(user, self.password(user))

    def admin(self) -> KafkaCredentials:
        return self.credentials(ADMIN)

    def apply(self, grants: Iterable[Grant]) -> None:
        """Create the users that are missing and add their ACLs (both idempotent; skipped when unchanged). Each
        grant's tool runs are JVM starts: two grants at a time keep both cores busy."""
        self.admin()  # shared by every tool run: its password exists before the threads read it
        self._tools()  # fetched once, not by two threads at a time
        with ThreadPoolExecutor(max_workers=2) as pool:
            for done in [pool.submit(self._apply_one, grant) for grant in grants]:
                done.result()

    def _apply_one(self, grant: Grant) -> None:
        digest = hashlib.sha256(
            json.dumps([grant.user, [a.__dict__ for a in grant.acls]], sort_keys=True).encode()
        ).hexdigest()[:16]
        # Per cluster id: a freshly formatted broker gets everything again.
        marker = self.root / f"granted-{self.cluster_id()}" / f"{grant.user}-{digest}"
        if marker.exists():
            return
        if grant.user not in PROVISIONED_AT_FORMAT:
            self._scram_user(grant.user)
        batches: dict[tuple[str, bool, tuple[str, ...]], list[str]] = {}
        for acl in grant.acls:
            batches.setdefault((acl.resource, acl.prefixed, acl.operations), []).append(acl.name)
        for (resource, prefixed, operations), names in batches.items():
            self._acls(grant.user, resource, names, operations, prefixed=prefixed)
        marker.parent.mkdir(parents=True, exist_ok=True)
        marker.write_text("")
        log(f"kafka: user {grant.user} and its {len(grant.acls)} ACLs in place")

    def _tools(self) -> Path:
        from devstack.kafka import fetch_maven_dependencies

        tools = self.config.state_dir / "kafka" / "tools"
        fetch_maven_dependencies(TOOLS_POM, tools, cache_dir=self.config.cache_dir / "m2", what="Kafka tools")
        return tools

    def _tool(self, main_class: str, *args: str) -> None:
        from devstack.kafka import LocalKafka, _java

        kafka = LocalKafka(self.config)
        tools = self._tools()
        with tempfile.NamedTemporaryFile("w", suffix=".properties", dir=self.root) as props:
            props.write(self.admin().java_properties())
            props.flush()
            run_checked(
                [
                    _java(),
                    "-Xms64m",
                    "-Xmx256m",
                    "-XX:TieredStopAtLevel=1",  # a short-lived tool: start fast rather than run fast
                    f"-Dlog4j2.configurationFile={kafka.root / 'log4j2.properties'}",
                    "-cp",
                    f"{kafka.libs / '*'}:{tools / '*'}",
                    main_class,
                    "--bootstrap-server",
                    self.config.kafka_bootstrap,
                    "--command-config",
                    props.name,
                    *args,
                ],
                what=f"kafka {main_class.rsplit('.', 1)[-1]}",
            )

    def _scram_user(self, user: str) -> None:
        self._tool(
            "kafka.admin.ConfigCommand",
            "--alter",
            "--entity-type",
            "users",
            "--entity-name",
            user,
            "--add-config",
            f"{MECHANISM}=[iterations=4096,password={self.password(user)}]",
        )

    def _acls(
        self, user: str, resource: str, names: list[str], operations: tuple[str, ...], *, prefixed: bool
    ) -> None:
        """One AclCommand run (a JVM start, the slow part) for every resource sharing the same rights."""
        flag = {"topic": "--topic", "group": "--group", "transactional-id": "--transactional-id"}[resource]
        self._tool(
            "org.apache.kafka.tools.AclCommand",
            "--add",
            "--allow-principal",
            f"User:{user}",
            *[arg for op in operations for arg in ("--operation", op)],
            *[arg for name in names for arg in (flag, name)],
            "--resource-pattern-type",
            "prefixed" if prefixed else "literal",
        )
