"""Every endpoint of the partners API, fed bad input: problem+json naming the fields, and nothing stored.

The routes are read from the service's own OpenAPI document, so an endpoint added later is covered without
touching this test.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

import httpx
from sqlalchemy import text

from backbone.auth.principal import ROLES
from services.partners.policy import RULES
from tests.integration.test_partners_api import PROBLEM
from tests.support import acting


def operations(api: httpx.AsyncClient) -> list[tuple[str, str, dict[str, Any]]]:
    spec = api.app.openapi()  # type: ignore[attr-defined]
    return [
        (method.upper(), path, operation)
        for path, methods in spec["paths"].items()
        for method, operation in methods.items()
        if method in {"get", "post", "patch", "put", "delete"}
    ]


def allowed_caller(api: httpx.AsyncClient, method: str, path: str) -> dict[str, str]:
    """Someone the route's rule lets in (the ids are of no existing object, so no tenant applies): the workflows'
    client on their routes, elsewhere a person holding every role. Bad input is then all that gets refused."""
    rule = RULES.get((method, path))  # no rule: a public route, open without a token
    if rule is not None and rule.scope == "workflows":
        return api.deployment.issuer.workflow_headers()  # type: ignore[attr-defined,no-any-return]
    return acting(api, *sorted(ROLES), country="FR")


def with_ids(path: str, value: str) -> str:
    return re.sub(r"\{[^}]+\}", value, path)


async def stored_rows(api: httpx.AsyncClient) -> int:
    async with api.app.state.runtime.engine.connect() as conn:  # type: ignore[attr-defined]
        await conn.execute(text("SELECT set_config('backbone.tenant', '*', true)"))  # as the platform
        tables = (
            await conn.execute(
                text(
                    "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() "
                    "AND tablename <> 'alembic_version' "
                    # audit_pending is the audit owner's alone (and empty between transactions)
                    "AND has_table_privilege(format('%I.%I', schemaname, tablename), 'SELECT')"
                )
            )
        ).scalars()
        return sum(
            [(await conn.execute(text(f'SELECT count(*) FROM "{t}"'))).scalar_one() for t in list(tables)]
        )


def assert_names_fields(response: httpx.Response, where: str) -> None:
    problem = response.json()
    expected = (400, "invalid_cursor") if "cursor" in where else (422, "validation_failed")
    assert (response.status_code, problem.get("code")) == expected, (where, response.text)
    assert response.headers["content-type"] == PROBLEM, where
    assert problem["errors"], (where, problem)
    for error in problem["errors"]:
        assert error["field"] and error["in"] and error["code"] and error["message"], (where, error)


async def test_every_body_of_the_wrong_shape_is_refused_with_the_fields_named(api: httpx.AsyncClient) -> None:
    before = await stored_rows(api)
    with_body = [(m, p, o) for m, p, o in operations(api) if "requestBody" in o]
    assert len(with_body) >= 20, "the partners API has lost its endpoints?"
    for method, path, _ in with_body:
        url = with_ids(path, str(uuid.uuid4()))
        bodies: tuple[Any, ...] = ([], {"surely_not_a_field": 1})
        for body in bodies:
            response = await api.request(method, url, json=body, headers=allowed_caller(api, method, path))
            assert_names_fields(response, f"{method} {path} {body}")
    assert await stored_rows(api) == before, "a refused request stored something"


async def test_every_id_in_a_path_is_checked_before_anything_runs(api: httpx.AsyncClient) -> None:
    with_ids_in_path = [(m, p, o) for m, p, o in operations(api) if re.search(r"\{[a-z_]+_id\}", p)]
    assert len(with_ids_in_path) >= 20
    for method, path, _ in with_ids_in_path:
        response = await api.request(
            method, with_ids(path, "not-an-id"), json={}, headers=allowed_caller(api, method, path)
        )
        assert_names_fields(response, f"{method} {path}")
        assert any(e["in"] == "path" for e in response.json()["errors"]), (path, response.json())


async def test_query_filters_of_the_wrong_type_are_refused_with_their_names(api: httpx.AsyncClient) -> None:
    checked = 0
    for method, path, operation in operations(api):
        if method != "GET" or "{" in path:
            continue
        for parameter in operation.get("parameters", []):
            if parameter["in"] != "query":
                continue
            response = await api.get(
                path, params={parameter["name"]: "\u2603" * 300}, headers=allowed_caller(api, method, path)
            )
            if response.status_code == 200:
                continue  # a free-text filter: any string is a valid search
            assert_names_fields(response, f"GET {path}?{parameter['name']}")
            assert any(e["field"] == parameter["name"] for e in response.json()["errors"]), response.json()
            checked += 1
    assert checked >= 5
