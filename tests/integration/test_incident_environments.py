"""A real incident is declared in an environment of its own partnership, as training's events made it known to
the incidents service (its cohorts, the facilities and labs they use, its curricula's modules): an unknown id,
or another partnership's, is refused with a 422 naming `environment.id`, so an incident can never reach
another partnership's cohorts, facilities or modules."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import httpx

from contracts.events.training import CurriculumApprovedV1, CurriculumModuleV1
from tests.integration.test_incidents import (
    approved_protocol,
    cohort_at,
    declaration,
    deliver,
    incidents,
    ops,
    partnership,
    site_of,
)

__all__ = ["incidents"]  # the fixture


def approved_curriculum(pid: str, curriculum: str, *codes: str) -> CurriculumApprovedV1:
    return CurriculumApprovedV1(
        curriculum_id=curriculum,
        version_id=str(uuid.uuid4()),
        version=1,
        partnership_id=pid,
        code="CYB-1",
        title="Lab security",
        language="fr",
        context="general",
        modules=[
            CurriculumModuleV1(
                code=code,
                title=code,
                delivery_mode="classroom",
                competencies=[],
                duration_minutes=60,
                prerequisites=[],
            )
            for code in codes
        ],
        decision_id=str(uuid.uuid4()),
        approved_at=datetime.now(UTC),
    )


async def test_only_the_partnerships_own_environments_take_an_incident(incidents: httpx.AsyncClient) -> None:
    ours = await partnership(incidents, "FR", "SN")
    theirs = await partnership(incidents, "FR", "KE")
    for kind in ("virtual_lab", "facility", "cohort", "module"):
        await approved_protocol(incidents, ours, environment_kind=kind)
    cohort = str(uuid.uuid4())
    await deliver(incidents, cohort_at(ours, site_of(ours), organiser="FR", cohort=cohort))
    curriculum = str(uuid.uuid4())
    await deliver(incidents, approved_curriculum(ours, curriculum, "m1", "m2"))
    await deliver(incidents, approved_curriculum(theirs, str(uuid.uuid4()), "m1"))

    async def declare(kind: str, environment: str) -> httpx.Response:
        body = declaration(ours, environment={"kind": kind, "id": environment})
        return await incidents.post("/incidents", json=body, headers=ops(incidents, "FR"))

    refused = {
        "nowhere": await declare("virtual_lab", str(uuid.uuid4())),
        "their lab": await declare("virtual_lab", site_of(theirs)),
        "our lab as a cohort": await declare("cohort", site_of(ours)),
        "a module we do not teach": await declare("module", f"{curriculum}:m9"),
    }
    for what, response in refused.items():
        assert response.status_code == 422, (what, response.text)
        problem = response.json()
        assert problem["code"] == "environment_unknown", what
        assert [e["field"] for e in problem["errors"]] == ["environment.id"], what

    accepted = {
        "our lab": await declare("virtual_lab", site_of(ours)),
        "our lab as a facility": await declare("facility", site_of(ours)),
        "our cohort": await declare("cohort", cohort),
        "our module": await declare("module", f"{curriculum}:m2"),
    }
    for what, response in accepted.items():
        assert response.status_code == 201, (what, response.text)


async def test_a_member_lists_where_incidents_may_be_declared_and_no_one_else_does(
    incidents: httpx.AsyncClient,
) -> None:
    """What a declaration form offers: the partnership's sites, cohorts and modules, by kind, paged."""
    ours = await partnership(incidents, "FR", "SN")
    cohort = str(uuid.uuid4())
    await deliver(incidents, cohort_at(ours, site_of(ours), organiser="FR", cohort=cohort))
    curriculum = str(uuid.uuid4())
    await deliver(incidents, approved_curriculum(ours, curriculum, "m1", "m2"))
    url = f"/partnerships/{ours}/environments"

    listed = await incidents.get(url, headers=ops(incidents, "SN"))
    assert listed.status_code == 200, listed.text
    found = {(e["kind"], e["id"]) for e in listed.json()["items"]}
    assert {("site", site_of(ours)), ("cohort", cohort), ("module", f"{curriculum}:m1")} <= found
    labs = (await incidents.get(url, params={"kind": "virtual_lab"}, headers=ops(incidents, "FR"))).json()
    assert {e["id"] for e in labs["items"]} == {site_of(ours)} and {e["kind"] for e in labs["items"]} == {
        "site"
    }
    pages: list[str] = []
    cursor = None
    while True:
        page = (
            await incidents.get(
                url,
                params={"limit": 2, **({"cursor": cursor} if cursor else {})},
                headers=ops(incidents, "FR"),
            )
        ).json()
        pages += [e["id"] for e in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert len(pages) == len(found) == len(set(pages))
    outsider = await incidents.get(url, headers=ops(incidents, "KE"))
    assert outsider.status_code == 404 and outsider.json()["code"] == "partnership_not_found"
