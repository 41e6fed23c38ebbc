"""Rubrics and the assessments of trainees through the assessment API on real PostgreSQL: a member proposes a
version that must assess the four mandatory dimensions; the lead publishes it (immutable from then on, announced);
an evaluator of a member country scores every criterion with evidence and the pass rule decides; the result is
announced to the lead and the trainee's country only, and row-level security shows it to them and the assessor."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from backbone.auth.principal import ROLES
from contracts.events.communities import MentorshipRecordedV1
from contracts.events.training import CurriculumApprovedV1
from services.assessment.policy import RULES
from tests.contract.test_events import EXAMPLES
from tests.integration.assessment_world import (
    TRAINEE_AGENCY,
    as_platform,
    assessment,
    assigned,
    decided,
    deliver,
    evaluator,
    lead,
    partnership,
    published_rubric,
    registered,
    submitted,
    taught,
    version_body,
)
from tests.integration.test_access_matrix import filled, routes
from tests.integration.test_partner_relations_api import envelope_of, outbox_records
from tests.support import acting

__all__ = ["assessment"]  # the fixture


def scored(version_id: str, levels: dict[str, int], assignment: str, **fields: Any) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "assignment_id": assignment,
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


async def test_a_version_must_assess_every_mandatory_dimension_and_the_oversight_body_approves_it(
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
    vid = proposed.json()["id"]
    submission = f"/rubric-versions/{vid}/submission"
    due = (datetime.now(UTC) + timedelta(days=7)).isoformat()
    refused = await assessment.post(submission, json={"decide_by": due}, headers=senegal)
    assert (refused.status_code, refused.json()["code"]) == (403, "not_steering"), "the lead submits"
    naive = await assessment.post(
        submission, json={"decide_by": "2027-01-01T00:00:00"}, headers=lead(assessment)
    )
    assert (naive.status_code, naive.json()["errors"][0]["field"]) == (422, "decide_by"), naive.text
    sent = await submitted(assessment, vid)
    assert (sent.status_code, sent.json()["status"]) == (200, "submitted"), sent.text
    assert (await submitted(assessment, vid)).json()["submitted_at"] == sent.json()["submitted_at"]
    asked = [envelope_of(r) for r in await outbox_records(assessment, "assessment.rubric_submitted.v1")]
    assert [(e.data["subject"], e.data["version"]) for e in asked] == [
        (f"assessment:rubric-version:{vid}", 1)
    ]
    assert asked[0].extensions["audience"] == "BR,FR,SN", "the partnership's members"
    rival = await assessment.post(url, json=body, headers=senegal)
    busy = await submitted(assessment, rival.json()["id"])
    assert (busy.status_code, busy.json()["code"]) == (409, "version_under_decision")
    assessor = await registered(assessment, pid, "BR")
    early = await assessment.post(
        "/assessment-assignments",
        json={
            "id": str(uuid.uuid4()),
            "evaluator_id": assessor["id"],
            "rubric_version_id": vid,
            "trainee_id": "SN-0001",
            "trainee_country_code": "SN",
            "trainee_agency_id": TRAINEE_AGENCY,
        },
        headers=acting(assessment, "national_coordinator", country="SN"),
    )
    assert early.status_code == 422 and early.json()["errors"][0]["field"] == "rubric_version_id", (
        "nobody is assessed against a version the oversight body has not approved"
    )
    await deliver(assessment, decided(str(uuid.uuid4()), vid))  # another partnership's decision: nothing
    await deliver(assessment, decided(pid, vid))
    await deliver(assessment, decided(pid, vid, "vetoed"))  # a later contradicting decision: nothing
    versions = (await assessment.get(f"/rubrics/{rubric['id']}/versions", headers=senegal)).json()
    assert [(v["version"], v["status"], v["decision_outcome"]) for v in versions] == [
        (1, "published", "approved"),
        (2, "draft", None),
    ]
    events = [envelope_of(r).data for r in await outbox_records(assessment, "assessment.rubric_published.v1")]
    assert [(e["rubric_id"], e["version"], e["criteria"]) for e in events] == [(rubric["id"], 1, 5)]
    assert (await submitted(assessment, vid)).json()["code"] == "not_a_draft"
    assert (await submitted(assessment, rival.json()["id"])).status_code == 200
    await deliver(assessment, decided(pid, rival.json()["id"], "rejected"))
    versions = (await assessment.get(f"/rubrics/{rubric['id']}/versions", headers=senegal)).json()
    assert [v["status"] for v in versions] == ["published", "rejected"]

    async with as_platform(assessment) as session, session.begin():
        with pytest.raises(DBAPIError, match="immutable"):
            await session.execute(
                text("UPDATE rubric_versions SET content = '{}'::jsonb WHERE id = :id"),
                {"id": proposed.json()["id"]},
            )
    third = await assessment.post(
        url, json=version_body(pass_rule={"overall_minimum": 70, "dimension_minimum": 60}), headers=senegal
    )
    assert third.json()["version"] == 3 and third.json()["status"] == "draft"


async def test_the_pass_rule_decides_and_the_result_reaches_only_the_lead_and_the_trainees_country(
    assessment: httpx.AsyncClient,
) -> None:
    pid = await partnership(assessment)
    world = await published_rubric(assessment, pid)
    vid = world["version"]["id"]
    brazil = evaluator(assessment, "BR")
    examiner = await registered(assessment, pid, "BR")
    first = await assigned(assessment, examiner["id"], vid, "SN-0001")
    second = await assigned(assessment, examiner["id"], vid, "SN-0002")
    brilliant = {"imaging": 4, "custody": 4, "proportion": 4, "interpreter": 4, "rights": 1}

    bad_level = await assessment.post(
        "/assessments", json=scored(vid, {**brilliant, "rights": 7}, first), headers=brazil
    )
    assert (bad_level.status_code, bad_level.json()["errors"][0]["field"]) == (422, "scores.4.level"), (
        bad_level.text
    )
    partial = {k: v for k, v in brilliant.items() if k != "rights"}
    missing = await assessment.post("/assessments", json=scored(vid, partial, first), headers=brazil)
    assert (missing.status_code, missing.json()["code"]) == (422, "criterion_unscored"), missing.text
    drone = await assessment.post(
        "/assessments", json=scored(vid, {**brilliant, "drone": 1}, first), headers=brazil
    )
    assert (drone.status_code, drone.json()["errors"][0]["field"]) == (422, "scores.5.criterion_id")
    other = await assessment.post("/assessments", json=scored(vid, brilliant, second), headers=brazil)
    assert (other.status_code, other.json()["code"]) == (422, "assignment_of_another"), other.text
    unknown = await assessment.post(
        "/assessments", json=scored(str(uuid.uuid4()), brilliant, first), headers=brazil
    )
    assert (unknown.status_code, unknown.json()["code"]) == (422, "assignment_of_another"), unknown.text
    outsider = await assessment.post(
        "/assessments", json=scored(vid, brilliant, first), headers=evaluator(assessment, "JP")
    )
    assert (outsider.status_code, outsider.json()["code"]) == (403, "not_assigned"), (
        "someone else's assignment"
    )
    stray = await assessment.post(
        "/assessments",
        json={**scored(vid, brilliant, first), "assignment_id": str(uuid.uuid4())},
        headers=brazil,
    )
    assert stray.json()["errors"][0]["field"] == "assignment_id", stray.text
    not_evaluator = acting(assessment, "programme_coordinator", country="BR")
    assert (
        await assessment.post("/assessments", json=scored(vid, brilliant, first), headers=not_evaluator)
    ).status_code == 403

    impostor = evaluator(assessment, "SN")  # an evaluator, not the one assigned
    refused = await assessment.post("/assessments", json=scored(vid, brilliant, first), headers=impostor)
    assert (refused.status_code, refused.json()["code"]) == (403, "not_assigned"), refused.text
    failed = scored(vid, brilliant, first)
    answer = await assessment.post("/assessments", json=failed, headers=brazil)
    assert answer.status_code == 201, answer.text
    result = answer.json()
    assert (result["percent"], result["passed"]) == ("81.3", False), (
        "a brilliant technician who fails human rights"
    )
    assert [d["key"] for d in result["dimensions"] if not d["passed"]] == ["human_rights"]
    assert (await assessment.post("/assessments", json=failed, headers=brazil)).status_code == 200
    twice = await assessment.post("/assessments", json=scored(vid, brilliant, first), headers=brazil)
    assert (twice.status_code, twice.json()["code"]) == (409, "assignment_used"), twice.text
    passed = await assessment.post(
        "/assessments",
        json=scored(vid, {**brilliant, "rights": 3}, second, trainee_id="SN-0002"),
        headers=brazil,
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
    anyone = {  # no token
        ("GET", "/public/partnerships/{partnership_id}/reports/{period}"),
        ("GET", "/public/partnerships/{partnership_id}/evaluation-plans"),
        ("GET", "/public/partnerships/{partnership_id}/evaluation-rounds"),
        ("POST", "/public/surveys/{survey_id}/responses"),
    }
    served = set(routes(assessment)) - anyone
    assert sorted(served - set(RULES)) == [], "routes without an access rule are refused to everyone"
    assert sorted(set(RULES) - served) == [], "rules for routes that no longer exist"
    pid = await partnership(assessment)
    world = await published_rubric(assessment, pid, curriculum_id=str(uuid.uuid4()))
    levels = {"imaging": 3, "custody": 3, "proportion": 3, "interpreter": 3, "rights": 1}
    examiner = await registered(assessment, pid, "SN")
    await assessment.put(
        f"/partnerships/{pid}/assessment-policy",
        json={"evaluators_of_own_country": True},
        headers=lead(assessment),
    )
    task = await assigned(assessment, examiner["id"], world["version"]["id"])
    made = await assessment.post(
        "/assessments", json=scored(world["version"]["id"], levels, task), headers=evaluator(assessment, "SN")
    )
    assert made.status_code == 201, made.text
    indicator = {
        "id": str(uuid.uuid4()),
        "code": "joint_investigations",
        "name": "Joint investigations opened",
        "unit": "investigations",
        "direction": "increase",
        "baseline": "2",
        "target": "6",
    }
    defined = await assessment.post(
        f"/partnerships/{pid}/indicators", json=indicator, headers=lead(assessment)
    )
    assert defined.status_code == 201, defined.text
    finding = {
        "id": str(uuid.uuid4()),
        "rubric_version_id": world["version"]["id"],
        "criterion_id": "rights",
        "summary": "Rights need practice",
    }
    raised = await assessment.post(
        f"/rubrics/{world['rubric']['id']}/findings", json=finding, headers=lead(assessment)
    )
    assert raised.status_code == 201, raised.text
    plan = {
        "id": str(uuid.uuid4()),
        "title": "Results framework",
        "content": {
            "questions": [{"id": "q1", "text": "Do joint investigations open more often?"}],
            "indicators": ["joint_investigations"],
            "methods": ["national statistics"],
            "schedule": {"first_round_on": "2027-01-01", "every_months": 3, "response_days": 30},
        },
    }
    planned = await assessment.post(
        f"/partnerships/{pid}/evaluation-plans", json=plan, headers=lead(assessment)
    )
    assert planned.status_code == 201, planned.text
    survey = {
        "id": str(uuid.uuid4()),
        "title": "Trust between the partner agencies",
        "questions": [
            {
                "id": "trust",
                "text": "Do you trust the liaison officers?",
                "scale": {"minimum": 1, "maximum": 5, "low_label": "no", "high_label": "yes"},
            }
        ],
        "closes_at": (datetime.now(UTC) + timedelta(days=7)).isoformat(),
    }
    surveyed = await assessment.post(f"/partnerships/{pid}/surveys", json=survey, headers=lead(assessment))
    assert surveyed.status_code == 201, surveyed.text
    ids = {
        "survey_id": survey["id"],
        "plan_id": plan["id"],
        "round_id": str(uuid.uuid4()),
        "finding_id": finding["id"],
        "indicator_id": indicator["id"],
        "partnership_id": pid,
        "rubric_id": world["rubric"]["id"],
        "version_id": world["version"]["id"],
        "assessment_id": made.json()["id"],
    }
    issuer = assessment.deployment.issuer  # type: ignore[attr-defined]
    with_ids = [(m, p) for m, p in served if "{" in p]
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
    ("POST", "/partnerships/{partnership_id}/rubrics"),  # any member creates a rubric,
    ("POST", "/rubrics/{rubric_id}/versions"),  # proposes a version,
    ("POST", "/indicators/{indicator_id}/measurements"),  # and reports its own country's aggregates
}


async def test_an_assignment_is_refused_with_the_conflict_rule_that_stands_in_the_way(
    assessment: httpx.AsyncClient,
) -> None:
    pid = await partnership(assessment)
    vid = (await published_rubric(assessment, pid))["version"]["id"]
    await taught(assessment, pid, instructor="instructor-42", trainee="SN-0001")
    mentored = MentorshipRecordedV1(
        community_id=str(uuid.uuid4()),
        partnership_id=pid,
        mentor_subject="mentored_trainee@x",
        mentor_country_code="BR",
        trainee_id="SN-0001",
        trainee_country_code="SN",
        recorded_at=datetime.now(UTC),
    )
    await deliver(assessment, mentored)  # as training announces it
    cases: dict[str, dict[str, Any]] = {
        "not_competent": {"competencies": ["drones"]},
        "own_agency": {"country_code": "SN", "agency_id": TRAINEE_AGENCY},
        "own_country": {"country_code": "SN"},
        "instructed_trainee": {"instructor_id": "instructor-42"},
        "mentored_trainee": {},
        "declared_relation": {"declarations": [{"trainee_id": "SN-0001", "nature": "former colleague"}]},
    }
    senegal = acting(assessment, "national_coordinator", country="SN")
    for rule, fields in cases.items():
        who = await registered(
            assessment, pid, fields.get("country_code", "BR"), subject=f"{rule}@x", **fields
        )
        body = {
            "id": str(uuid.uuid4()),
            "evaluator_id": who["id"],
            "rubric_version_id": vid,
            "trainee_id": "SN-0001",
            "trainee_country_code": "SN",
            "trainee_agency_id": TRAINEE_AGENCY,
        }
        refused = await assessment.post("/assessment-assignments", json=body, headers=senegal)
        assert (refused.status_code, refused.json()["code"]) == (422, rule), refused.text
        assert refused.json()["errors"][0]["field"] == "evaluator_id"
        if rule == "own_country":
            allowed = {"evaluators_of_own_country": True}
            policy = f"/partnerships/{pid}/assessment-policy"
            brazil = acting(assessment, "national_coordinator", country="BR")
            assert (await assessment.put(policy, json=allowed, headers=brazil)).status_code == 403
            assert (await assessment.put(policy, json=allowed, headers=lead(assessment))).status_code == 200
            lifted = await assessment.post("/assessment-assignments", json=body, headers=senegal)
            assert lifted.status_code == 201, "the partnership allows it now: " + lifted.text
            await assessment.put(policy, json={"evaluators_of_own_country": False}, headers=lead(assessment))

    free = await registered(assessment, pid, "BR", subject="free@x")
    body = {
        "id": str(uuid.uuid4()),
        "evaluator_id": free["id"],
        "rubric_version_id": vid,
        "trainee_id": "SN-0001",
        "trainee_country_code": "SN",
        "trainee_agency_id": TRAINEE_AGENCY,
    }
    brazil = acting(assessment, "national_coordinator", country="BR")
    refused = await assessment.post("/assessment-assignments", json=body, headers=brazil)
    assert (refused.status_code, refused.json()["code"]) == (403, "not_lead_nor_trainees_country"), (
        refused.text
    )
    assert (await assessment.post("/assessment-assignments", json=body, headers=senegal)).status_code == 201
    assert (await assessment.post("/assessment-assignments", json=body, headers=senegal)).status_code == 200
    stranger = {**body, "id": str(uuid.uuid4()), "evaluator_id": str(uuid.uuid4())}
    unknown = await assessment.post("/assessment-assignments", json=stranger, headers=senegal)
    assert (unknown.status_code, unknown.json()["code"]) == (422, "evaluator_unknown"), unknown.text
    listed = (await assessment.get(f"/partnerships/{pid}/evaluators", headers=senegal)).json()
    assert len(listed) == len(cases) + 1
    foreign = await assessment.post(
        f"/partnerships/{pid}/evaluators",
        json={
            **free,
            "id": str(uuid.uuid4()),
            "subject": "jp@x",
            "country_code": "JP",
            "affiliation_kind": "agency",
        },
        headers=lead(assessment),
    )
    assert (foreign.status_code, foreign.json()["errors"][0]["field"]) == (422, "country_code"), (
        "an agency outside the partnership: " + foreign.text
    )


async def test_a_rubric_names_a_curriculum_of_its_own_partnership_and_modules_it_has(
    assessment: httpx.AsyncClient,
) -> None:
    pid, other = await partnership(assessment), await partnership(assessment)
    curriculum = str(uuid.uuid4())
    approved = CurriculumApprovedV1(
        **{**EXAMPLES["training.curriculum_approved.v1"], "curriculum_id": curriculum, "partnership_id": pid}
    )
    await deliver(assessment, approved)  # as training announces it
    modules = [m.code for m in approved.modules]
    url = f"/partnerships/{pid}/rubrics"

    def rubric(**fields: Any) -> dict[str, Any]:
        return {"id": str(uuid.uuid4()), "competency": "cf:chain-of-custody", "title": "Custody", **fields}

    for body, where, field, code in (
        (rubric(curriculum_id=curriculum, module_ids=["nowhere"]), url, "module_ids.0", "unknown_module"),
        (rubric(module_ids=modules), url, "module_ids", "modules_without_curriculum"),
        (
            rubric(curriculum_id=curriculum),
            f"/partnerships/{other}/rubrics",
            "curriculum_id",
            "curriculum_of_another_partnership",
        ),
    ):
        refused = await assessment.post(where, json=body, headers=lead(assessment))
        assert (refused.status_code, refused.json()["errors"][0]["field"], refused.json()["code"]) == (
            422,
            field,
            code,
        )
    made = await assessment.post(
        url, json=rubric(curriculum_id=curriculum, module_ids=modules), headers=lead(assessment)
    )
    assert made.status_code == 201, made.text
    draft = await assessment.post(url, json=rubric(curriculum_id=str(uuid.uuid4())), headers=lead(assessment))
    assert draft.status_code == 201, (
        "a curriculum not approved yet is taken as it is (training checks it later)"
    )
