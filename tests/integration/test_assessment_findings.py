"""Findings through the assessment API on real PostgreSQL: readers see how often each criterion was failed; the
lead raises a finding on one, which asks training to revise the curriculum the rubric assesses (with counts only
where no member could trace them to a few trainees); training's answer comes back as an event and is kept."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import httpx

from contracts.events.revisions import RevisionRequestDecidedV1
from tests.integration.assessment_world import (
    assessment,
    assigned,
    deliver,
    evaluator,
    lead,
    partnership,
    published_rubric,
    registered,
    taught,
)
from tests.integration.test_assessment_rubrics import scored
from tests.integration.test_partner_relations_api import envelope_of, outbox_records
from tests.support import acting

__all__ = ["assessment"]  # the fixture

CURRICULUM = str(uuid.uuid4())
GOOD = {"imaging": 4, "custody": 4, "proportion": 4, "interpreter": 4, "rights": 4}


async def assessed(api: httpx.AsyncClient, pid: str, version_id: str, levels: list[dict[str, int]]) -> None:
    """Senegalese trainees SN-0001... assessed by a Brazilian evaluator at the levels given."""
    examiner = await registered(api, pid, "BR")
    for number, changes in enumerate(levels, start=1):
        trainee = f"SN-{number:04d}"
        task = await assigned(api, examiner["id"], version_id, trainee)
        body = scored(version_id, {**GOOD, **changes}, task, trainee_id=trainee)
        made = await api.post("/assessments", json=body, headers=evaluator(api, "BR"))
        assert made.status_code == 201, made.text


def finding(version_id: str, criterion: str, **fields: Any) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "rubric_version_id": version_id,
        "criterion_id": criterion,
        "summary": "Trainees need practice on this: add an exercise to the module",
        **fields,
    }


async def test_the_lead_turns_the_most_failed_criterion_into_a_revision_request_with_safe_evidence(
    assessment: httpx.AsyncClient,
) -> None:
    pid = await partnership(assessment)
    world = await published_rubric(assessment, pid, curriculum_id=CURRICULUM, module_ids=["m2"])
    rid, vid = world["rubric"]["id"], world["version"]["id"]
    instructor = str(uuid.uuid4())
    await taught(assessment, pid, instructor=instructor, trainee="SN-0002", by="FR")  # who taught SN-0002
    await assessed(assessment, pid, vid, [{"rights": 1}, {"rights": 1, "custody": 0}, {"rights": 0}])

    tallies = await assessment.get(
        f"/rubrics/{rid}/versions/{vid}/criterion-failures", headers=lead(assessment)
    )
    assert tallies.status_code == 200, tallies.text
    assert [(t["criterion_id"], t["failed"], t["assessed"], t["publishable"]) for t in tallies.json()][
        :2
    ] == [
        ("rights", 3, 3, True),
        ("custody", 1, 3, False),
    ]
    brazil = acting(assessment, "programme_coordinator", country="BR")
    outsider = acting(assessment, "auditor", country="JP")
    assert (
        await assessment.get(f"/rubrics/{rid}/versions/{vid}/criterion-failures", headers=outsider)
    ).status_code in (403, 404)

    refused = await assessment.post(f"/rubrics/{rid}/findings", json=finding(vid, "rights"), headers=brazil)
    assert (refused.status_code, refused.json()["code"]) == (403, "not_steering"), "a member is not the lead"
    for body, field, code in (
        (finding(vid, "drone"), "criterion_id", "unknown_criterion"),
        (finding(vid, "imaging"), "criterion_id", "criterion_never_failed"),
        (finding(str(uuid.uuid4()), "rights"), "rubric_version_id", "rubric_version_unknown"),
        ({**finding(vid, "rights"), "summary": ""}, "summary", None),
    ):
        bad = await assessment.post(f"/rubrics/{rid}/findings", json=body, headers=lead(assessment))
        assert bad.status_code == 422, bad.text
        assert bad.json()["errors"][0]["field"] == field, bad.text
        assert code is None or bad.json()["code"] == code, bad.text

    rights = finding(vid, "rights")
    raised = await assessment.post(f"/rubrics/{rid}/findings", json=rights, headers=lead(assessment))
    assert raised.status_code == 201, raised.text
    evidence = {k: v for k, v in raised.json()["evidence"].items() if v is not None}
    assert evidence == {
        "criterion_id": "rights",
        "dimension": "human_rights",
        "criterion": "Respects the suspect's rights",
        "failed": 3,
        "assessed": 3,
        "suppressed": False,
    }
    again = await assessment.post(f"/rubrics/{rid}/findings", json=rights, headers=lead(assessment))
    assert again.status_code == 200
    reused = await assessment.post(
        f"/rubrics/{rid}/findings", json={**rights, "criterion_id": "custody"}, headers=lead(assessment)
    )
    assert (reused.status_code, reused.json()["code"]) == (409, "finding_id_reused")
    custody = await assessment.post(
        f"/rubrics/{rid}/findings", json=finding(vid, "custody"), headers=lead(assessment)
    )
    assert custody.status_code == 201, custody.text
    assert custody.json()["evidence"]["suppressed"] is True
    assert (custody.json()["evidence"]["failed"], custody.json()["evidence"]["assessed"]) == (None, None), (
        "one trainee's failure is not a figure for every member"
    )

    events = [
        envelope_of(r)
        for r in await outbox_records(assessment, "assessment.curriculum_revision_requested.v1")
    ]
    mine = [e for e in events if e.data["partnership_id"] == pid]
    assert [
        (e.data["evidence"]["criterion_id"], e.data["curriculum_id"], e.data["instructor_ids"]) for e in mine
    ] == [
        ("rights", CURRICULUM, [instructor]),
        ("custody", CURRICULUM, [instructor]),
    ], "SN-0002 failed both and was taught by the cohort's instructor"
    assert {e.extensions["audience"] for e in mine} == {"BR,FR,SN"}, "the partnership's members"
    assert "SN-0001" not in str([e.data for e in mine]), "no trainee named"

    listed = await assessment.get(f"/partnerships/{pid}/findings", headers=brazil)
    assert [f["criterion_id"] for f in listed.json()] == ["rights", "custody"], "members read findings"
    japan = acting(assessment, "auditor", country="JP")
    assert (await assessment.get(f"/findings/{rights['id']}", headers=japan)).status_code in (403, 404)


async def test_a_rubric_without_curriculum_has_nothing_to_revise_and_trainings_answer_is_kept_once(
    assessment: httpx.AsyncClient,
) -> None:
    pid = await partnership(assessment)
    bare = await published_rubric(assessment, pid)
    await assessed(assessment, pid, bare["version"]["id"], [{"rights": 0}])
    refused = await assessment.post(
        f"/rubrics/{bare['rubric']['id']}/findings",
        json=finding(bare["version"]["id"], "rights"),
        headers=lead(assessment),
    )
    assert (refused.status_code, refused.json()["code"]) == (422, "rubric_without_curriculum"), refused.text

    world = await published_rubric(assessment, pid, curriculum_id=CURRICULUM)
    rid, vid = world["rubric"]["id"], world["version"]["id"]
    examiner = await registered(assessment, pid, "BR", subject="evaluator-2@BR")
    task = await assigned(assessment, examiner["id"], vid, "SN-0042")
    made = await assessment.post(
        "/assessments",
        json=scored(vid, {**GOOD, "rights": 0}, task, trainee_id="SN-0042"),
        headers=evaluator(assessment, "BR", "evaluator-2"),
    )
    assert made.status_code == 201, made.text
    body = finding(vid, "rights")
    assert (
        await assessment.post(f"/rubrics/{rid}/findings", json=body, headers=lead(assessment))
    ).status_code == 201

    def answer(outcome: str, **fields: Any) -> RevisionRequestDecidedV1:
        values: dict[str, Any] = {
            "revision_request_id": str(uuid.uuid4()),
            "finding_id": body["id"],
            "source": "assessment",
            "partnership_id": pid,
            "curriculum_id": CURRICULUM,
            "outcome": outcome,
            "reason": "Taken up in draft version 2.",
            "draft_version": 2 if outcome == "accepted" else None,
            "decided_by_country_code": "FR",
            "decided_at": datetime.now(UTC),
            **fields,
        }
        return RevisionRequestDecidedV1(**values)

    await deliver(assessment, answer("declined", partnership_id=str(uuid.uuid4()), reason="forged"))
    await deliver(assessment, answer("declined", source="drill", reason="another service's finding"))
    assert (await assessment.get(f"/findings/{body['id']}", headers=lead(assessment))).json()[
        "status"
    ] == "raised"
    await deliver(assessment, answer("accepted"))
    await deliver(assessment, answer("declined", reason="too late"))
    seen = (await assessment.get(f"/findings/{body['id']}", headers=lead(assessment))).json()
    assert (seen["status"], seen["draft_version"], seen["outcome_reason"]) == (
        "accepted",
        2,
        "Taken up in draft version 2.",
    )
    assert seen["decided_at"] is not None
