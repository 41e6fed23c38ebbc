"""An Apache Kafka 4 broker in KRaft combined mode, from Maven Central jars, run with the machine's Java."""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from devstack.config import StackConfig
from devstack.kafka_security import MECHANISM, PROVISIONED_AT_FORMAT, KafkaSecurity
from devstack.process import (
    file_lock,
    log,
    port_open,
    read_pid,
    run_checked,
    spawn,
    stop_from_pid_file,
    wait_until,
)
from devstack.tls import TlsFiles, ensure_certificates
from devstack.tokens import safe_token

POM = Path(__file__).parent / "kafka-pom.xml"

LOG4J2_CONFIG = """\
status = warn
appender.file.type = File
appender.file.name = file
appender.file.fileName = {log_file}
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = info
rootLogger.appenderRef.file.ref = file
logger.kafka.name = kafka
logger.kafka.level = warn
logger.apache.name = org.apache.kafka
logger.apache.level = warn
logger.state.name = state.change.logger
logger.state.level = warn
"""


def fetch_maven_dependencies(pom: Path, target: Path, *, cache_dir: Path, what: str) -> None:
    """`mvn dependency:copy-dependencies` into `target`, redone only when the pom changes. Parallel test workers
    may ask at once: the first fetches under a lock, the others then find the marker."""
    digest = hashlib.sha256(pom.read_bytes()).hexdigest()[:16]
    marker = target / f".complete-{digest}"
    if marker.exists():
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    with file_lock(target.parent / f".{target.name}.lock"):
        if not marker.exists():
            _fetch(pom, target, cache_dir=cache_dir, what=what, marker=marker)


def _fetch(pom: Path, target: Path, *, cache_dir: Path, what: str, marker: Path) -> None:
    digest = marker.name.removeprefix(".complete-")
    if shutil.which("mvn") is None:
        raise RuntimeError("Maven (mvn) is needed to fetch the jars; install it (apt-get install maven)")
    log(f"fetching {what} from Maven Central (first run only; cached in {cache_dir}) ...")
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    cache_dir.mkdir(parents=True, exist_ok=True)
    _run_maven_with_progress(
        [
            "mvn",
            "-B",
            "-f",
            str(pom),
            f"-Dmaven.repo.local={cache_dir}",
            "dependency:copy-dependencies",
            f"-DoutputDirectory={target}",
            "-DincludeScope=runtime",
        ],
        what=what,
    )
    marker.write_text(digest)
    log(f"{what}: {len(list(target.glob('*.jar')))} jars ready")


def _run_maven_with_progress(argv: list[str], *, what: str) -> None:
    """Run Maven, printing a running count of downloaded artifacts instead of its wall of output."""
    import subprocess
    import time

    output: list[str] = []
    downloaded, kilobytes, last_report = 0, 0.0, time.monotonic()
    with subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) as proc:
        assert proc.stdout is not None
        for line in proc.stdout:
            output.append(line)
            if "Downloaded from" in line:
                downloaded += 1
                size = line.rsplit("(", 1)[-1].split(" at ")[0].strip()
                number, _, unit = size.partition(" ")
                with contextlib.suppress(ValueError):
                    kilobytes += float(number) * {"B": 1 / 1024, "kB": 1, "MB": 1024}.get(unit, 0)
            if time.monotonic() - last_report > 2:
                log(f"{what}: {downloaded} files downloaded ({kilobytes / 1024:.1f} MB) ...")
                last_report = time.monotonic()
    if proc.returncode != 0:
        raise RuntimeError(f"mvn copy-dependencies for {what} failed:\n{''.join(output[-40:])}")
    log(f"{what}: {downloaded} files downloaded ({kilobytes / 1024:.1f} MB)")


def new_cluster_id() -> str:
    """A random KRaft cluster id (16 random bytes, base64url, as Kafka's own `Uuid.randomUuid`), never one starting
    with '-', which the storage tool would read as an option."""
    return safe_token(16)


def _java() -> str:
    java_home = os.environ.get("JAVA_HOME")
    if java_home and (Path(java_home) / "bin" / "java").exists():
        return str(Path(java_home) / "bin" / "java")
    found = shutil.which("java")
    if not found:
        raise RuntimeError(
            "Java 17+ is needed for the Kafka broker (apt-get install openjdk-17-jre-headless)"
        )
    return found


@dataclass(frozen=True)
class LocalKafka:
    config: StackConfig

    @property
    def root(self) -> Path:
        return self.config.state_dir / "kafka"

    @property
    def libs(self) -> Path:
        return self.root / "libs"

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @property
    def properties_file(self) -> Path:
        return self.root / "server.properties"

    @property
    def pid_file(self) -> Path:
        return self.config.run_dir / "kafka.pid"

    @property
    def log_file(self) -> Path:
        return self.config.logs_dir / "kafka.log"

    def is_running(self) -> bool:
        return read_pid(self.pid_file) is not None and port_open(self.config.host, self.config.kafka_port)

    def tls_files(self) -> TlsFiles:
        return ensure_certificates(self.root / "tls", self.config.host)

    @property
    def tls_bootstrap(self) -> str:
        return f"{self.config.host}:{self.config.kafka_tls_port}"

    def _classpath(self) -> str:
        return str(self.libs / "*")

    def _write_config(self) -> None:
        host, port, cport = self.config.host, self.config.kafka_port, self.config.kafka_controller_port
        self.root.mkdir(parents=True, exist_ok=True)
        security = KafkaSecurity(self.config)
        admin, controller = security.admin(), security.credentials("controller")
        tls, tls_port = self.tls_files(), self.config.kafka_tls_port
        scram_login = (
            "org.apache.kafka.common.security.scram.ScramLoginModule required "
            f'username="{admin.username}" password="{admin.password}";'
        )
        listeners = f"CLIENT://{host}:{port},CONTROLLER://{host}:{cport},TLS://{host}:{tls_port}"
        advertised = f"CLIENT://{host}:{port},TLS://{host}:{tls_port}"
        protocols = "CLIENT:SASL_PLAINTEXT,CONTROLLER:SASL_PLAINTEXT,TLS:SASL_SSL"
        proxied: list[str] = []
        if self.config.kafka_proxied is not None:
            proxied_port, proxy_port = self.config.kafka_proxied
            listeners += f",PROXIED://{host}:{proxied_port}"
            advertised += f",PROXIED://{host}:{proxy_port}"
            protocols += ",PROXIED:SASL_PLAINTEXT"
            proxied = [
                "listener.name.proxied.sasl.enabled.mechanisms=" + MECHANISM,
                f"listener.name.proxied.{MECHANISM.lower()}.sasl.jaas.config=" + scram_login,
            ]
        self.properties_file.write_text(
            "\n".join(
                [
                    "process.roles=broker,controller",
                    "node.id=1",
                    f"controller.quorum.voters=1@{host}:{cport}",
                    # Every client authenticates (SCRAM, users in the cluster metadata); the controller listener
                    # uses PLAIN with one static user, because SCRAM credentials live in the metadata the
                    # controller itself serves.
                    # TLS is production's listener (SASL_SSL): clients configured as production are tested on it.
                    f"listeners={listeners}",
                    f"advertised.listeners={advertised}",
                    "controller.listener.names=CONTROLLER",
                    "inter.broker.listener.name=CLIENT",
                    f"listener.security.protocol.map={protocols}",
                    f"sasl.enabled.mechanisms={MECHANISM}",
                    f"sasl.mechanism.inter.broker.protocol={MECHANISM}",
                    "listener.name.client.sasl.enabled.mechanisms=" + MECHANISM,
                    f"listener.name.client.{MECHANISM.lower()}.sasl.jaas.config=" + scram_login,
                    "listener.name.tls.sasl.enabled.mechanisms=" + MECHANISM,
                    f"listener.name.tls.{MECHANISM.lower()}.sasl.jaas.config=" + scram_login,
                    *proxied,
                    "listener.name.tls.ssl.keystore.type=PEM",
                    f"listener.name.tls.ssl.keystore.location={tls.keystore}",
                    "sasl.mechanism.controller.protocol=PLAIN",
                    "listener.name.controller.sasl.enabled.mechanisms=PLAIN",
                    "listener.name.controller.plain.sasl.jaas.config="
                    "org.apache.kafka.common.security.plain.PlainLoginModule required "
                    f'username="{controller.username}" password="{controller.password}" '
                    f'user_{controller.username}="{controller.password}";',
                    "authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer",
                    "allow.everyone.if.no.acl.found=false",
                    f"super.users=User:{admin.username};User:{controller.username}",
                    f"log.dirs={self.data_dir}",
                    # Topics come from the contract's registry, never from a typo in a producer.
                    "auto.create.topics.enable=false",
                    "num.partitions=3",
                    "offsets.topic.replication.factor=1",
                    "offsets.topic.num.partitions=10",
                    "transaction.state.log.replication.factor=1",
                    "transaction.state.log.min.isr=1",
                    "share.coordinator.state.topic.replication.factor=1",
                    "share.coordinator.state.topic.min.isr=1",
                    "group.initial.rebalance.delay.ms=0",
                    "log.retention.hours=168",
                    "delete.topic.enable=true",
                    "",
                ]
            )
        )
        (self.root / "log4j2.properties").write_text(LOG4J2_CONFIG.format(log_file=self.root / "server.log"))

    @property
    def _secured_marker(self) -> Path:
        # Beside the data, not in it: the broker refuses anything but topic directories in its log dir.
        return self.root / "security" / "formatted-with-users"

    def _format_storage(self) -> None:
        if (self.data_dir / "meta.properties").exists():
            if self._secured_marker.exists() and self._secured_marker.read_text().split()[:1] == [
                KafkaSecurity(self.config).cluster_id()
            ]:
                return
            # Formatted by an earlier version, without SCRAM users: local development data only.
            log(
                f"Kafka storage in {self.data_dir} predates authentication: formatting it again (topics are lost)"
            )
            shutil.rmtree(self.data_dir)
        security = KafkaSecurity(self.config)
        users = [
            arg
            for user in PROVISIONED_AT_FORMAT
            for arg in ("--add-scram", f"{MECHANISM}=[name={user},password={security.password(user)}]")
        ]
        cluster_id = new_cluster_id()
        log(f"formatting Kafka storage (cluster id {cluster_id})")
        run_checked(
            [
                _java(),
                "-cp",
                self._classpath(),
                f"-Dlog4j2.configurationFile={self.root / 'log4j2.properties'}",
                "kafka.tools.StorageTool",
                "format",
                "-t",
                cluster_id,
                "-c",
                str(self.properties_file),
                *users,
            ],
            what="kafka-storage format",
        )
        self._secured_marker.parent.mkdir(parents=True, exist_ok=True)
        self._secured_marker.write_text(f"{cluster_id}\n" + "\n".join(PROVISIONED_AT_FORMAT) + "\n")

    def start(self) -> None:
        if self.is_running():
            log(f"Kafka already running on {self.config.kafka_bootstrap}")
            return
        for taken, setting in ((self.config.kafka_port, "PORT"), (self.config.kafka_tls_port, "TLS_PORT")):
            if port_open(self.config.host, taken):
                raise RuntimeError(
                    f"port {taken} is taken by a process this runner did not start; "
                    f"set BACKBONE_KAFKA_{setting} or BACKBONE_KAFKA_BOOTSTRAP"
                )
        fetch_maven_dependencies(POM, self.libs, cache_dir=self.config.cache_dir / "m2", what="Apache Kafka")
        self._write_config()
        self._format_storage()
        heap = os.environ.get("BACKBONE_KAFKA_HEAP", "-Xms256m -Xmx1g").split()
        spawn(
            "Kafka",
            [
                _java(),
                *heap,
                "-XX:+UseG1GC",
                "-Djava.awt.headless=true",
                f"-Dlog4j2.configurationFile={self.root / 'log4j2.properties'}",
                "-cp",
                self._classpath(),
                "kafka.Kafka",
                str(self.properties_file),
            ],
            pid_file=self.pid_file,
            log_file=self.log_file,
        )
        wait_until(
            lambda: port_open(self.config.host, self.config.kafka_port),
            what="Kafka broker",
            timeout=120,
            alive=lambda: read_pid(self.pid_file) is not None,
            log_file=self.root / "server.log",
        )
        log(f"Kafka listening on {self.config.kafka_bootstrap}")

    def stop(self) -> None:
        stop_from_pid_file(self.pid_file, name="Kafka", timeout=30)
