"""Seeing an incident is not steering it. Under every handling code, the countries an incident is released to
may read it, but only its stewards (the declaring country, the countries holding one of its roles, and the
partnership's members where the protocol says so) may triage it, change its severity, assign roles, complete
steps, resolve or close it. Row-level security refuses the same writes to a session of another country."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from backbone.db import TENANT
from tests.integration.test_incidents import approved_protocol, declaration, incidents, ops, partnership

__all__ = ["incidents"]  # the fixture

CODES = ("originator", "partnership", "countries:SN", "public")
WRITES: dict[str, dict[str, Any]] = {
    "triage": {"note": "Looked at"},
    "severity": {"severity": "high", "reason": "Spreading"},
    "roles": {"role": "scribe", "holder": "someone@jp", "country_code": "JP"},
    "steps/isolate/completion": {"note": "Done"},
    "resolution": {"summary": "Contained"},
    "closure": {},
}
MEMBERS = ("FR", "SN", "BR")
"""The partnership; JP is outside it."""


async def declared(api: httpx.AsyncClient, pid: str, code: str) -> str:
    response = await api.post("/incidents", json=declaration(pid, handling_code=code), headers=ops(api, "FR"))
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


@pytest.fixture
async def setting(incidents: httpx.AsyncClient) -> AsyncIterator[tuple[httpx.AsyncClient, str]]:
    pid = await partnership(incidents, *MEMBERS)
    await approved_protocol(incidents, pid)
    yield incidents, pid


async def test_under_every_handling_code_only_the_originator_steers(
    setting: tuple[httpx.AsyncClient, str],
) -> None:
    api, pid = setting
    seen: dict[tuple[str, str], int] = {}
    refused: list[str] = []
    for code in CODES:
        incident = await declared(api, pid, code)
        for country in ("SN", "BR", "JP"):
            seen[code, country] = (
                await api.get(f"/incidents/{incident}", headers=ops(api, country))
            ).status_code
            for path, body in WRITES.items():
                response = await api.post(
                    f"/incidents/{incident}/{path}", json=body, headers=ops(api, country)
                )
                expected = 403 if seen[code, country] == 200 else 404
                if response.status_code != expected:
                    refused.append(f"{code} {country} {path}: {response.status_code} {response.text[:120]}")
                elif expected == 403:
                    assert response.json()["code"] == "not_steering", response.text
        state = (await api.get(f"/incidents/{incident}", headers=ops(api, "FR"))).json()
        assert (state["status"], state["severity"]) == ("declared", "moderate"), "nothing was changed"
        for path, body in WRITES.items():
            response = await api.post(f"/incidents/{incident}/{path}", json=body, headers=ops(api, "FR"))
            assert response.status_code == 200, (code, path, response.text)
    assert refused == []
    assert seen == {
        ("originator", "SN"): 404,
        ("originator", "BR"): 404,
        ("originator", "JP"): 404,
        ("partnership", "SN"): 200,
        ("partnership", "BR"): 200,
        ("partnership", "JP"): 404,
        ("countries:SN", "SN"): 200,
        ("countries:SN", "BR"): 404,
        ("countries:SN", "JP"): 404,
        ("public", "SN"): 200,
        ("public", "BR"): 200,
        ("public", "JP"): 200,
    }, "the handling code decides who sees; an outsider to the partnership sees only a public incident"


async def test_a_role_holder_steers_until_it_hands_the_role_over(
    setting: tuple[httpx.AsyncClient, str],
) -> None:
    api, pid = setting
    incident = await declared(api, pid, "originator")
    url = f"/incidents/{incident}"
    lead = {"role": "technical_lead", "holder": "lead@sn", "country_code": "SN"}
    assert (await api.post(f"{url}/roles", json=lead, headers=ops(api, "FR"))).status_code == 200
    assert (await api.get(url, headers=ops(api, "SN"))).status_code == 200, "a role releases it to the holder"
    done = await api.post(f"{url}/steps/isolate/completion", json={}, headers=ops(api, "SN"))
    assert done.status_code == 200, done.text
    assert (await api.post(f"{url}/triage", json={}, headers=ops(api, "BR"))).status_code == 404

    handover = {"role": "technical_lead", "holder": "lead@br", "country_code": "BR"}
    handed = await api.post(f"{url}/roles", json=handover, headers=ops(api, "SN"))
    assert handed.status_code == 200, "the holder hands its own role over: " + handed.text
    after = await api.post(
        f"{url}/severity", json={"severity": "high", "reason": "Worse"}, headers=ops(api, "SN")
    )
    assert (after.status_code, after.json()["code"]) == (403, "not_steering"), "no longer a holder"
    steered = await api.post(
        f"{url}/severity", json={"severity": "high", "reason": "Worse"}, headers=ops(api, "BR")
    )
    assert steered.status_code == 200, steered.text
    timeline = (await api.get(f"{url}/timeline", headers=ops(api, "FR"))).json()["items"]
    worked = [(t["what"], t["actor"]) for t in timeline if t["what"] != "notified"]
    assert worked[-2:] == [("role_assigned", "ops@sn"), ("severity_changed", "ops@br")]


async def test_a_partnership_steered_protocol_lets_every_member_steer(
    incidents: httpx.AsyncClient,
) -> None:
    pid = await partnership(incidents, *MEMBERS)
    protocol = await approved_protocol(incidents, pid, steering="partnership")
    assert protocol["versions"][-1]["steering"] == "partnership"
    incident = await declared(incidents, pid, "partnership")
    url = f"/incidents/{incident}"
    assert (await incidents.post(f"{url}/triage", json={}, headers=ops(incidents, "BR"))).status_code == 200
    outsider = await incidents.post(f"{url}/triage", json={}, headers=ops(incidents, "JP"))
    assert outsider.status_code == 404


@contextmanager
def as_country(country: str) -> Iterator[None]:
    token = TENANT.set(country)
    try:
        yield
    finally:
        TENANT.reset(token)


async def test_row_level_security_refuses_a_viewer_the_write(setting: tuple[httpx.AsyncClient, str]) -> None:
    """The route policy is not the only line: a session working for a country that sees the incident but does
    not steer it changes nothing, and cannot add to its timeline, roles or notifications."""
    api, pid = setting
    incident = await declared(api, pid, "partnership")
    engine = api.app.state.runtime.engine  # type: ignore[attr-defined]
    with as_country("SN"):
        async with engine.begin() as conn:
            seen = await conn.scalar(text("SELECT count(*) FROM incidents WHERE id = :id"), {"id": incident})
            changed = await conn.execute(
                text("UPDATE incidents SET severity = 'critical' WHERE id = :id"), {"id": incident}
            )
            locked = len(
                (
                    await conn.execute(
                        text("SELECT id FROM incidents WHERE id = :id FOR UPDATE"), {"id": incident}
                    )
                ).all()
            )
        assert (seen, changed.rowcount, locked) == (1, 0, 0)
        for statement in (
            "INSERT INTO incident_timeline (incident_id, at, what, actor, details) "
            "VALUES (:id, now(), 'triaged', 'x', '{}')",
            "INSERT INTO incident_roles (id, incident_id, role, holder, country_code, assigned_at) "
            "VALUES (gen_random_uuid(), :id, 'scribe', 'x@sn', 'SN', now())",
            "INSERT INTO incident_notifications (id, incident_id, country_code, reason, details_released, "
            "content, notified_at) VALUES (gen_random_uuid(), :id, 'SN', 'declared', true, '{}', now())",
        ):
            with pytest.raises(DBAPIError, match="row-level security"):
                async with engine.begin() as conn:
                    await conn.execute(text(statement), {"id": incident})
    with as_country("FR"):
        async with engine.begin() as conn:
            changed = await conn.execute(
                text("UPDATE incidents SET severity = 'high' WHERE id = :id"), {"id": incident}
            )
        assert changed.rowcount == 1, "the originator's session may"
