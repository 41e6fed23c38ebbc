"""The backbone's processes under test, each a real `python -m backbone.serve` process that can be SIGKILLed and
started again; one that exits when nobody killed it is a finding."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

from tests.support import Deployment, ServiceProcess, free_port, serve_process, wait_http_ok


class Fleet:
    def __init__(self, deployment: Deployment, logs: Path, subscribers_file: Path) -> None:
        self.api_port, self.training_port = free_port(), free_port()
        unlimited = {"rate_limit_burst": 1_000_000, "rate_limit_per_minute": 1_000_000}
        self.members: dict[str, ServiceProcess] = {
            "api": serve_process(deployment, "partners", "api", logs, http_port=self.api_port, **unlimited),
            "relay": serve_process(deployment, "partners", "relay", logs),
            "training-api": serve_process(
                deployment, "training", "api", logs, http_port=self.training_port, **unlimited
            ),
            "training-relay": serve_process(deployment, "training", "relay", logs),
            "consumer": serve_process(deployment, "training", "consumer", logs),
            "feed": ServiceProcess(
                "feed",
                [sys.executable, "-m", "backbone.feed", "run"],
                deployment.env(
                    "feed",
                    subscribers_file=str(subscribers_file),
                    consumer_group=f"{deployment.topic_prefix}feed",
                    transactional_id=f"{deployment.prefix}.national-feed-0",
                ),
                logs,
            ),
            "worker": ServiceProcess(
                "worker",
                [sys.executable, "-m", "workflows.worker"],
                deployment.env("worker", partners_url=f"http://127.0.0.1:{self.api_port}"),
                logs,
            ),
        }
        self.unexpected_exits: list[str] = []

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.api_port}"

    @property
    def training_url(self) -> str:
        return f"http://127.0.0.1:{self.training_port}"

    def of_kind(self, kind: str) -> list[str]:
        """The members of a kind: "api" (partners' and training's), "relay" (theirs), or one member's name."""
        return [name for name in self.members if name == kind or name.endswith(f"-{kind}")]

    async def start(self) -> None:
        for process in self.members.values():
            process.start()
        await wait_http_ok(f"{self.api_url}/readyz", timeout=90, process=self.members["api"])
        await wait_http_ok(f"{self.training_url}/readyz", timeout=90, process=self.members["training-api"])

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
