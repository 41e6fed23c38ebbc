"""The backbone's processes under test, each a real `python -m backbone.serve` process that can be SIGKILLed and
started again; one that exits when nobody killed it is a finding."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

from tests.support import Deployment, ServiceProcess, free_port, serve_process, wait_http_ok

SERVICES = ("partners", "training", "finance", "assessment", "incidents")
"""Each runs its API and its relay here: the workload writes in every one of them."""
CONSUMERS = ("training", "finance", "assessment", "incidents")
"""Those whose consumers apply events the workload's writes in partners send them."""


class Fleet:
    def __init__(self, deployment: Deployment, logs: Path, subscribers_file: Path) -> None:
        self.ports = {service: free_port() for service in SERVICES}
        unlimited = {"rate_limit_burst": 1_000_000, "rate_limit_per_minute": 1_000_000}
        self.members: dict[str, ServiceProcess] = {}
        for service in SERVICES:
            self.members[f"{service}-api"] = serve_process(
                deployment, service, "api", logs, http_port=self.ports[service], **unlimited
            )
            self.members[f"{service}-relay"] = serve_process(deployment, service, "relay", logs)
        for service in CONSUMERS:
            self.members[f"{service}-consumer"] = serve_process(deployment, service, "consumer", logs)
        self.members["feed"] = ServiceProcess(
            "feed",
            [sys.executable, "-m", "backbone.feed", "run"],
            deployment.env(
                "feed",
                subscribers_file=str(subscribers_file),
                consumer_group=f"{deployment.topic_prefix}feed",
                transactional_id=f"{deployment.prefix}.national-feed-0",
            ),
            logs,
        )
        self.members["worker"] = ServiceProcess(
            "worker",
            [sys.executable, "-m", "workflows.worker"],
            deployment.env("worker", **{f"{service}_url": self.url(service) for service in SERVICES}),
            logs,
        )
        self.unexpected_exits: list[str] = []

    def url(self, service: str) -> str:
        return f"http://127.0.0.1:{self.ports[service]}"

    @property
    def urls(self) -> dict[str, str]:
        return {service: self.url(service) for service in SERVICES}

    def of_kind(self, kind: str) -> list[str]:
        """The members of a kind ("api", "relay", "consumer": every service's), or one member by its name."""
        return [name for name in self.members if name == kind or name.endswith(f"-{kind}")]

    async def start(self) -> None:
        for process in self.members.values():
            process.start()
        for service in SERVICES:
            api = self.members[f"{service}-api"]
            await wait_http_ok(f"{self.url(service)}/readyz", timeout=120, process=api)

    def check_alive(self) -> None:
        """Restart (and record) any process that died without being killed."""
        for name, process in self.members.items():
            if process.returncode is not None:
                self.unexpected_exits.append(
                    f"{name} exited {process.returncode}: {process.log_tail()[-400:]}"
                )
                process.start()

    async def kill(self, name: str) -> None:
        process = self.members[name]
        assert process.proc is not None
        os.killpg(process.proc.pid, signal.SIGKILL)
        await asyncio.to_thread(process.proc.wait)
        process.start()

    def stop(self) -> None:
        for process in self.members.values():
            process.stop()
