"""Handling codes on partners records: the originator's code decides who reads a dispute or a capacity profile
(API and row-level security), what its events release, and a change of code is recorded and announced."""

from __future__ import annotations

import uuid
from typing import Any

import asyncpg
import httpx

from tests.integration.test_partner_relations_api import envelope_of, key, outbox_records
from tests.integration.test_partnerships_api import agency, partnership
from tests.support import Deployment, acting, ncu


async def raise_dispute(
    api: httpx.AsyncClient, p: dict[str, Any], country: str, **extra: Any
) -> dict[str, Any]:
    members = {m["country_code"]: m["agency_id"] for m in p["members"]}
    raised = await api.post(
        f"/partnerships/{p['id']}/disputes",
        json={
            "raised_by_agency_id": members[country],
            "subject_kind": "allocation",
            "subject_ref": "2027 lab seats",
            "statement": f"{country} received no lab seats in 2027.",
            **extra,
        },
        headers={**key(), **ncu(api, country)},
    )
    assert raised.status_code == 201, raised.text
    return raised.json()  # type: ignore[no-any-return]


async def visible_to(api: httpx.AsyncClient, url: str, *countries: str) -> dict[str, int]:
    return {c: (await api.get(url, headers=ncu(api, c))).status_code for c in countries}


async def listed_for(api: httpx.AsyncClient, p: dict[str, Any], country: str) -> set[str]:
    page = await api.get(f"/partnerships/{p['id']}/disputes", headers=ncu(api, country))
    assert page.status_code == 200, page.text
    return {d["id"] for d in page.json()["items"]}


async def seen_in_db(deployment: Deployment, tenant: str, table: str) -> int:
    """As the service's runtime role with `tenant` set and no WHERE at all: what row-level security lets through."""
    conn = await asyncpg.connect(
        deployment.settings("partners").asyncpg_dsn, server_settings={"backbone.tenant": tenant}
    )
    try:
        return int(await conn.fetchval(f"SELECT count(*) FROM {table}"))
    finally:
        await conn.close()


def releases(records: list[Any]) -> list[dict[str, str]]:
    return [
        {k: envelope_of(r).extensions[k] for k in ("handling", "originator", "audience")} for r in records
    ]


async def test_a_dispute_is_read_only_where_its_handling_code_releases_it(
    api: httpx.AsyncClient, deployment: Deployment
) -> None:
    p = await partnership(api, {"kind": "members", "approvals_needed": 2})  # FR lead, SN host, BR member
    dispute = await raise_dispute(api, p, "FR", handling_code="countries:SN")
    url = f"/disputes/{dispute['id']}"
    assert dispute["handling_code"] == "countries:SN"
    assert await visible_to(api, url, "FR", "SN", "BR") == {"FR": 200, "SN": 200, "BR": 404}
    assert dispute["id"] in await listed_for(api, p, "SN")
    assert dispute["id"] not in await listed_for(api, p, "BR")
    said = await api.post(
        f"{url}/comments",
        json={"agency_id": str(uuid.uuid4()), "author": "B R", "body": "May we see it?"},
        headers=ncu(api, "BR"),
    )
    assert said.status_code == 404 and said.json()["code"] == "dispute_not_found"
    assert await seen_in_db(deployment, "BR", "disputes") == 0, "RLS: not even a query without WHERE"
    assert await seen_in_db(deployment, "SN", "disputes") == 1
    assert releases(await outbox_records(api, "partners.dispute_raised.v1")) == [
        {"handling": "countries:SN", "originator": "FR", "audience": "FR,SN"}
    ]

    # Only the originator re-codes, with a reason; the change is announced to the old and the new audience.
    change = {"handling_code": "partnership", "reason": "Brazil is party to the allocation"}
    assert (await api.put(f"{url}/handling", json=change, headers=ncu(api, "SN"))).status_code == 403
    assert (await api.put(f"{url}/handling", json=change, headers=ncu(api, "BR"))).status_code == 404
    widened = await api.put(f"{url}/handling", json=change, headers=ncu(api, "FR"))
    assert widened.status_code == 200, widened.text
    assert (
        widened.json()["previous_code"] == "countries:SN" and widened.json()["handling_code"] == "partnership"
    )
    assert await visible_to(api, url, "FR", "SN", "BR") == {"FR": 200, "SN": 200, "BR": 200}

    narrowed = await api.put(
        f"{url}/handling",
        json={"handling_code": "originator", "reason": "Under review"},
        headers=ncu(api, "FR"),
    )
    assert narrowed.status_code == 200
    assert await visible_to(api, url, "FR", "SN", "BR") == {"FR": 200, "SN": 404, "BR": 404}
    assert await seen_in_db(deployment, "SN", "dispute_comments") == 0
    changed = releases(await outbox_records(api, "partners.handling_changed.v1"))
    assert changed == [
        {"handling": "partnership", "originator": "FR", "audience": "BR,FR,SN"},
        {
            "handling": "originator",
            "originator": "FR",
            "audience": "BR,FR,SN",
        },  # those who lost sight learn it
    ]
    assert await seen_in_db(deployment, "FR", "handling_changes") == 2
    assert await seen_in_db(deployment, "SN", "handling_changes") == 0


async def test_a_public_dispute_is_readable_outside_the_partnership(api: httpx.AsyncClient) -> None:
    p = await partnership(api, {"kind": "members", "approvals_needed": 2})
    await agency(api, "GH", "Ghana Police Service")
    dispute = await raise_dispute(api, p, "SN", handling_code="public")
    assert await visible_to(api, f"/disputes/{dispute['id']}", "GH", "BR") == {"GH": 200, "BR": 200}
    assert releases(await outbox_records(api, "partners.dispute_raised.v1"))[0]["audience"] == "*"


async def test_handling_codes_are_validated_and_named(api: httpx.AsyncClient) -> None:
    p = await partnership(api, {"kind": "members", "approvals_needed": 2})
    members = {m["country_code"]: m["agency_id"] for m in p["members"]}
    for bad in ("secret", "countries:", "countries:fr", "countries:FR;SN", "PUBLIC"):
        refused = await api.post(
            f"/partnerships/{p['id']}/disputes",
            json={
                "raised_by_agency_id": members["FR"],
                "subject_kind": "allocation",
                "subject_ref": "x",
                "statement": "A statement long enough.",
                "handling_code": bad,
            },
            headers=ncu(api, "FR"),
        )
        assert refused.status_code == 422, bad
        assert refused.headers["content-type"].startswith("application/problem+json")
        assert [e["field"] for e in refused.json()["errors"]] == ["handling_code"], refused.json()
    normalised = await raise_dispute(api, p, "FR", handling_code="countries:SN,BR")
    assert normalised["handling_code"] == "countries:BR,SN"
    no_reason = await api.put(
        f"/disputes/{normalised['id']}/handling", json={"handling_code": "public"}, headers=ncu(api, "FR")
    )
    assert no_reason.status_code == 422 and no_reason.json()["errors"][0]["field"] == "reason"


async def test_capacity_profiles_follow_their_handling_code(
    api: httpx.AsyncClient, deployment: Deployment
) -> None:
    p = await partnership(api, {"kind": "members", "approvals_needed": 2})
    fr = next(m["agency_id"] for m in p["members"] if m["country_code"] == "FR")
    url = f"/agencies/{fr}/capacity-profiles"
    profile = {"competency": "cyber_forensics", "current_level": 2, "target_level": 4}
    shared = await api.post(url, json=profile, headers=ncu(api, "FR"))
    secret = await api.post(
        url,
        json={**profile, "competency": "covert_operations", "handling_code": "originator"},
        headers=ncu(api, "FR"),
    )
    assert shared.status_code == secret.status_code == 201, secret.text

    async def competencies(country: str) -> set[str]:
        listed = await api.get(url, headers=ncu(api, country))
        assert listed.status_code == 200, listed.text
        return {c["competency"] for c in listed.json()["items"]}

    assert await competencies("FR") == {"cyber_forensics", "covert_operations"}
    assert await competencies("SN") == {"cyber_forensics"}
    assert await seen_in_db(deployment, "SN", "capacity_profiles") == 1
    assert [
        r["audience"] for r in releases(await outbox_records(api, "partners.capacity_profile_recorded.v1"))
    ] == [
        "BR,FR,SN",
        "FR",
    ]

    target = f"{url}/{secret.json()['id']}/handling"
    other_agency = await agency(api, "FR", "Douane française")
    integrator = acting(api, "agency_integrator", country="FR", agency=other_agency)
    change = {"handling_code": "countries:SN", "reason": "Joint lab planning with Senegal"}
    assert (await api.put(target, json=change, headers=integrator)).status_code == 403
    assert (await api.put(target, json=change, headers=ncu(api, "SN"))).status_code == 404
    elsewhere = f"/agencies/{other_agency}/capacity-profiles/{secret.json()['id']}/handling"
    assert (await api.put(elsewhere, json=change, headers=ncu(api, "FR"))).status_code == 404
    assert (await api.put(target, json=change, headers=ncu(api, "FR"))).status_code == 200
    assert await competencies("SN") == {"cyber_forensics", "covert_operations"}
    assert await competencies("BR") == {"cyber_forensics"}


async def test_a_resolution_vote_does_not_spread_a_confined_statement(api: httpx.AsyncClient) -> None:
    p = await partnership(api, {"kind": "members", "approvals_needed": 2})
    dispute = await raise_dispute(api, p, "FR", handling_code="originator")
    opened = await api.post(
        f"/disputes/{dispute['id']}/resolution-decision",
        json={"title": "Settle the lab seats", "due_at": "2031-01-01T00:00:00Z"},
        headers=ncu(api, "FR"),
    )
    assert opened.status_code == 201, opened.text
    decision = await api.get(opened.headers["location"], headers=ncu(api, "SN"))
    assert decision.status_code == 200, "the oversight body votes on it"
    assert dispute["id"] in decision.json()["description"]
    assert dispute["statement"] not in decision.json()["description"]


async def test_seeing_a_public_dispute_does_not_let_an_outsider_steer_it(api: httpx.AsyncClient) -> None:
    """Issue 14: an outsider who may read a public dispute and tried to put it to the vote got a 500 (the
    database's row-level security refused the decision). Every such refusal is a problem, never a 500."""
    p = await partnership(api, {"kind": "members", "approvals_needed": 2})
    await agency(api, "GH", "Ghana Police Service")
    dispute = await raise_dispute(api, p, "SN", handling_code="public")
    for attempt in (
        api.post(
            f"/disputes/{dispute['id']}/resolution-decision",
            json={"title": "Settle it our way", "due_at": "2031-01-01T00:00:00Z"},
            headers={**key(), **ncu(api, "GH")},
        ),
        api.post(
            f"/disputes/{dispute['id']}/comments",
            json={"agency_id": p["members"][0]["agency_id"], "author": "GH", "body": "We have a view."},
            headers={**key(), **ncu(api, "GH")},
        ),
    ):
        refused = await attempt
        assert refused.status_code in (403, 404, 422), refused.text
        assert refused.headers["content-type"].startswith("application/problem+json")
    detail = (await api.get(f"/disputes/{dispute['id']}", headers=ncu(api, "SN"))).json()
    assert detail["status"] == "open" and not detail["comments"] and not detail["resolutions"]
