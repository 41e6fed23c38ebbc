"""The access matrix of the incidents service: every role of another country, on every incidents route that
takes an id, gets 403 or 404 and never a 2xx; every route has a rule; own-country reads follow the roles."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from backbone.auth.principal import ROLES
from services.incidents.policy import RULES
from tests.integration.test_access_matrix import filled, routes
from tests.integration.test_drills import cycle, run_drill
from tests.integration.test_incidents import declaration, incidents, ops

__all__ = ["incidents"]  # the fixture


async def french_owned(api: httpx.AsyncClient) -> dict[str, str]:
    """A French protocol and drill cycle (partnership FR, SN, BR), a drill run and debriefed with an action, and
    an originator-only French incident."""
    pid, protocol, created = await cycle(api)
    drill = created["drills"][0]
    await run_drill(api, drill["id"], acknowledge=("isolate",))
    due = (datetime.now(UTC) + timedelta(days=9)).isoformat()
    report: dict[str, Any] = {
        "expected": "x" * 3,
        "happened": "y" * 3,
        "why": "z" * 3,
        "change": "w" * 3,
        "findings": [
            {
                "about": "other",
                "summary": "Slow",
                "rating": "minor",
                "action": {"title": "Speed up", "owner": "o@fr", "owner_country_code": "FR", "due_at": due},
            }
        ],
    }
    assert (
        await api.post(f"/drills/{drill['id']}/debrief", json=report, headers=ops(api, "FR"))
    ).status_code == 200
    action = (await api.get(f"/drills/{drill['id']}/actions", headers=ops(api, "FR"))).json()["items"][0]
    incident = await api.post(
        "/incidents",
        json=declaration(pid, handling_code="originator", affected_countries=[]),
        headers=ops(api, "FR"),
    )
    assert incident.status_code == 201, incident.text
    return {
        "partnership_id": pid,
        "protocol_id": protocol["id"],
        "cycle_id": created["id"],
        "drill_id": drill["id"],
        "action_id": action["id"],
        "incident_id": incident.json()["id"],
        "code": "isolate",
        "verdict": "approval",
        "index": "0",
        "kind": "reminded",
    }


async def test_every_incidents_route_has_a_rule(incidents: httpx.AsyncClient) -> None:
    served = set(routes(incidents))
    assert sorted(served - set(RULES)) == [], "routes without an access rule are refused to everyone"
    assert sorted(set(RULES) - served) == [], "rules for routes that no longer exist"


async def test_no_role_of_another_country_gets_a_2xx_on_any_incidents_object(
    incidents: httpx.AsyncClient,
) -> None:
    ids = await french_owned(incidents)
    issuer = incidents.deployment.issuer  # type: ignore[attr-defined]
    with_ids = [(m, p) for m, p in routes(incidents) if "{" in p and (m, p) in RULES]
    assert len(with_ids) >= 20
    leaks = []
    for role in sorted(ROLES):
        outsider = {"Authorization": f"Bearer {issuer.token(role, country='JP')}"}
        for method, path in with_ids:
            response = await incidents.request(method, filled(path, ids), json={}, headers=outsider)
            if response.status_code not in (403, 404):
                leaks.append(f"{role}@JP {method} {path} -> {response.status_code} {response.text[:160]}")
    assert leaks == [], leaks


async def test_an_originator_only_incident_is_the_originators_alone(incidents: httpx.AsyncClient) -> None:
    ids = await french_owned(incidents)
    url = f"/incidents/{ids['incident_id']}"
    seen = {c: (await incidents.get(url, headers=ops(incidents, c))).status_code for c in ("FR", "SN")}
    assert seen == {"FR": 200, "SN": 404}, "a partnership member outside the handling code does not see it"
    issuer = incidents.deployment.issuer  # type: ignore[attr-defined]
    for role in sorted(ROLES):
        response = await incidents.get(
            url, headers={"Authorization": f"Bearer {issuer.token(role, country='FR')}"}
        )
        expected = 200 if role in RULES[("GET", "/incidents/{incident_id}")].roles else 403
        assert response.status_code == expected, (role, response.status_code)


async def test_under_every_handling_code_no_other_country_changes_an_incident(
    incidents: httpx.AsyncClient,
) -> None:
    """Every role of a member country (SN) and of an outsider to the partnership (JP), on every incident route:
    reads follow the handling code, writes are refused whatever the code (only the incident's stewards write)."""
    ids = await french_owned(incidents)
    issuer = incidents.deployment.issuer  # type: ignore[attr-defined]
    on_incident = [(m, p) for m, p in routes(incidents) if p.startswith("/incidents/{incident_id}")]
    assert len(on_incident) >= 8
    leaks = []
    for code in ("originator", "partnership", "countries:SN", "public"):
        declared = await incidents.post(
            "/incidents",
            json=declaration(ids["partnership_id"], handling_code=code, affected_countries=[]),
            headers=ops(incidents, "FR"),
        )
        assert declared.status_code == 201, declared.text
        filled_ids = {**ids, "incident_id": declared.json()["id"]}
        released = {
            "originator": set(),
            "partnership": {"SN"},
            "countries:SN": {"SN"},
            "public": {"SN", "JP"},
        }
        for country in ("SN", "JP"):
            for role in sorted(ROLES):
                caller = {"Authorization": f"Bearer {issuer.token(role, country=country)}"}
                for method, path in on_incident:
                    response = await incidents.request(
                        method, filled(path, filled_ids), json={}, headers=caller
                    )
                    may_read = (
                        method == "GET" and country in released[code] and role in RULES[method, path].roles
                    )
                    if response.is_success != may_read or response.status_code >= 500:
                        leaks.append(f"{code} {role}@{country} {method} {path} -> {response.status_code}")
    assert leaks == [], leaks
