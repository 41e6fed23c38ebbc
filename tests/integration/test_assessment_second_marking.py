"""Second marking through the assessment API on real PostgreSQL: under the partnership's policy each trainee is
marked twice by different evaluators who do not see the trainee's country; within the threshold the agreed result
is the average, beyond it an external moderator decides; only the settled result is announced."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from tests.integration.assessment_world import (
    TRAINEE_AGENCY,
    assessment,
    evaluator,
    lead,
    partnership,
    published_rubric,
    registered,
)
from tests.integration.test_assessment_rubrics import scored
from tests.integration.test_partner_relations_api import envelope_of, outbox_records
from tests.support import acting

__all__ = ["assessment"]  # the fixture

TOP = {"imaging": 4, "custody": 4, "proportion": 4, "interpreter": 4, "rights": 4}


async def assign(api: httpx.AsyncClient, evaluator_id: str, version_id: str, trainee: str) -> httpx.Response:
    body = {
        "id": str(uuid.uuid4()),
        "evaluator_id": evaluator_id,
        "rubric_version_id": version_id,
        "trainee_id": trainee,
        "trainee_country_code": "SN",
        "trainee_agency_id": TRAINEE_AGENCY,
    }
    return await api.post(
        "/assessment-assignments", json=body, headers=acting(api, "national_coordinator", country="SN")
    )


async def mark(
    api: httpx.AsyncClient, who: dict[str, str], task: str, vid: str, trainee: str, **levels: int
) -> Any:
    body = scored(vid, {**TOP, **levels}, task, trainee_id=trainee)
    del body["trainee_country_code"]  # blind: the marker does not know it
    made = await api.post("/assessments", json=body, headers=who)
    assert made.status_code == 201, made.text
    return made.json()


async def test_two_blind_markings_agree_on_their_average_or_an_external_moderator_decides(
    assessment: httpx.AsyncClient,
) -> None:
    pid = await partnership(assessment)
    policy = {
        "evaluators_of_own_country": False,
        "second_marking": True,
        "moderation_threshold": 10,
        "blind_to_country": True,
    }
    set_policy = await assessment.put(
        f"/partnerships/{pid}/assessment-policy", json=policy, headers=lead(assessment)
    )
    assert set_policy.status_code == 200 and set_policy.json()["second_marking"] is True, set_policy.text
    vid = (await published_rubric(assessment, pid))["version"]["id"]
    brazil = await registered(assessment, pid, "BR")
    france = await registered(assessment, pid, "FR")
    police = await registered(
        assessment, pid, "FR", subject="officer@FR", affiliation_kind="agency", agency_id=str(uuid.uuid4())
    )
    moderator = await registered(
        assessment,
        pid,
        "FR",
        subject="moderator@FR",
        affiliation_kind="international_body",
        affiliation="UNODC",
    )
    by_brazil, by_france = evaluator(assessment, "BR"), evaluator(assessment, "FR")

    first = await assign(assessment, brazil["id"], vid, "SN-0001")
    assert (first.status_code, first.json()["marking"]) == (201, "first"), first.text
    same = await assign(assessment, brazil["id"], vid, "SN-0001")
    assert (same.status_code, same.json()["code"]) == (422, "same_marker")
    second = await assign(assessment, france["id"], vid, "SN-0001")
    assert second.json()["marking"] == "second", second.text
    early = await assign(assessment, moderator["id"], vid, "SN-0001")
    assert (early.status_code, early.json()["code"]) == (409, "moderation_not_needed")
    mine = (await assessment.get("/me/assessment-assignments", headers=by_brazil)).json()
    assert [
        (a["trainee_id"], a["trainee_country_code"], a["trainee_agency_id"], a["marking"]) for a in mine
    ] == [("SN-0001", None, None, "first")], "blind: the marker sees the pseudonymous trainee only"

    one = await mark(assessment, by_brazil, first.json()["id"], vid, "SN-0001", rights=3)
    assert (one["status"], one["agreed_percent"], one["trainee_country_code"]) == (
        "awaiting_second",
        None,
        None,
    )
    assert not await outbox_records(assessment, "assessment.trainee_assessed.v1"), "nothing until both marked"
    two = await mark(assessment, by_france, second.json()["id"], vid, "SN-0001", rights=2)
    assert (two["status"], two["percent"], one["percent"]) == ("final", "87.5", "93.8")
    assert (two["agreed_percent"], two["agreed_passed"]) == ("90.6", True), "their averaged levels"

    # SN-0002: the markings differ by far more than 10 points: an external moderator decides.
    firsts = await assign(assessment, brazil["id"], vid, "SN-0002")
    seconds = await assign(assessment, france["id"], vid, "SN-0002")
    await mark(assessment, by_brazil, firsts.json()["id"], vid, "SN-0002")
    apart = await mark(
        assessment, by_france, seconds.json()["id"], vid, "SN-0002", rights=0, custody=0, imaging=1
    )
    assert apart["status"] == "awaiting_moderation"
    insider = await assign(assessment, police["id"], vid, "SN-0002")
    assert (insider.status_code, insider.json()["code"]) == (422, "moderator_not_external"), insider.text
    moderation = await assign(assessment, moderator["id"], vid, "SN-0002")
    assert moderation.json()["marking"] == "moderation", moderation.text
    decided = await mark(
        assessment,
        evaluator(assessment, "FR", "moderator"),
        moderation.json()["id"],
        vid,
        "SN-0002",
        rights=1,
    )
    assert (decided["status"], decided["agreed_percent"], decided["agreed_passed"]) == (
        "final",
        "81.3",
        False,
    )
    third = await assign(assessment, police["id"], vid, "SN-0002")
    assert third.status_code in (409, 422), "marked twice and moderated: no more markers"

    markings = (await assessment.get(f"/partnerships/{pid}/assessments", headers=lead(assessment))).json()
    assert sorted((m["trainee_id"], m["marking"], m["status"]) for m in markings) == [
        ("SN-0001", "first", "second_marked"),
        ("SN-0001", "second", "final"),
        ("SN-0002", "first", "moderated"),
        ("SN-0002", "moderation", "final"),
        ("SN-0002", "second", "moderated"),
    ]
    events = [envelope_of(r).data for r in await outbox_records(assessment, "assessment.trainee_assessed.v1")]
    assert [(e["trainee_id"], e["assessment_id"], e["percent"], e["passed"]) for e in events] == [
        ("SN-0001", two["id"], "90.6", True),
        ("SN-0002", decided["id"], "81.3", False),
    ], "one result per trainee: the agreed one, on the marking that settled it"


async def test_an_evaluator_of_a_country_outside_the_partnership_marks_what_it_is_assigned_and_nothing_else(
    assessment: httpx.AsyncClient,
) -> None:
    pid = await partnership(assessment)
    world = await published_rubric(assessment, pid)
    vid = world["version"]["id"]
    outside_agency = await assessment.post(
        f"/partnerships/{pid}/evaluators",
        json={
            "id": str(uuid.uuid4()),
            "subject": "officer@CH",
            "display_name": "Officer",
            "affiliation_kind": "agency",
            "affiliation": "Police CH",
            "country_code": "CH",
            "competencies": ["cyber.forensics"],
        },
        headers=lead(assessment),
    )
    assert (outside_agency.status_code, outside_agency.json()["errors"][0]["field"]) == (422, "country_code")
    geneva = await registered(
        assessment, pid, "CH", subject="expert@CH", affiliation_kind="international_body", affiliation="UNODC"
    )
    task = await assign(assessment, geneva["id"], vid, "SN-0001")
    assert (task.status_code, task.json()["marking"]) == (201, "single"), task.text
    swiss = evaluator(assessment, "CH", "expert")
    [mine] = (await assessment.get("/me/assessment-assignments", headers=swiss)).json()
    assert (mine["trainee_id"], mine["trainee_country_code"]) == ("SN-0001", "SN")
    assert [c["id"] for c in mine["rubric"]["criteria"]][:2] == ["imaging", "custody"], "what to mark against"
    marked = await mark(assessment, swiss, task.json()["id"], vid, "SN-0001")
    assert (marked["status"], marked["assessor_country_code"]) == ("final", "CH")
    assert (
        await assessment.get(
            f"/assessments/{marked['id']}", headers=acting(assessment, "auditor", country="CH")
        )
    ).status_code == 200
    seen = await assessment.get(
        f"/rubrics/{world['rubric']['id']}", headers=acting(assessment, "evaluator", country="CH")
    )
    assert seen.status_code in (403, 404), "the partnership's records stay the members'"
    other = await assessment.post(
        "/assessments",
        json={**scored(vid, TOP, task.json()["id"], trainee_id="SN-0001"), "id": str(uuid.uuid4())},
        headers=evaluator(assessment, "CH", "someone-else"),
    )
    assert (other.status_code, other.json()["code"]) == (403, "not_assigned")
