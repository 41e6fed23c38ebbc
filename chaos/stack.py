"""A PostgreSQL cluster, a Kafka broker and a Temporal dev server of the run's own, so faults never touch the
shared stack (the parallel suite keeps using it while `make test` runs the short version of this harness)."""

from __future__ import annotations

import contextlib
import dataclasses
import os
import signal
from dataclasses import dataclass
from pathlib import Path

import psutil

from devstack.config import StackConfig
from devstack.infra import Endpoints
from devstack.kafka import LocalKafka
from devstack.kafka_security import KafkaSecurity
from devstack.postgres import LocalPostgres
from devstack.process import read_pid
from devstack.temporal import LocalTemporal
from tests.support import free_port


@dataclass
class PrivateStack:
    postgres: LocalPostgres
    kafka: LocalKafka
    temporal: LocalTemporal
    endpoints: Endpoints
    """Direct endpoints (the checks use these; the processes may go through a proxy)."""
    kafka_proxied: tuple[int, int]
    """(the broker's proxied listener, the port it advertises for it): a proxy between them sees every byte of
    the clients that bootstrap at the second, since the broker sends them back there."""

    @classmethod
    def start(cls, shared: StackConfig, folder: Path) -> PrivateStack:
        folder.mkdir(parents=True, exist_ok=True)
        os.chmod(folder, 0o755)  # PostgreSQL runs as its own system user when we are root
        config = dataclasses.replace(
            shared,
            state_dir=folder,
            postgres_port=free_port(),
            kafka_port=free_port(),
            kafka_controller_port=free_port(),
            kafka_tls_port=free_port(),
            temporal_port=free_port(),
            temporal_ui_port=free_port(),
            kafka_proxied=(free_port(), free_port()),
        )
        (folder / "kafka").mkdir(exist_ok=True)
        libs = folder / "kafka" / "libs"
        if not libs.exists():
            LocalKafka(shared).libs.mkdir(parents=True, exist_ok=True)  # filled by the first start if empty
            libs.symlink_to(LocalKafka(shared).libs)  # the shared broker's jars: no second download
        if not (folder / "cache").exists():
            (folder / "cache").symlink_to(shared.cache_dir)
        postgres, kafka, temporal = LocalPostgres(config), LocalKafka(config), LocalTemporal(config)
        postgres.start()
        kafka.start()
        temporal.start()
        endpoints = Endpoints(
            postgres_admin_url=postgres.admin_url(),
            kafka_bootstrap=config.kafka_bootstrap,
            temporal_address=config.temporal_address,
            temporal_ui_url=None,
            kafka_admin=KafkaSecurity(config).admin(),
            kafka_tls_bootstrap=kafka.tls_bootstrap,
            kafka_tls_ca_file=str(kafka.tls_files().ca_file),
        )
        assert config.kafka_proxied is not None
        return cls(postgres, kafka, temporal, endpoints, config.kafka_proxied)

    def kill_postgres(self) -> None:
        """SIGKILL the postmaster and every backend: a crash, recovered from the WAL at the next start."""
        pid_file = self.postgres.data_dir / "postmaster.pid"
        pid = int(pid_file.read_text().split()[0])
        victims = [psutil.Process(pid), *psutil.Process(pid).children(recursive=True)]
        for process in victims:
            with contextlib.suppress(psutil.NoSuchProcess):
                process.send_signal(signal.SIGKILL)
        psutil.wait_procs(victims, timeout=10)

    def restart_postgres(self) -> None:
        self.postgres.start()

    def _kafka_pid(self) -> int:
        pid = read_pid(self.kafka.pid_file)
        if pid is None:
            raise RuntimeError("the private Kafka broker is not running")
        return pid

    def pause_kafka(self) -> None:
        os.kill(self._kafka_pid(), signal.SIGSTOP)

    def resume_kafka(self) -> None:
        os.kill(self._kafka_pid(), signal.SIGCONT)

    def restart_temporal(self) -> None:
        """SIGKILL the dev server and start it again on its database file (running workflows carry on)."""
        pid = read_pid(self.temporal.pid_file)
        if pid is not None:
            process = psutil.Process(pid)
            victims = [process, *process.children(recursive=True)]
            for victim in victims:
                with contextlib.suppress(psutil.NoSuchProcess):
                    victim.send_signal(signal.SIGKILL)
            psutil.wait_procs(victims, timeout=10)
        self.temporal.start()

    def stop(self) -> None:
        pid = read_pid(self.kafka.pid_file)
        if pid is not None:
            os.kill(pid, signal.SIGCONT)  # a paused broker cannot stop
        self.kafka.stop()
        self.temporal.stop()
        self.postgres.stop()
