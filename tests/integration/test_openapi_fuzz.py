"""Schemathesis against the partners API's own OpenAPI document, with valid tokens: no 5xx, and every answer
matches the schema the document declares.

The API runs as a real process (`python -m backbone.serve partners api`) on its own database. Each operation
gets generated requests (valid and invalid) from a caller its access rule lets in, so the generated data, not
the missing permission, is what the service has to cope with.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

import hypothesis
import schemathesis
from hypothesis import HealthCheck, Phase
from schemathesis.checks import not_a_server_error, response_schema_conformance

from backbone.auth.principal import ROLES
from services.partners.policy import RULES
from tests.support import Deployment, free_port, serve_process, wait_http_ok

EXAMPLES_PER_OPERATION = 12


def exercise(operation: Any, url: str, headers: dict[str, str], calls: dict[str, int]) -> Callable[[], None]:
    """A Hypothesis test of one operation: generated requests, each checked for 5xx and schema conformance."""

    @hypothesis.given(case=operation.as_strategy())
    @hypothesis.settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
        database=None,
        derandomize=True,
    )
    def run(case: schemathesis.Case[Any]) -> None:
        calls[operation.label] = calls.get(operation.label, 0) + 1
        case.call_and_validate(
            base_url=url, headers=headers, checks=[not_a_server_error, response_schema_conformance]
        )

    return run


def fuzz(url: str, deployment: Deployment) -> dict[str, int]:
    assert deployment.issuer is not None
    everyone = deployment.issuer.headers(*sorted(ROLES), country="FR")
    workflows = deployment.issuer.workflow_headers()
    schema = schemathesis.openapi.from_url(f"{url}/openapi.json")
    calls: dict[str, int] = {}
    failures: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()  # type: ignore[union-attr]  # an invalid schema fails the test here
        rule = RULES.get((operation.method.upper(), operation.path))
        if rule is None:
            continue  # health, readiness, metrics, docs: not part of the API
        headers = workflows if rule.scope == "workflows" else everyone

        run = exercise(operation, url, headers, calls)
        try:
            run()
        except Exception as exc:  # keep going: report every operation that fails, not only the first
            failures.append(f"{operation.label}: {str(exc)[:600]}")
    assert failures == [], "\n\n".join(failures)
    return calls


async def test_every_operation_survives_generated_requests(
    deployment: Deployment, process_logs: Path
) -> None:
    await deployment.create("partners")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    api = serve_process(
        deployment,
        "partners",
        "api",
        process_logs,
        http_port=port,
        rate_limit_burst=1_000_000,
        rate_limit_per_minute=1_000_000,
    )
    api.start()
    try:
        await wait_http_ok(f"{url}/readyz", process=api)
        calls = await asyncio.to_thread(fuzz, url, deployment)
    finally:
        api.stop()
    assert len(calls) >= 50, sorted(calls)
    assert sum(calls.values()) >= 300
