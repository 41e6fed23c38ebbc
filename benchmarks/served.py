"""The partners API as `make run` serves it, for the benchmarks that send it HTTP: a deployment of its own (its
databases and topics), the development issuer for tokens, and the API plus any relay or consumer as their own
processes; all stopped and dropped afterwards."""

from __future__ import annotations

import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from benchmarks.table import stack_endpoints
from devstack.config import StackConfig
from tests.support import Deployment, ServiceProcess, TestIssuer, free_port, serve_process, wait_http_ok

LOGS = StackConfig.from_env().logs_dir / "bench"


@dataclass(frozen=True)
class Served:
    deployment: Deployment
    issuer: TestIssuer
    url: str
    api: ServiceProcess

    def coordinator(self, country: str = "FR") -> dict[str, str]:
        return self.issuer.headers("national_coordinator", country=country)

    def dsn(self, service: str) -> str:
        """The service's database as the administrator (benchmarks read and prepare it directly)."""
        base = self.deployment.endpoints.postgres_admin_url.rsplit("/", 1)[0]
        return f"{base}/{self.deployment.database(service)}"


@asynccontextmanager
async def partners_api(
    *beside: tuple[str, str], databases: tuple[str, ...] = ("partners",), **api_settings: object
) -> AsyncIterator[Served]:
    """`beside`: (service, role) processes to run too, e.g. ("partners", "relay"), ("training", "consumer");
    `api_settings`: the API's settings to change (rate limits are off already)."""
    issuer = TestIssuer(Path(tempfile.mkdtemp(prefix="bench-issuer-")))
    issuer.start()
    deployment = Deployment(await stack_endpoints(), issuer)
    port = free_port()
    processes: list[ServiceProcess] = []
    try:
        await deployment.create(*databases)
        api = serve_process(
            deployment,
            "partners",
            "api",
            LOGS,
            http_port=port,
            rate_limit_burst=10**9,
            rate_limit_per_minute=10**9,
        )
        processes = [api, *(serve_process(deployment, service, role, LOGS) for service, role in beside)]
        for process in processes:
            process.start()
        url = f"http://127.0.0.1:{port}"
        await wait_http_ok(f"{url}/readyz", process=api)
        yield Served(deployment, issuer, url, api)
    finally:
        for process in processes:
            process.stop()
        issuer.stop()
        await deployment.destroy()
