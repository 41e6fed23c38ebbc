"""The partners API in-process (ASGI) against its real database: validation, idempotency, paging, errors."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from tests.integration.conftest import partners_app
from tests.support import Deployment, acting, free_port, ncu, serve_process

PROBLEM = "application/problem+json"


def agency(code: str = "FR", name: str | None = None, **extra: Any) -> dict[str, Any]:
    names = {"FR": "France", "DE": "Germany", "GH": "Ghana"}
    return {
        "country": {"code": code, "name": names.get(code.upper(), code)},
        "name": name or f"Agency {uuid.uuid4().hex[:8]}",
        "agency_type": "police",
        **extra,
    }


async def outbox_count(client: httpx.AsyncClient) -> int:
    async with client.app.state.runtime.engine.connect() as conn:  # type: ignore[attr-defined]
        return int(await conn.scalar(text("SELECT count(*) FROM outbox")) or 0)


async def test_register_then_read_and_event_written_in_the_same_transaction(api: httpx.AsyncClient) -> None:
    response = await api.post("/agencies", json=agency("fr", "Gendarmerie nationale", mandate="Public order"))
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["country_code"] == "FR" and body["status"] == "pending"
    assert response.headers["location"] == f"/agencies/{body['id']}"
    fetched = await api.get(f"/agencies/{body['id']}")
    assert fetched.status_code == 200 and fetched.json() == body
    assert (await api.get("/countries/FR")).json()["name"] == "France"
    assert await outbox_count(api) == 1


async def test_idempotency_key_replays_the_first_result_and_changes_nothing(api: httpx.AsyncClient) -> None:
    payload = agency("DE", "Bundeskriminalamt")
    headers = {"Idempotency-Key": f"reg-{uuid.uuid4()}"}
    headers = {**headers, **ncu(api, "DE")}
    first, second = await asyncio.gather(
        api.post("/agencies", json=payload, headers=headers),
        api.post("/agencies", json=payload, headers=headers),
    )
    assert {first.status_code, second.status_code} == {201}
    assert first.json() == second.json()
    assert "true" in {first.headers.get("idempotent-replayed"), second.headers.get("idempotent-replayed")}
    assert await outbox_count(api) == 1, "a repeat must not emit a second event"
    reused = await api.post("/agencies", json=agency("DE", "Zoll"), headers=headers)
    assert reused.status_code == 422
    assert reused.headers["content-type"] == PROBLEM and reused.json()["code"] == "idempotency_key_reused"
    bad_key = await api.post(
        "/agencies", json=agency("DE"), headers={"Idempotency-Key": "x y", **ncu(api, "DE")}
    )
    assert bad_key.status_code == 400 and bad_key.json()["code"] == "invalid_idempotency_key"
    # Another person of the same country, reusing the key: not a replay of someone else's answer.
    colleague = {
        **headers,
        **acting(api, "national_coordinator", country="DE", subject="another-de-coordinator"),
    }
    theirs = await api.post("/agencies", json=payload, headers=colleague)
    assert theirs.status_code == 409 and theirs.json()["code"] == "agency_already_registered"
    assert "idempotent-replayed" not in theirs.headers


async def test_bad_input_is_problem_json_naming_the_fields_and_stores_nothing(api: httpx.AsyncClient) -> None:
    response = await api.post(
        "/agencies", json={"country": {"code": "FRA"}, "name": "", "agency_type": "army", "unexpected": 1}
    )
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM
    problem = response.json()
    assert problem["code"] == "validation_failed" and problem["status"] == 422
    fields = {e["field"] for e in problem["errors"]}
    assert {"country.code", "country.name", "name", "agency_type", "unexpected"} <= fields
    not_json = await api.post("/agencies", content=b"{not json", headers={"content-type": "application/json"})
    assert not_json.status_code == 422 and not_json.headers["content-type"] == PROBLEM
    assert await outbox_count(api) == 0


async def test_conflicts_and_not_found_are_problem_json_with_stable_codes(api: httpx.AsyncClient) -> None:
    assert (
        await api.post(
            "/agencies",
            json=agency("GH", "Ghana Police Service", is_national_coordination_unit=True),
            headers=ncu(api, "GH"),
        )
    ).status_code == 201
    duplicate = await api.post("/agencies", json=agency("GH", "ghana police service"), headers=ncu(api, "GH"))
    assert duplicate.status_code == 409 and duplicate.json()["code"] == "agency_already_registered"
    second_ncu = await api.post(
        "/agencies",
        json=agency("GH", "Another unit", is_national_coordination_unit=True),
        headers=ncu(api, "GH"),
    )
    assert second_ncu.json()["code"] == "national_coordination_unit_exists"
    renamed = await api.post(
        "/agencies",
        json={**agency("GH"), "country": {"code": "GH", "name": "Gold Coast"}},
        headers=ncu(api, "GH"),
    )
    other_country = await api.post("/agencies", json=agency("GH"))  # France's coordinator, for Ghana
    assert other_country.status_code == 403 and other_country.json()["errors"][0]["field"] == "country.code"
    assert renamed.status_code == 409 and renamed.json()["code"] == "country_name_mismatch"
    missing = await api.get(f"/agencies/{uuid.uuid4()}")
    assert missing.status_code == 404 and missing.json()["code"] == "agency_not_found"
    assert missing.headers["content-type"] == PROBLEM
    bad_id = await api.get("/agencies/not-a-uuid")
    assert bad_id.status_code == 422 and bad_id.json()["errors"][0]["field"] == "agency_id"
    no_route = await api.get("/nowhere")
    assert no_route.status_code == 404 and no_route.json()["code"] == "not_found"
    assert "Traceback" not in (await api.get("/agencies?cursor=%%%")).text


async def test_list_paginates_with_cursors_and_filters(api: httpx.AsyncClient) -> None:
    created = []
    for i in range(7):
        code = "FR" if i % 2 else "DE"
        response = await api.post("/agencies", json=agency(code, f"Unit {i}"), headers=ncu(api, code))
        created.append(response.json()["id"])
    seen: list[str] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 3, **({"cursor": cursor} if cursor else {})}
        page = (await api.get("/agencies", params=params)).json()
        seen += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == created, "every agency exactly once, oldest first"
    german = (await api.get("/agencies", params={"country": "de", "limit": 50})).json()["items"]
    assert len(german) == 4 and {a["country_code"] for a in german} == {"DE"}
    invalid = await api.get("/agencies", params={"cursor": "bm90LWEtY3Vyc29y"})
    assert invalid.status_code == 400 and invalid.json()["code"] == "invalid_cursor"
    too_big = await api.get("/agencies", params={"limit": 1000})
    assert too_big.status_code == 422 and too_big.json()["errors"][0]["field"] == "limit"


async def test_health_readiness_and_metrics(api: httpx.AsyncClient) -> None:
    assert (await api.get("/healthz")).json()["status"] == "ok"
    ready = await api.get("/readyz")
    assert ready.status_code == 200, ready.text
    assert ready.json()["checks"] == {"database": "ok", "kafka": "ok", "temporal": "ok"}
    metrics = (await api.get("/metrics")).text
    assert "outbox_backlog_rows" in metrics
    openapi = (await api.get("/openapi.json")).json()
    assert "/agencies" in openapi["paths"]
    docs = await api.get("/docs")
    assert docs.status_code == 200 and "swagger-ui" in docs.text
    assert "https://" not in docs.text, "API docs must not depend on a public CDN"
    asset = docs.text.split('src="')[1].split('"')[0]
    assert (await api.get(asset)).status_code == 200


async def test_database_down_is_a_503_problem_not_a_500(deployment: Deployment) -> None:
    await deployment.create("partners")
    app = partners_app(deployment, postgres_port=free_port())  # nothing listens there
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://partners", headers=deployment.user_headers()
        ) as client:
            response = await client.post("/agencies", json=agency("FR"))
            assert response.status_code == 503, response.text
            assert response.headers["content-type"] == PROBLEM
            assert response.json()["code"] == "dependency_unavailable"
            assert "Traceback" not in response.text and "asyncpg" not in response.text
            ready = await client.get("/readyz")
            assert ready.status_code == 503 and ready.json()["checks"]["database"].startswith("unavailable")


async def test_a_service_role_cannot_reach_another_service_database(deployment: Deployment) -> None:
    """One database and one login role per service: training's credentials do not open partners' data."""
    import asyncpg

    await deployment.create("partners", "training")
    partners_dsn = deployment.settings("partners").asyncpg_dsn
    training = deployment.settings("training")
    assert training.database_password is not None
    as_training = partners_dsn.replace(
        "partners_app:partners_app-dev-password",
        f"training_app:{training.database_password.get_secret_value()}",
    )
    with pytest.raises(asyncpg.InsufficientPrivilegeError, match="permission denied"):
        await asyncpg.connect(as_training)


async def test_capacity_profiles_keep_their_history_and_show_the_current_gap(api: httpx.AsyncClient) -> None:
    created = (await api.post("/agencies", json=agency("FR", "Police aux frontières"))).json()
    url = f"/agencies/{created['id']}/capacity-profiles"
    for level in (1, 3):
        recorded = await api.post(
            url, json={"competency": "cyber_forensics", "current_level": level, "target_level": 4}
        )
        assert recorded.status_code == 201, recorded.text
    await api.post(url, json={"competency": "human_rights", "current_level": 4, "target_level": 4})
    current = {p["competency"]: p for p in (await api.get(url)).json()["items"]}
    assert current["cyber_forensics"]["current_level"] == 3 and current["cyber_forensics"]["gap"] == 1
    assert current["human_rights"]["gap"] == 0
    one = (await api.get(url, params={"limit": 1})).json()
    other = (await api.get(url, params={"limit": 1, "cursor": one["next_cursor"]})).json()
    assert [p["competency"] for p in one["items"] + other["items"]] == ["cyber_forensics", "human_rights"]
    assert other["next_cursor"] is None
    history = (await api.get(url, params={"history": "true"})).json()["items"]
    assert [p["current_level"] for p in history if p["competency"] == "cyber_forensics"] == [3, 1]
    newest = (await api.get(url, params={"history": "true", "limit": 2})).json()
    older = (await api.get(url, params={"history": "true", "cursor": newest["next_cursor"]})).json()
    assert [p["id"] for p in newest["items"] + older["items"]] == [p["id"] for p in history], (
        "newest first, paged"
    )
    odd = await api.get(url, params={"cursor": "bm9wZQ"})
    assert (odd.status_code, odd.json()["code"]) == (400, "invalid_cursor")
    bad = await api.post(url, json={"competency": "Cyber Forensics!", "current_level": 7, "target_level": 4})
    assert bad.status_code == 422 and {e["field"] for e in bad.json()["errors"]} == {
        "competency",
        "current_level",
    }
    missing = await api.get(f"/agencies/{uuid.uuid4()}/capacity-profiles")
    assert missing.status_code == 404 and missing.json()["code"] == "agency_not_found"
    assert await outbox_count(api) == 4, "registration and three recorded profiles"


async def test_replicas_migrating_at_once_do_not_collide(deployment: Deployment, process_logs: Path) -> None:
    """Kubernetes starts every API replica's migrate initContainer together: all must succeed, once."""
    import asyncpg
    from alembic.script import ScriptDirectory

    from backbone.migrations import alembic_config
    from devstack.postgres import provision_database

    await provision_database(
        deployment.endpoints.postgres_admin_url,
        database=deployment.database("finance"),
        role="finance",
        password="finance-dev-password",
        app_role="finance_app",
        app_password="finance_app-dev-password",
    )
    deployment.databases.append(deployment.database("finance"))
    replicas = [serve_process(deployment, "finance", "migrate", process_logs).start() for _ in range(4)]
    for replica in replicas:
        assert await replica.wait_exit(120) == 0, replica.log_tail()
    conn = await asyncpg.connect(deployment.settings("finance").asyncpg_dsn)
    try:
        migrated = set(await conn.fetchval("SELECT array_agg(version_num) FROM alembic_version"))
        assert migrated == set(
            ScriptDirectory.from_config(alembic_config(deployment.settings("finance"))).get_heads()
        )
    finally:
        await conn.close()
