"""Schemathesis against every service's own OpenAPI document, with valid tokens: no 5xx, and every answer
matches the schema the document declares.

Each API runs as a real process (`python -m backbone.serve <service> api`) on its own database. Services whose
API is only health, readiness and metrics (no access policy yet) have nothing to fuzz and are skipped. Each operation
gets generated requests (valid and invalid) from a caller its access rule lets in, so the generated data, not
the missing permission, is what the service has to cope with.
"""

from __future__ import annotations

import asyncio
import importlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import hypothesis
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase
from schemathesis.checks import not_a_server_error, response_schema_conformance

from backbone.auth.policy import Rule
from backbone.auth.principal import ROLES
from backbone.registry import SERVICES
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


def rules_of(service: str) -> dict[tuple[str, str], Rule]:
    try:
        module = importlib.import_module(f"services.{service}.policy")
    except ModuleNotFoundError:
        return {}
    return dict(module.RULES)


def fuzz(url: str, deployment: Deployment, rules: dict[tuple[str, str], Rule]) -> dict[str, int]:
    assert deployment.issuer is not None
    everyone = deployment.issuer.headers(*sorted(ROLES), country="FR")
    workflows = deployment.issuer.workflow_headers()
    schema = schemathesis.openapi.from_url(f"{url}/openapi.json")
    calls: dict[str, int] = {}
    failures: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()  # type: ignore[union-attr]  # an invalid schema fails the test here
        rule = rules.get((operation.method.upper(), operation.path))
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


@pytest.mark.parametrize("service", SERVICES)
async def test_every_operation_survives_generated_requests(
    service: str, deployment: Deployment, process_logs: Path
) -> None:
    rules = rules_of(service)
    if not rules:
        pytest.skip(f"{service} has no API beyond health, readiness and metrics yet")
    await deployment.create(service)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    api = serve_process(
        deployment,
        service,
        "api",
        process_logs,
        http_port=port,
        rate_limit_burst=1_000_000,
        rate_limit_per_minute=1_000_000,
    )
    api.start()
    try:
        await wait_http_ok(f"{url}/readyz", process=api)
        calls = await asyncio.to_thread(fuzz, url, deployment, rules)
    finally:
        api.stop()
    assert len(calls) == len(rules), f"every operation with a rule is exercised: {sorted(calls)}"
    assert sum(calls.values()) >= 6 * len(rules)
