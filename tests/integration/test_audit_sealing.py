"""The audit chain sealed by the database (issue 14): the service's own credentials cannot forge an entry, a
rewrite by someone who can recompute every hash is caught by the heads anchored outside the database, and each
entry is filed under the owner of the data and the actor's country."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import asyncpg
import httpx
import pytest

from backbone.audit.log import entry_hash
from backbone.audit.sealing import STORED_HASH_INPUT
from devstack.config import REPO_ROOT
from tests.integration.test_audit_log import PLATFORM, as_admin, audited_activity, entries, verify_command
from tests.integration.test_commitments_api import pledge
from tests.integration.test_partnerships_api import partnership
from tests.support import Deployment, acting


def audit_command(deployment: Deployment, *args: str, **settings: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "backbone.audit", *args],
        env=deployment.env("partners", **settings),
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


async def runtime(deployment: Deployment) -> asyncpg.Connection:
    """The service's own credentials: what an attacker inside the service process holds."""
    return await asyncpg.connect(deployment.settings("partners").asyncpg_dsn, server_settings=PLATFORM)


async def test_the_runtime_role_can_neither_insert_entries_nor_move_the_head(
    api: httpx.AsyncClient, deployment: Deployment
) -> None:
    await audited_activity(api)
    last = (await entries(deployment))[-1]
    forged = {
        **dict(last),
        "seq": last["seq"] + 1,
        "action": "partners.nothing_happened.v1",
        "prev_hash": last["hash"],
    }
    forged["details"] = json.loads(forged["details"])
    forged["hash"] = entry_hash(forged)  # every input known: the hash is right, the row must still not get in
    conn = await runtime(deployment)
    try:
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await conn.execute(
                "INSERT INTO audit_log (seq, occurred_at, actor_kind, actor_roles, action, details, "
                "personal_digest, prev_hash, hash) VALUES ($1, $2, 'user', '', $3, '{}', '', $4, $5)",
                forged["seq"],
                forged["occurred_at"],
                forged["action"],
                forged["prev_hash"],
                forged["hash"],
            )
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await conn.execute("UPDATE audit_chain_head SET seq = seq + 1, hash = $1", forged["hash"])
        for tampering in (  # entries waiting for their commit: neither added to nor taken away
            "INSERT INTO audit_pending (entries) VALUES ('[]')",
            "DELETE FROM audit_pending",
            "SELECT nextval('audit_pending_id_seq')",
            "ALTER TABLE audit_pending DISABLE TRIGGER audit_seal_at_commit",
        ):
            with pytest.raises(asyncpg.InsufficientPrivilegeError):
                await conn.execute(tampering)
    finally:
        await conn.close()
    assert verify_command(deployment).returncode == 0


async def test_the_database_not_the_caller_numbers_times_and_hashes_an_entry(
    api: httpx.AsyncClient, deployment: Deployment
) -> None:
    """What the function is given beyond the entry's content (a seq, a time in the past, a hash) is ignored."""
    await audited_activity(api)
    before = await entries(deployment)
    stated = {
        "seq": 1,
        "occurred_at": "2020-01-01T00:00:00Z",
        "prev_hash": "0" * 64,
        "hash": "f" * 64,
        "chain_version": 1,
        "tenant": "FR",
        "actor_kind": "user",
        "actor_roles": "national_coordinator",
        "action": "partners.backdated.v1",
        "details": {"note": 'ünïcode "quoted"\n', "n": [1, 2.5, None]},
        "personal_digest": "x",
    }
    conn = await runtime(deployment)
    try:
        async with conn.transaction():
            await conn.execute("SELECT audit_append($1::jsonb)", json.dumps([stated, stated]))
        with pytest.raises(asyncpg.InvalidParameterValueError):
            await conn.execute("SELECT audit_append($1::jsonb)", json.dumps(stated))
    finally:
        await conn.close()
    log = await entries(deployment)
    added = log[len(before) :]
    assert [e["seq"] for e in added] == [before[-1]["seq"] + 1, before[-1]["seq"] + 2]
    assert all(
        e["chain_version"] == 2 and e["prev_hash"] != "0" * 64 and e["hash"] != "f" * 64 for e in added
    )
    assert all(abs(e["occurred_at"] - datetime.now(UTC)) < timedelta(minutes=5) for e in added)
    assert added[0]["prev_hash"] == before[-1]["hash"] and added[1]["prev_hash"] == added[0]["hash"]
    result = verify_command(deployment)
    assert result.returncode == 0 and "chain intact" in result.stdout, result.stdout


async def test_an_entry_is_sealed_at_its_commit_and_the_head_waits_for_no_open_transaction(
    api: httpx.AsyncClient, deployment: Deployment
) -> None:
    """The head is locked inside COMMIT, not from `audit_append` on: a writer whose transaction stays open after
    stating its entry holds up no other writer, and the chain follows the order of the commits."""
    await audited_activity(api)
    before = await entries(deployment)
    slow, quick = await runtime(deployment), await runtime(deployment)
    entry = {"tenant": "FR", "actor_kind": "user", "actor_roles": "", "personal_digest": "x"}
    try:
        held = slow.transaction()
        await held.start()
        await slow.execute(
            "SELECT audit_append($1::jsonb)", json.dumps([{**entry, "action": "test.slow.v1"}])
        )
        async with quick.transaction():
            await quick.execute(
                "SELECT audit_append($1::jsonb)",
                json.dumps([{**entry, "action": "test.quick.v1"}]),
                timeout=5,
            )
        # Committed, and sealed with it, while the first writer's transaction is still open.
        assert [e["action"] for e in (await entries(deployment))[len(before) :]] == ["test.quick.v1"]
        await held.commit()
    finally:
        await slow.close()
        await quick.close()
    added = (await entries(deployment))[len(before) :]
    assert [e["action"] for e in added] == ["test.quick.v1", "test.slow.v1"]
    assert [e["seq"] for e in added] == [before[-1]["seq"] + 1, before[-1]["seq"] + 2]
    assert added[0]["occurred_at"] <= added[1]["occurred_at"]  # time follows the chain
    result = verify_command(deployment)
    assert result.returncode == 0 and "chain intact" in result.stdout, result.stdout


async def test_an_entry_written_past_the_function_is_detected(
    api: httpx.AsyncClient, deployment: Deployment
) -> None:
    """Written directly (by a superuser: no role of ours can), with the hash the service used to compute itself."""
    await audited_activity(api)
    last = (await entries(deployment))[-1]
    forged = {
        **dict(last),
        "seq": last["seq"] + 1,
        "action": "partners.nothing_happened.v1",
        "prev_hash": last["hash"],
    }
    forged["details"] = json.loads(forged["details"])
    forged["hash"] = entry_hash(forged)
    await as_admin(
        deployment,
        "INSERT INTO audit_log (seq, chain_version, occurred_at, tenant, actor_kind, actor_roles, actor_country, "
        "actor_agency, action, object_type, object_id, handling, trace_id, details, personal_digest, prev_hash, hash) "
        f"SELECT {forged['seq']}, 1, occurred_at, tenant, actor_kind, actor_roles, actor_country, actor_agency, "
        f"'{forged['action']}', object_type, object_id, handling, trace_id, details, personal_digest, "
        f"'{forged['prev_hash']}', '{forged['hash']}' FROM audit_log WHERE seq = {last['seq']}",
        f"UPDATE audit_chain_head SET seq = {forged['seq']}, hash = '{forged['hash']}'",
    )
    result = verify_command(deployment)
    assert result.returncode == 1 and f"seq {forged['seq']}: changed: an unsealed entry" in result.stdout, (
        result.stdout
    )


RECHAIN = f"""
DO $$
DECLARE r record; previous text := NULL;
BEGIN
    FOR r IN SELECT seq FROM audit_log ORDER BY seq LOOP
        IF previous IS NOT NULL THEN
            UPDATE audit_log SET prev_hash = previous WHERE seq = r.seq;
        END IF;
        UPDATE audit_log SET hash = encode(sha256(convert_to({STORED_HASH_INPUT}, 'UTF8')), 'hex')
        WHERE seq = r.seq AND chain_version = 2;
        SELECT hash INTO previous FROM audit_log WHERE seq = r.seq;
    END LOOP;
    UPDATE audit_chain_head SET hash = previous;
END $$
"""
"""A perfect rewrite: every sealed entry's hash recomputed after the change, the head moved to the new end."""


async def test_anchored_heads_catch_a_rewrite_that_recomputes_every_hash(
    api: httpx.AsyncClient, deployment: Deployment
) -> None:
    await audited_activity(api)
    anchored = audit_command(deployment, "anchor", "partners")
    assert anchored.returncode == 0 and "anchored at seq" in anchored.stdout, anchored.stderr
    await audited_activity_more(api)
    assert audit_command(deployment, "anchor", "partners").returncode == 0
    checked = audit_command(deployment, "verify", "partners", "--anchors")
    assert checked.returncode == 0 and "2 anchored heads match" in checked.stdout, (
        checked.stdout + checked.stderr
    )

    await as_admin(deployment, "UPDATE audit_log SET tenant = 'SN' WHERE seq = 2", RECHAIN)
    unanchored = verify_command(deployment)
    assert unanchored.returncode == 0, "without anchors a perfect rewrite goes unseen: why they exist"
    caught = audit_command(deployment, "verify", "partners", "--anchors")
    assert caught.returncode == 1 and "rewritten: the head anchored at" in caught.stdout, caught.stdout
    first_anchor_seq = int(anchored.stdout.split("anchored at seq ")[1].split(",")[0])
    assert f"first at seq {first_anchor_seq}" in caught.stdout, caught.stdout


async def audited_activity_more(api: httpx.AsyncClient) -> None:
    await api.get("/agencies")  # public: no entry
    registered = await api.post(
        "/agencies",
        json={"country": {"code": "FR", "name": "France"}, "name": "Gendarmerie", "agency_type": "police"},
    )
    assert registered.status_code == 201, registered.text


async def test_anchors_that_cannot_be_read_are_a_clear_error(deployment: Deployment) -> None:
    await deployment.create("partners")
    result = audit_command(deployment, "verify", "partners", "--anchors", kafka_bootstrap="127.0.0.1:9")
    assert result.returncode == 2 and "cannot read the anchors of partners" in result.stderr, result.stderr


async def test_a_read_is_filed_under_the_owner_of_the_data_and_the_readers_country(
    api: httpx.AsyncClient, deployment: Deployment
) -> None:
    p = await partnership(api, {"kind": "members", "approvals_needed": 2})
    sn_agency = next(m["agency_id"] for m in p["members"] if m["country_code"] == "SN")
    commitment = await pledge(api, p["id"], sn_agency)
    read = await api.get(
        f"/commitments/{commitment['id']}", headers=acting(api, "programme_coordinator", country="BR")
    )
    assert read.status_code == 200, read.text
    log = await entries(deployment)
    registered = next(e for e in log if e["action"] == "partners.commitment_registered.v1")
    assert (registered["tenant"], registered["actor_country"]) == ("SN", "SN"), (
        "a member's pledge is its own data"
    )
    by_brazil = next(e for e in log if e["action"] == "read:commitment" and e["actor_country"] == "BR")
    assert (by_brazil["tenant"], by_brazil["object_id"]) == ("SN", commitment["id"])

    def trail(country: str) -> list[dict[str, object]]:
        return [e for e in log if country in (e["tenant"], e["actor_country"])]

    for country in ("SN", "BR", "FR"):
        seen = (
            await api.get("/audit", params={"limit": 200}, headers=acting(api, "auditor", country=country))
        ).json()
        assert [e["seq"] for e in seen["items"]] == [e["seq"] for e in trail(country)], country
    sn_view = (
        await api.get(
            "/audit", params={"object_id": commitment["id"]}, headers=acting(api, "auditor", country="SN")
        )
    ).json()
    assert any(e["actor_country"] == "BR" for e in sn_view["items"]), "the owner's auditors see foreign reads"
    fr_view = (
        await api.get(
            "/audit", params={"object_id": commitment["id"]}, headers=acting(api, "auditor", country="FR")
        )
    ).json()
    assert fr_view["items"] == [], "the lead reads nothing of a read it neither owns nor made"
    assert verify_command(deployment).returncode == 0
