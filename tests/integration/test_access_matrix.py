"""Every role x own tenant / other tenant x every partners endpoint that takes an id: zero cross-tenant 2xx.

Tenant A is a partnership of France and Brazil with everything in it (a French agency with a contact and
capacity profiles, an oversight seat, a decision, a commitment, a dispute). The other tenant is Japan, which
is in none of it. The routes come from the service's OpenAPI document and their rules from the policy table,
so a route added later is covered (and a route without a rule fails `test_every_route_has_a_rule`).
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from backbone.auth.policy import AGENCY_BOUND
from backbone.auth.principal import ROLES
from services.partners.app import build_app
from services.partners.policy import RULES
from tests.integration.test_partnerships_api import AGREEMENT, as_seat, due
from tests.support import Deployment, TestIssuer, ncu, service_client

OPEN = {"/healthz", "/readyz", "/metrics", "/public/partnerships/{partnership_id}"}  # no token, by design


@pytest.fixture
async def roomy_api(deployment: Deployment) -> AsyncIterator[httpx.AsyncClient]:
    """The partners API without a rate limit in the way of a few hundred requests per role."""
    async with service_client(
        deployment,
        "partners",
        build_app,
        headers=deployment.national_headers("FR"),
        uses_temporal=True,
        rate_limit_burst=100_000,
        rate_limit_per_minute=100_000,
    ) as client:
        yield client


def routes(api: httpx.AsyncClient) -> list[tuple[str, str]]:
    spec = api.app.openapi()  # type: ignore[attr-defined]
    return [
        (method.upper(), path)
        for path, methods in spec["paths"].items()
        for method in methods
        if method in {"get", "post", "patch", "put", "delete"} and path not in OPEN
    ]


async def created(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


async def tenant_a(api: httpx.AsyncClient) -> dict[str, str]:
    """Objects of France and Brazil's partnership; the ids every path parameter is filled with."""
    fr = await created(
        await api.post(
            "/agencies",
            json={"country": {"code": "FR", "name": "France"}, "name": "OFAC", "agency_type": "police"},
        )
    )
    br = await created(
        await api.post(
            "/agencies",
            json={"country": {"code": "BR", "name": "Brazil"}, "name": "PF", "agency_type": "police"},
            headers=ncu(api, "BR"),
        )
    )
    partnership = await created(
        await api.post(
            "/partnerships",
            json={
                "name": "Franco-Brazilian cyber forensics",
                "agreement": AGREEMENT,
                "voting_rule": {"kind": "members", "approvals_needed": 1},
                "members": [
                    {"agency_id": fr["id"], "role": "lead"},
                    {"agency_id": br["id"], "role": "member"},
                ],
            },
        )
    )
    pid = partnership["id"]
    seat = await created(
        await api.post(
            f"/partnerships/{pid}/oversight-members",
            json={"name": "FR delegate", "country_code": "FR", "role": "diplomat", "subject": f"fr-{pid}"},
        )
    )
    decision = await created(
        await api.post(
            f"/partnerships/{pid}/decisions", json={"kind": "budget", "title": "2027", "due_at": due()}
        )
    )
    commitment = await created(
        await api.post(
            f"/partnerships/{pid}/commitments",
            json={
                "agency_id": fr["id"],
                "kind": "seats",
                "amount": "4",
                "starts_on": "2027-01-01",
                "ends_on": "2027-12-31",
                "signed_by": "FR NCU",
            },
        )
    )
    dispute = await created(
        await api.post(
            f"/partnerships/{pid}/disputes",
            json={
                "raised_by_agency_id": fr["id"],
                "subject_kind": "allocation",
                "subject_ref": "seats",
                "statement": "Too few seats for France.",
            },
        )
    )
    contact = await created(
        await api.post(
            f"/agencies/{fr['id']}/contacts",
            json={
                "name": "Claire Martin",
                "function": "Liaison officer",
                "email": "c.martin@interieur.example.fr",
            },
        )
    )
    profile = await created(
        await api.post(
            f"/agencies/{fr['id']}/capacity-profiles",
            json={"competency": "cyber_forensics", "current_level": 2, "target_level": 4},
        )
    )
    endorsement = await created(
        await api.post(
            "/endorsements",
            json={
                "endorser_name": "Interpol",
                "endorser_kind": "international_organisation",
                "subject_kind": "partnership",
                "subject_id": pid,
                "scope": "The programme",
                "endorsed_on": "2026-11-20",
            },
            headers=api.deployment.operator_headers(),  # type: ignore[attr-defined]
        )
    )
    assert (
        await api.get(f"/members/{seat['id']}/decisions", headers=as_seat_of(api, seat))
    ).status_code == 200
    return {
        "partnership_id": pid,
        "agency_id": fr["id"],
        "contact_id": contact["id"],
        "decision_id": decision["id"],
        "commitment_id": commitment["id"],
        "dispute_id": dispute["id"],
        "member_id": seat["id"],
        "endorsement_id": endorsement["id"],
        "profile_id": profile["id"],
        "code": "FR",
    }


def as_seat_of(api: httpx.AsyncClient, seat: dict[str, Any]) -> dict[str, str]:
    return as_seat(api, {"oversight_body": [seat]}, seat["country_code"])


def filled(path: str, ids: dict[str, str]) -> str:
    return re.sub(r"\{([a-z_]+)\}", lambda m: ids[m.group(1)], path)


async def test_every_route_has_a_rule(roomy_api: httpx.AsyncClient) -> None:
    missing = [route for route in routes(roomy_api) if route not in RULES]
    assert missing == [], "routes without an access rule are refused to everyone; add their rules"
    stale = sorted(set(RULES) - set(routes(roomy_api)))
    assert stale == [], "rules for routes that no longer exist"


async def test_no_role_of_another_tenant_gets_a_2xx_on_any_object(roomy_api: httpx.AsyncClient) -> None:
    api = roomy_api
    issuer: TestIssuer = api.deployment.issuer  # type: ignore[attr-defined]
    ids = await tenant_a(api)
    with_ids = [(m, p) for m, p in routes(api) if "{" in p]
    assert len(with_ids) >= 40
    leaks: list[str] = []
    answers: dict[int, int] = {}
    for role in sorted(ROLES):
        outsider = {"Authorization": f"Bearer {issuer.token(role, country='JP', agency=ids['agency_id'])}"}
        for method, path in with_ids:
            if RULES[(method, path)].scope in ("public", "platform"):
                continue  # the directory and endorsements are public, the operators' tools global, by design
            response = await api.request(method, filled(path, ids), json={}, headers=outsider)
            answers[response.status_code] = answers.get(response.status_code, 0) + 1
            if response.status_code not in (403, 404):
                leaks.append(f"{role}@JP {method} {path} -> {response.status_code} {response.text[:200]}")
            assert response.status_code < 500, (role, method, path, response.text)
            assert "Traceback" not in response.text
    assert leaks == [], leaks
    assert set(answers) <= {403, 404}, answers


async def test_own_tenant_reads_follow_the_roles(roomy_api: httpx.AsyncClient) -> None:
    api = roomy_api
    issuer: TestIssuer = api.deployment.issuer  # type: ignore[attr-defined]
    ids = await tenant_a(api)
    reads = [(m, p) for m, p in routes(api) if m == "GET" and "{" in p and RULES[(m, p)].scope == "tenant"]
    for role in sorted(ROLES):
        # Brazil is a member of the partnership, not the owner of the French agency.
        for country in ("FR", "BR"):
            token = issuer.token(role, country=country, agency=ids["agency_id"] if country == "FR" else None)
            for method, path in reads:
                rule = RULES[(method, path)]
                response = await api.get(filled(path, ids), headers={"Authorization": f"Bearer {token}"})
                foreign_agency = path.startswith("/agencies/{agency_id}") and country == "BR"
                if role not in rule.roles or (role in AGENCY_BOUND and foreign_agency):
                    assert response.status_code in (403, 404), (role, country, path, response.status_code)
                elif country == "BR" and (
                    (path.startswith("/agencies/{agency_id}") and "capacity" not in path)
                    or path.startswith("/countries/{code}")
                ):
                    assert response.status_code == 404, (role, country, path, "another country's own data")
                elif "renewal" in path or "onboarding" in path:
                    assert response.status_code in (200, 404), (role, country, path, response.text)
                else:
                    assert response.status_code == 200, (role, country, path, response.text)


async def test_public_objects_are_readable_by_every_signed_in_tenant(roomy_api: httpx.AsyncClient) -> None:
    api = roomy_api
    issuer: TestIssuer = api.deployment.issuer  # type: ignore[attr-defined]
    ids = await tenant_a(api)
    outsider = {"Authorization": f"Bearer {issuer.token('trainee', country='JP')}"}
    for path in ("/agencies/{agency_id}", "/endorsements/{endorsement_id}", "/countries/{code}"):
        assert (await api.get(filled(path, ids), headers=outsider)).status_code == 200, path
    listed = await api.get(
        "/partnerships", headers={"Authorization": f"Bearer {issuer.token('auditor', country='JP')}"}
    )
    assert listed.status_code == 200 and listed.json()["items"] == [], (
        "the list shows the caller's partnerships only"
    )
    own = (await api.get("/partnerships")).json()["items"]
    assert [p["id"] for p in own] == [ids["partnership_id"]]
