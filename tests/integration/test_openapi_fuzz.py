"""Schemathesis against every service's own OpenAPI document, with valid tokens: no 5xx, and every answer
matches the schema the document declares.

Each API runs as a real process (`python -m backbone.serve <service> api`) on its own database, seeded first with
a realistic partnership (the access matrices' worlds: agencies, a partnership with its oversight body, decisions,
commitments, disputes; curricula, cohorts, facilities, bookings, certifications, recognitions; protocols, drills,
actions, incidents; a partnership's ledger). Half the generated path ids are replaced by the seeded objects' ids,
so requests reach real objects in every state the earlier requests left them in, not only 404s. Each request
comes from a caller drawn among members of the partnership, an outsider to it, and single roles (the workflows'
client on its routes), so refusals (403/404 problems) are exercised as much as successes. Services whose API is
only health, readiness and metrics have nothing to fuzz and are skipped.
"""

from __future__ import annotations

import asyncio
import importlib
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import hypothesis
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error, response_schema_conformance

from backbone.auth.policy import Rule
from backbone.auth.principal import ROLES
from backbone.registry import SERVICES
from tests.support import Deployment, ServiceProcess, free_port, serve_process, wait_http_ok

EXAMPLES_PER_OPERATION = 10
COUNTRIES = ("FR", "SN", "BR", "JP")
"""Members of the seeded partnerships (FR, SN, BR) and an outsider to all of them (JP)."""
REACHED = "reached: 2xx on an object by id"
SINGLE_ROLES = (("auditor", "FR"), ("trainee", "SN"), ("oversight_member", "BR"), ("operations_staff", "SN"))


def exercise(
    operation: Any,
    url: str,
    callers: list[dict[str, str]],
    seeded: dict[str, str],
    calls: dict[str, int],
) -> Callable[[], None]:
    """A Hypothesis test of one operation: generated requests, each checked for 5xx and schema conformance."""

    @hypothesis.given(case=operation.as_strategy(), data=st.data())
    @hypothesis.settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
        database=None,
        derandomize=True,
    )
    def run(case: schemathesis.Case[Any], data: st.DataObject) -> None:
        calls[operation.label] = calls.get(operation.label, 0) + 1
        for name in list(case.path_parameters or {}):
            if name in seeded and data.draw(st.booleans(), label=f"seeded {name}"):
                case.path_parameters[name] = seeded[name]
        headers = data.draw(st.sampled_from(callers), label="caller")
        response = case.call_and_validate(
            base_url=url, headers=headers, checks=[not_a_server_error, response_schema_conformance]
        )
        if case.path_parameters and response.status_code < 300:
            calls[REACHED] = calls.get(REACHED, 0) + 1

    return run


def rules_of(service: str) -> dict[tuple[str, str], Rule]:
    try:
        module = importlib.import_module(f"services.{service}.policy")
    except ModuleNotFoundError:
        return {}
    return dict(module.RULES)


def fuzz(
    url: str, deployment: Deployment, rules: dict[tuple[str, str], Rule], seeded: dict[str, str]
) -> dict[str, int]:
    assert deployment.issuer is not None
    issuer = deployment.issuer
    people = [issuer.headers(*sorted(ROLES), country=country) for country in COUNTRIES]
    people += [issuer.headers(role, country=country) for role, country in SINGLE_ROLES]
    workflows = [issuer.workflow_headers()]
    schema = schemathesis.openapi.from_url(f"{url}/openapi.json")
    calls: dict[str, int] = {}
    failures: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()  # type: ignore[union-attr]  # an invalid schema fails the test here
        rule = rules.get((operation.method.upper(), operation.path))
        if rule is None:
            continue  # health, readiness, metrics, docs: not part of the API
        callers = workflows if rule.scope == "workflows" else people
        run = exercise(operation, url, callers, seeded, calls)
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
    seeded = await seed(service, deployment)
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
    # The workflows' worker, pointed at this API: routes that ask a workflow (a renewal's status, an update) get
    # its answer, as in production, instead of waiting for a worker that is not there.
    worker = ServiceProcess(
        "worker",
        [sys.executable, "-m", "workflows.worker"],
        deployment.env("worker", **{f"{service}_url": url}),
        process_logs,
    )
    api.start()
    worker.start()
    try:
        await wait_http_ok(f"{url}/readyz", process=api)
        calls = await asyncio.to_thread(fuzz, url, deployment, rules, seeded)
    finally:
        worker.stop()
        api.stop()
    reached = calls.pop(REACHED, 0)
    assert len(calls) == len(rules), f"every operation with a rule is exercised: {sorted(calls)}"
    with_ids = sum("{" in path for _, path in rules)
    if seeded:  # a 2xx on a real object for at least every other route by id (0 when only 404s come back)
        assert reached >= with_ids // 2, (
            f"only {reached} requests reached a seeded object ({with_ids} routes by id)"
        )
    assert sum(calls.values()) >= 6 * len(rules)


async def seed(service: str, deployment: Deployment) -> dict[str, str]:
    """The access matrix's world of `service`, created through its API in this process (as its tests do), on
    the database the fuzzed process then serves: the ids of its objects, by path parameter name."""
    seeders = {"partners": _partners, "training": _training, "incidents": _incidents, "finance": _finance}
    if service not in seeders:
        return {}
    app = importlib.import_module(f"services.{service}.app").build_app(
        deployment.settings(
            service,
            uses_temporal=service == "partners",
            rate_limit_burst=1_000_000,
            rate_limit_per_minute=1_000_000,
        )
    )
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(
            transport=transport, base_url=f"http://{service}", headers=deployment.national_headers("FR")
        ) as client:
            client.app = app  # type: ignore[attr-defined]
            client.deployment = deployment  # type: ignore[attr-defined]
            ids = await seeders[service](client)
    return {name: str(value) for name, value in ids.items()}


async def _partners(api: httpx.AsyncClient) -> dict[str, Any]:
    from tests.integration.test_access_matrix import tenant_a

    return await tenant_a(api)


async def _training(api: httpx.AsyncClient) -> dict[str, Any]:
    from tests.integration.test_training_access_matrix import senegal_owns

    return await senegal_owns(api)


async def _incidents(api: httpx.AsyncClient) -> dict[str, Any]:
    from tests.integration.test_incidents_access_matrix import french_owned

    return await french_owned(api)


async def _finance(api: httpx.AsyncClient) -> dict[str, Any]:
    from tests.integration.finance_world import owned_ledger

    return await owned_ledger(api)
