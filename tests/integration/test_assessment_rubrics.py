"""Rubrics and the assessments of trainees through the assessment API on real PostgreSQL: a member proposes a
version that must assess the four mandatory dimensions; the lead publishes it (immutable from then on, announced);
an evaluator of a member country scores every criterion with evidence and the pass rule decides; the result is
announced to the lead and the trainee's country only, and row-level security shows it to them and the assessor."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from backbone.auth.principal import ROLES
from services.assessment.policy import RULES
from tests.integration.assessment_world import (
    as_platform,
    assessment,
    evaluator,
    lead,
    partnership,
    published_rubric,
    version_body,
)
from tests.integration.test_access_matrix import filled, routes
from tests.integration.test_partner_relations_api import envelope_of, outbox_records
from tests.support import acting

__all__ = ["assessment"]  # the fixture


def scored(version_id: str, levels: dict[str, int], **fields: Any) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "rubric_version_id": version_id,
        "kind": "observation",
        "trainee_id": "SN-0001",
        "trainee_country_code": "SN",
        "scores": [
            {"criterion_id": c, "level": lv, "evidence": f"Observed at level {lv}"}
            for c, lv in levels.items()
        ],
        **fields,
    }


async def test_a_version_must_assess_every_mandatory_dimension_and_only_the_lead_publishes(
    assessment: httpx.AsyncClient,
) -> None:
    pid = await partnership(assessment)
    senegal = acting(assessment, "programme_coordinator", country="SN")
    rubric = {"id": str(uuid.uuid4()), "competency": "cyber.forensics", "title": "Digital forensics"}
    assert (
        await assessment.post(f"/partnerships/{pid}/rubrics", json=rubric, headers=senegal)
    ).status_code == 201
    assert (
        await assessment.post(f"/partnerships/{pid}/rubrics", json=rubric, headers=senegal)
    ).status_code == 200
    other = await assessment.post(
        f"/partnerships/{pid}/rubrics", json={**rubric, "title": "X"}, headers=senegal
    )
    assert (other.status_code, other.json()["code"]) == (409, "rubric_id_reused")
    japan = acting(assessment, "programme_coordinator", country="JP")
    assert (
        await assessment.post(f"/partnerships/{pid}/rubrics", json=rubric, headers=japan)
    ).status_code == 404

    url = f"/rubrics/{rubric['id']}/versions"
    body = version_body()
    no_rights = {
        **body,
        "dimensions": body["dimensions"][:3],
        "criteria": [c for c in body["criteria"] if c["dimension"] != "human_rights"],
    }
    refused = await assessment.post(url, json=no_rights, headers=senegal)
    assert refused.status_code == 422 and refused.json()["code"] == "dimension_missing", refused.text
    assert refused.json()["errors"][0]["field"] == "dimensions"
    stray = {**body, "criteria": [*body["criteria"], {"id": "x", "dimension": "stealth", "text": "?"}]}
    refused = await assessment.post(url, json=stray, headers=senegal)
    assert [e["field"] for e in refused.json()["errors"]] == ["criteria.5.dimension"], refused.text
    malformed = await assessment.post(url, json={**body, "levels": [{"score": 0}]}, headers=senegal)
    assert malformed.status_code == 422 and malformed.json()["errors"], malformed.text

    proposed = await assessment.post(url, json=body, headers=senegal)
    assert (proposed.status_code, proposed.json()["version"], proposed.json()["status"]) == (201, 1, "draft")
    publication = f"/rubric-versions/{proposed.json()['id']}/publication"
    assert (await assessment.post(publication, headers=senegal)).status_code == 403, "the lead publishes"
    published = await assessment.post(publication, headers=lead(assessment))
    assert (published.status_code, published.json()["status"]) == (200, "published"), published.text
    assert (await assessment.post(publication, headers=lead(assessment))).status_code == 200
    events = [envelope_of(r).data for r in await outbox_records(assessment, "assessment.rubric_published.v1")]
    assert [(e["rubric_id"], e["version"], e["criteria"]) for e in events] == [(rubric["id"], 1, 5)]

    async with as_platform(assessment) as session, session.begin():
        with pytest.raises(DBAPIError, match="immutable"):
            await session.execute(
                text("UPDATE rubric_versions SET content = '{}'::jsonb WHERE id = :id"),
                {"id": proposed.json()["id"]},
            )
    second = await assessment.post(
        url, json=version_body(pass_rule={"overall_minimum": 70, "dimension_minimum": 60}), headers=senegal
    )
    assert second.json()["version"] == 2 and second.json()["status"] == "draft"


async def test_the_pass_rule_decides_and_the_result_reaches_only_the_lead_and_the_trainees_country(
    assessment: httpx.AsyncClient,
) -> None:
    pid = await partnership(assessment)
    world = await published_rubric(assessment, pid)
    vid = world["version"]["id"]
    brazil = evaluator(assessment, "BR")
    brilliant = {"imaging": 4, "custody": 4, "proportion": 4, "interpreter": 4, "rights": 1}

    bad_level = await assessment.post(
        "/assessments", json=scored(vid, {**brilliant, "rights": 7}), headers=brazil
    )
    assert (bad_level.status_code, bad_level.json()["errors"][0]["field"]) == (422, "scores.4.level"), (
        bad_level.text
    )
    partial = {k: v for k, v in brilliant.items() if k != "rights"}
    missing = await assessment.post("/assessments", json=scored(vid, partial), headers=brazil)
    assert (missing.status_code, missing.json()["code"]) == (422, "criterion_unscored"), missing.text
    stray = await assessment.post("/assessments", json=scored(vid, {**brilliant, "drone": 1}), headers=brazil)
    assert (stray.status_code, stray.json()["errors"][0]["field"]) == (422, "scores.5.criterion_id")
    foreign = await assessment.post(
        "/assessments", json=scored(vid, brilliant, trainee_country_code="JP"), headers=brazil
    )
    assert foreign.json()["errors"][0]["field"] == "trainee_country_code", foreign.text
    unknown = await assessment.post("/assessments", json=scored(str(uuid.uuid4()), brilliant), headers=brazil)
    assert unknown.json()["errors"][0]["field"] == "rubric_version_id", unknown.text
    outsider = await assessment.post(
        "/assessments", json=scored(vid, brilliant), headers=evaluator(assessment, "JP")
    )
    assert outsider.json()["errors"][0]["field"] == "rubric_version_id", (
        "another partnership's rubric is unknown"
    )
    not_evaluator = acting(assessment, "programme_coordinator", country="BR")
    assert (
        await assessment.post("/assessments", json=scored(vid, brilliant), headers=not_evaluator)
    ).status_code == 403

    failed = scored(vid, brilliant)
    answer = await assessment.post("/assessments", json=failed, headers=brazil)
    assert answer.status_code == 201, answer.text
    result = answer.json()
    assert (result["percent"], result["passed"]) == ("81.3", False), (
        "a brilliant technician who fails human rights"
    )
    assert [d["key"] for d in result["dimensions"] if not d["passed"]] == ["human_rights"]
    assert (await assessment.post("/assessments", json=failed, headers=brazil)).status_code == 200
    passed = await assessment.post(
        "/assessments", json=scored(vid, {**brilliant, "rights": 3}, trainee_id="SN-0002"), headers=brazil
    )
    assert passed.json()["passed"] is True, passed.text

    events = [envelope_of(r) for r in await outbox_records(assessment, "assessment.trainee_assessed.v1")]
    assert [(e.data["trainee_id"], e.data["passed"], e.data["failed_dimensions"]) for e in events] == [
        ("SN-0001", False, ["human_rights"]),
        ("SN-0002", True, []),
    ]
    assert all(e.extensions["audience"] == "FR,SN" for e in events), "the lead and the trainee's country"

    senegal = acting(assessment, "auditor", country="SN")
    mine = (await assessment.get(f"/partnerships/{pid}/assessments", headers=senegal)).json()
    assert {a["trainee_id"] for a in mine} == {"SN-0001", "SN-0002"}
    assert (await assessment.get(f"/assessments/{failed['id']}", headers=lead(assessment))).status_code == 200
    assert (await assessment.get(f"/assessments/{failed['id']}", headers=brazil)).status_code == 200, (
        "the assessor"
    )
    other_member = acting(assessment, "evaluator", country="SN", subject="x")
    assert (await assessment.get(f"/assessments/{failed['id']}", headers=other_member)).status_code == 200
    japan = acting(assessment, "auditor", country="JP")
    assert (await assessment.get(f"/assessments/{failed['id']}", headers=japan)).status_code in (403, 404)


async def test_every_assessment_route_has_a_rule_and_no_outsider_or_mere_member_gets_a_2xx(
    assessment: httpx.AsyncClient,
) -> None:
    served = set(routes(assessment))
    assert sorted(served - set(RULES)) == [], "routes without an access rule are refused to everyone"
    assert sorted(set(RULES) - served) == [], "rules for routes that no longer exist"
    pid = await partnership(assessment)
    world = await published_rubric(assessment, pid)
    levels = {"imaging": 3, "custody": 3, "proportion": 3, "interpreter": 3, "rights": 3}
    made = await assessment.post(
        "/assessments", json=scored(world["version"]["id"], levels), headers=evaluator(assessment, "SN")
    )
    assert made.status_code == 201, made.text
    ids = {
        "partnership_id": pid,
        "rubric_id": world["rubric"]["id"],
        "version_id": world["version"]["id"],
        "assessment_id": made.json()["id"],
    }
    issuer = assessment.deployment.issuer  # type: ignore[attr-defined]
    with_ids = [(m, p) for m, p in routes(assessment) if "{" in p]
    leaks = []
    for role in sorted(ROLES):
        for country, methods in (
            ("JP", {"GET", "POST"}),
            ("BR", {"POST"}),
        ):  # an outsider; a member, not the lead
            caller = {"Authorization": f"Bearer {issuer.token(role, country=country)}"}
            for method, path in with_ids:
                if method not in methods or RULES[(method, path)].scope == "public":
                    continue
                if (method, path) in MEMBERS_WRITE:
                    continue  # any member may create a rubric or propose a version
                response = await assessment.request(method, filled(path, ids), json={}, headers=caller)
                if response.status_code not in (403, 404):
                    leaks.append(f"{role}@{country} {method} {path} -> {response.status_code}")
    assert leaks == [], leaks
    lead_reader = acting(assessment, "auditor", country="FR")
    for method, path in with_ids:
        if method == "GET":
            seen = await assessment.get(filled(path, ids), headers=lead_reader)
            assert seen.status_code == 200, f"the lead reads {path}: {seen.text}"


MEMBERS_WRITE = {
    ("POST", "/partnerships/{partnership_id}/rubrics"),
    ("POST", "/rubrics/{rubric_id}/versions"),
}
