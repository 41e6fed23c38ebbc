"""The audit log in the partners database: entries commit with their change, chain linearly under concurrency,
cannot be changed by the service, and `python -m backbone.audit verify` names the entry someone tampered with."""

from __future__ import annotations

import asyncio
import itertools
import json
import subprocess
import sys
from datetime import timedelta
from typing import Any

import asyncpg
import httpx
import pytest
from sqlalchemy import text

from backbone.audit import append
from backbone.audit.verify import purge_personal_data, verify
from backbone.db import SYSTEM_TENANT, TENANT, create_engine, create_sessionmaker
from backbone.pagination import encode_cursor
from devstack.config import REPO_ROOT
from tests.integration.test_partnerships_api import agency
from tests.support import Deployment, acting, ncu

PLATFORM = {"backbone.tenant": "*"}
"""Row-level security: a connection that names no tenant sees no entry; the platform sees them all."""


async def entries(deployment: Deployment) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(deployment.settings("partners").asyncpg_dsn, server_settings=PLATFORM)
    try:
        return list(await conn.fetch("SELECT * FROM audit_log ORDER BY seq"))
    finally:
        await conn.close()


async def as_admin(deployment: Deployment, *statements: str) -> None:
    """The cluster's superuser, which can do what no role of ours can: the attacker of the tamper tests."""
    admin = deployment.endpoints.postgres_admin_url.rsplit("/", 1)[0] + f"/{deployment.database('partners')}"
    conn = await asyncpg.connect(admin)
    try:
        async with conn.transaction():
            await conn.execute("SET LOCAL session_replication_role = replica")  # triggers off for this attack
            for statement in statements:
                await conn.execute(statement)
    finally:
        await conn.close()


def verify_command(deployment: Deployment) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "backbone.audit", "verify", "partners"],
        env=deployment.env("partners"),
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )


async def audited_activity(api: httpx.AsyncClient) -> dict[str, Any]:
    fr = await agency(api, "FR", "Police nationale")
    profile = await api.post(
        f"/agencies/{fr}/capacity-profiles",
        json={"competency": "cyber_forensics", "current_level": 1, "target_level": 3},
        headers=ncu(api, "FR"),
    )
    assert profile.status_code == 201, profile.text
    again = await api.post(
        f"/agencies/{fr}/capacity-profiles",
        json={"competency": "chain_of_custody", "current_level": 2, "target_level": 4},
        headers=ncu(api, "FR"),
    )
    assert again.status_code == 201, again.text
    return {"agency": fr, "profile": profile.json()}


async def test_a_change_is_audited_with_who_what_when_where_and_trace(
    api: httpx.AsyncClient, deployment: Deployment
) -> None:
    done = await audited_activity(api)
    log = await entries(deployment)
    change = next(e for e in log if e["action"] == "partners.capacity_profile_recorded.v1")
    assert change["object_type"] == "agency" and change["object_id"] == done["agency"]
    assert change["actor_kind"] == "user" and change["actor_roles"] == "national_coordinator"
    assert (
        change["actor_country"] == "FR" and change["tenant"] == "FR" and change["handling"] == "partnership"
    )
    assert change["actor_subject"] and change["source_ip"] and change["trace_id"]
    assert [e["seq"] for e in log] == list(range(1, len(log) + 1))
    conn = await asyncpg.connect(deployment.settings("partners").asyncpg_dsn)
    try:
        report = await verify(conn)
    finally:
        await conn.close()
    assert report.intact and report.entries == len(log), report.problems


async def test_reads_of_confined_content_are_audited(api: httpx.AsyncClient, deployment: Deployment) -> None:
    done = await audited_activity(api)
    listed = await api.get(f"/agencies/{done['agency']}/capacity-profiles", headers=ncu(api, "FR"))
    assert listed.status_code == 200
    log = await entries(deployment)
    by_route = [e for e in log if e["action"] == "read:agency_shared"]
    assert [e["object_id"] for e in by_route] == [done["agency"]], "every read by id of confined content"
    assert json.loads(by_route[0]["details"]) == {"route": "/agencies/{agency_id}/capacity-profiles"}
    denied = await api.get(f"/agencies/{done['agency']}/contacts", headers=ncu(api, "SN"))
    assert denied.status_code == 404
    assert len([e for e in await entries(deployment) if e["action"].startswith("read:")]) == 2, (
        "no read, no entry"
    )
    reads = [e for e in log if e["action"] == "read:capacity_profile"]
    assert len(reads) == 1 and done["profile"]["id"] in json.loads(reads[0]["details"])["object_ids"]
    assert reads[0]["actor_country"] == "FR" and reads[0]["handling"] == "partnership"


async def test_an_entry_commits_with_its_transaction_or_not_at_all(deployment: Deployment) -> None:
    await deployment.create("partners")
    engine = create_engine(deployment.settings("partners"))
    sessions = create_sessionmaker(engine)
    token = TENANT.set(SYSTEM_TENANT)
    try:
        async with sessions() as session, session.begin():
            await append(session, action="test.kept", object_type="thing", object_id="1")
        with pytest.raises(RuntimeError, match="rolled back on purpose"):
            async with sessions() as session, session.begin():
                await append(session, action="test.dropped", object_type="thing", object_id="2")
                raise RuntimeError("rolled back on purpose")

        async def one(n: int) -> None:
            async with sessions() as session, session.begin():
                await append(session, action="test.concurrent", object_type="thing", object_id=str(n))
                await session.execute(text("SELECT pg_sleep(0.01)"))

        await asyncio.gather(*(one(n) for n in range(40)))
    finally:
        TENANT.reset(token)
        await engine.dispose()
    log = await entries(deployment)
    assert [e["action"] for e in log].count("test.dropped") == 0
    assert [e["seq"] for e in log] == list(range(1, 42)), "one linear chain, no gaps"
    assert all(e["prev_hash"] == p["hash"] for p, e in itertools.pairwise(log))


async def test_the_service_cannot_change_or_remove_entries(
    api: httpx.AsyncClient, deployment: Deployment
) -> None:
    await audited_activity(api)
    runtime = await asyncpg.connect(deployment.settings("partners").asyncpg_dsn)
    try:
        for statement in (
            "UPDATE audit_log SET action = 'nothing' WHERE seq = 1",
            "DELETE FROM audit_log WHERE seq = 1",
            "TRUNCATE audit_log",
            "DELETE FROM audit_chain_head",
        ):
            with pytest.raises(asyncpg.InsufficientPrivilegeError):
                await runtime.execute(statement)
    finally:
        await runtime.close()
    owner = await asyncpg.connect(  # the owner, seeing every country's entries, is still refused
        deployment.settings("partners").migration_sqlalchemy_url.replace("+asyncpg", ""),
        server_settings=PLATFORM,
    )
    try:
        with pytest.raises(asyncpg.InsufficientPrivilegeError, match="append-only"):
            await owner.execute("UPDATE audit_log SET action = 'nothing' WHERE seq = 1")
        with pytest.raises(asyncpg.InsufficientPrivilegeError, match="append-only"):
            await owner.execute("DELETE FROM audit_log")
    finally:
        await owner.close()
    assert verify_command(deployment).returncode == 0


@pytest.mark.parametrize(
    ("attack", "broken_at", "why"),
    [
        ("UPDATE audit_log SET tenant = 'SN' WHERE seq = 2", 2, "changed"),
        ("UPDATE audit_log SET source_ip = '203.0.113.9' WHERE seq = 3", 3, "actor or address"),
        ("DELETE FROM audit_log WHERE seq = 2", 2, "missing"),
        (  # two entries swapped
            "UPDATE audit_log SET seq = 1000 WHERE seq = 2; UPDATE audit_log SET seq = 2 WHERE seq = 3; "
            "UPDATE audit_log SET seq = 3 WHERE seq = 1000",
            2,
            "prev_hash",
        ),
    ],
)
async def test_verify_names_the_tampered_entry(
    api: httpx.AsyncClient, deployment: Deployment, attack: str, broken_at: int, why: str
) -> None:
    await audited_activity(api)
    assert len(await entries(deployment)) >= 3
    await as_admin(deployment, attack)
    result = verify_command(deployment)
    assert result.returncode == 1, result.stdout
    assert f"first at seq {broken_at}" in result.stdout and why in result.stdout, result.stdout


async def test_deleting_the_newest_entries_is_detected(
    api: httpx.AsyncClient, deployment: Deployment
) -> None:
    await audited_activity(api)
    last = len(await entries(deployment))
    await as_admin(deployment, f"DELETE FROM audit_log WHERE seq = {last}")
    result = verify_command(deployment)
    assert result.returncode == 1 and f"seq {last}: missing" in result.stdout, result.stdout


async def test_the_retention_purge_clears_personal_data_and_keeps_the_chain(
    api: httpx.AsyncClient, deployment: Deployment
) -> None:
    await audited_activity(api)
    owner = await asyncpg.connect(  # the owner, seeing every country's entries, is still refused
        deployment.settings("partners").migration_sqlalchemy_url.replace("+asyncpg", ""),
        server_settings=PLATFORM,
    )
    try:
        assert await purge_personal_data(owner, older_than=timedelta(0)) >= 3
    finally:
        await owner.close()
    log = await entries(deployment)
    assert all(e["actor_subject"] is None and e["source_ip"] is None and e["purged_at"] for e in log)
    assert all(e["personal_salt"] is None and e["personal_digest"] for e in log)
    result = verify_command(deployment)
    assert result.returncode == 0 and "chain intact" in result.stdout, result.stdout


async def test_auditors_read_their_countrys_trail_and_nobody_else_does(api: httpx.AsyncClient) -> None:
    done = await audited_activity(api)
    await agency(api, "SN", "Police nationale SN")
    auditor = acting(api, "auditor", country="FR")
    first = await api.get("/audit", params={"limit": 2}, headers=auditor)
    assert first.status_code == 200, first.text
    page = first.json()
    assert len(page["items"]) == 2 and page["next_cursor"]
    rest = await api.get("/audit", params={"cursor": page["next_cursor"]}, headers=auditor)
    trail = page["items"] + rest.json()["items"]
    assert {e["tenant"] for e in trail} == {"FR"}, "Senegal's agency is not France's to audit"
    assert [e["seq"] for e in trail] == sorted(e["seq"] for e in trail)
    assert any(e["object_id"] == done["agency"] and e["actor_subject"] for e in trail)
    about = await api.get("/audit", params={"object_id": done["agency"]}, headers=auditor)
    assert {e["object_id"] for e in about.json()["items"]} == {done["agency"]}
    assert (await api.get("/audit", headers=ncu(api, "FR"))).status_code == 403
    assert (await api.get("/audit", params={"cursor": "nonsense"}, headers=auditor)).status_code == 400
    # Cursors that decode but name no position were a 500 (issue 14): a string, a float, a bool, out of range.
    for value in ("x", 1.5, True, -1, 2**63, None):
        odd = await api.get("/audit", params={"cursor": encode_cursor([value])}, headers=auditor)
        assert odd.status_code == 400 and odd.json()["code"] == "invalid_cursor", (value, odd.text)


async def test_each_country_reads_its_own_entries_and_the_database_holds_that_line(
    api: httpx.AsyncClient, deployment: Deployment
) -> None:
    await audited_activity(api)
    await agency(api, "SN", "Police nationale du Sénégal")
    everyone = await entries(deployment)
    assert {"FR", "SN"} <= {e["tenant"] for e in everyone}
    for country in ("FR", "SN"):
        conn = await asyncpg.connect(
            deployment.settings("partners").asyncpg_dsn, server_settings={"backbone.tenant": country}
        )
        try:
            seen = await conn.fetch("SELECT tenant FROM audit_log")
        finally:
            await conn.close()
        assert {r["tenant"] for r in seen} == {country}
        assert len(seen) == sum(e["tenant"] == country for e in everyone)
    nobody = await asyncpg.connect(deployment.settings("partners").asyncpg_dsn)
    try:
        assert await nobody.fetchval("SELECT count(*) FROM audit_log") == 0, "no tenant named, no entry"
    finally:
        await nobody.close()
    auditor = acting(api, "auditor", country="SN")
    listed = (await api.get("/audit", headers=auditor)).json()["items"]
    assert listed and {e["tenant"] for e in listed} == {"SN"}
