"""Surveys through the assessment API on real PostgreSQL: the lead writes one and issues single-use codes;
respondents answer anonymously without a token, once per code; results appear only after the survey closed and
only from its minimum of responses; nothing kept links a response to a code or a moment."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import text

from tests.integration.assessment_world import as_platform, assessment, lead, partnership
from tests.integration.test_assessment_reports import indicator
from tests.integration.test_partner_relations_api import envelope_of, outbox_records
from tests.support import acting

__all__ = ["assessment"]  # the fixture


def survey_body(**changes: Any) -> dict[str, Any]:
    scale = {"minimum": 1, "maximum": 5, "low_label": "not at all", "high_label": "completely"}
    return {
        "id": str(uuid.uuid4()),
        "title": "Trust between the partner agencies",
        "indicator": "perceived_trust",
        "indicator_question": "trust",
        "country_code": "SN",
        "questions": [
            {"id": "trust", "text": "Do you trust the partner agencies' liaison officers?", "scale": scale},
            {"id": "share", "text": "Would you share a case file with them?", "scale": scale},
        ],
        "min_responses": 3,
        "closes_at": (datetime.now(UTC) + timedelta(days=14)).isoformat(),
        **changes,
    }


async def test_anonymous_answers_with_single_use_codes_show_only_closed_and_in_numbers(
    assessment: httpx.AsyncClient,
) -> None:
    pid = await partnership(assessment)
    await indicator(assessment, pid, "perceived_trust", unit="score", baseline="2.5", target="4")
    url = f"/partnerships/{pid}/surveys"
    for changes, field in (
        ({"indicator": "arrests"}, "indicator"),
        ({"country_code": "JP"}, "country_code"),
        ({"indicator_question": "mood"}, "indicator_question"),
        ({"min_responses": 2}, "min_responses"),
        ({"closes_at": "2020-01-01T00:00:00Z"}, "closes_at"),
    ):
        bad = await assessment.post(url, json=survey_body(**changes), headers=lead(assessment))
        assert (bad.status_code, bad.json()["errors"][0]["field"]) == (422, field), bad.text
    body = survey_body()
    brazil = acting(assessment, "programme_coordinator", country="BR")
    assert (await assessment.post(url, json=body, headers=brazil)).json()["code"] == "not_steering"
    made = await assessment.post(url, json=body, headers=lead(assessment))
    assert made.status_code == 201, made.text
    survey = body["id"]
    invited = await assessment.post(
        f"/surveys/{survey}/invitations", json={"count": 4}, headers=lead(assessment)
    )
    codes = invited.json()["codes"]
    assert len(set(codes)) == 4 and all(len(c) >= 16 for c in codes)
    assert (
        await assessment.post(f"/surveys/{survey}/invitations", json={"count": 1}, headers=brazil)
    ).status_code == 403

    answer = f"/public/surveys/{survey}/responses"
    for answers, field, code in (
        ({"trust": 9, "share": 3}, "answers.trust", "off_scale"),
        ({"trust": 3}, "answers.share", "unanswered"),
        ({"trust": 3, "share": 3, "mood": 1}, "answers.mood", "unknown_question"),
    ):
        bad = await assessment.post(answer, json={"code": codes[0], "answers": answers})  # no token
        assert (bad.status_code, bad.json()["errors"][0]["field"], bad.json()["code"]) == (422, field, code)
    forged = await assessment.post(answer, json={"code": "x" * 24, "answers": {"trust": 3, "share": 3}})
    assert (forged.status_code, forged.json()["code"]) == (403, "code_not_valid")
    for code, (trust, share) in zip(codes[:3], ((5, 4), (4, 4), (3, 1)), strict=True):
        given = await assessment.post(
            answer, json={"code": code, "answers": {"trust": trust, "share": share}}
        )
        assert given.status_code == 204, given.text
    again = await assessment.post(answer, json={"code": codes[0], "answers": {"trust": 1, "share": 1}})
    assert (again.status_code, again.json()["code"]) == (403, "code_not_valid"), "once per code"

    measure = f"/surveys/{survey}/measurement"
    early = await assessment.post(measure, headers=lead(assessment))
    assert (early.status_code, early.json()["code"]) == (409, "survey_open")
    results = f"/surveys/{survey}/results"
    open_ = (await assessment.get(results, headers=brazil)).json()
    assert (open_["responses"], open_["suppressed"], open_["questions"][0]["mean"]) == (3, True, None), (
        "nothing shown while it is open: a late answer would show as a difference"
    )
    async with as_platform(assessment) as session, session.begin():
        await session.execute(
            text("UPDATE surveys SET closes_at = now() - interval '1 minute' WHERE id = :id"), {"id": survey}
        )
        stored = (
            (
                await session.execute(
                    text("SELECT * FROM survey_responses WHERE survey_id = :id"), {"id": survey}
                )
            )
            .mappings()
            .all()
        )
        used = await session.scalar(
            text("SELECT count(*) FROM survey_invitations WHERE survey_id = :id AND used"), {"id": survey}
        )
    assert {frozenset(r.keys()) for r in stored} == {
        frozenset({"id", "survey_id", "answers", "answered_on"})
    }, "no code, no time of day, nobody"
    assert used == 3
    closed = (await assessment.get(results, headers=brazil)).json()
    assert closed["suppressed"] is False
    assert [(q["id"], q["mean"], q["distribution"]) for q in closed["questions"]] == [
        ("trust", "4.00", {"3": 1, "4": 1, "5": 1}),
        ("share", "3.00", {"1": 1, "4": 2}),
    ]
    assert (await assessment.post(measure, headers=brazil)).json()["code"] == "not_steering"
    measured = await assessment.post(measure, headers=lead(assessment))
    assert measured.status_code == 200, measured.text
    assert (measured.json()["country_code"], measured.json()["value"], measured.json()["target_met"]) == (
        "SN",
        "4.0000",
        True,
    ), "Senegal's stakeholders' mean trust against the target of 4"
    assert (await assessment.post(measure, headers=lead(assessment))).json()["id"] == measured.json()["id"]
    announced = [
        envelope_of(r).data for r in await outbox_records(assessment, "assessment.indicator_measured.v1")
    ]
    assert [a["indicator"] for a in announced if a["partnership_id"] == pid] == ["perceived_trust"], "once"
    finding = {
        "id": str(uuid.uuid4()),
        "question_id": "share",
        "curriculum_id": str(uuid.uuid4()),
        "summary": "Officers would not share case files: teach the evidence-sharing procedure with practice",
    }
    findings = f"/surveys/{survey}/findings"
    wrong = await assessment.post(findings, json={**finding, "question_id": "mood"}, headers=lead(assessment))
    assert (wrong.status_code, wrong.json()["errors"][0]["field"]) == (422, "question_id")
    raised = await assessment.post(findings, json=finding, headers=lead(assessment))
    assert raised.status_code == 201, raised.text
    assert (
        raised.json()["survey_id"],
        raised.json()["evidence"]["mean"],
        raised.json()["evidence"]["responses"],
    ) == (
        survey,
        "3.00",
        3,
    )
    asked = [
        envelope_of(r) for r in await outbox_records(assessment, "assessment.survey_revision_requested.v1")
    ]
    assert [(e.data["question_id"], e.data["mean"], e.extensions["audience"]) for e in asked] == [
        ("share", "3.00", "BR,FR,SN")
    ]
    late = await assessment.post(answer, json={"code": codes[3], "answers": {"trust": 1, "share": 1}})
    assert (late.status_code, late.json()["code"]) == (409, "survey_closed")
    japan = acting(assessment, "auditor", country="JP")
    assert (await assessment.get(results, headers=japan)).status_code in (403, 404)


async def test_a_survey_short_of_its_minimum_shows_no_figure_even_closed(
    assessment: httpx.AsyncClient,
) -> None:
    pid = await partnership(assessment)
    body = survey_body(indicator=None, min_responses=5)
    assert (
        await assessment.post(f"/partnerships/{pid}/surveys", json=body, headers=lead(assessment))
    ).status_code == 201
    codes = (
        await assessment.post(
            f"/surveys/{body['id']}/invitations", json={"count": 2}, headers=lead(assessment)
        )
    ).json()["codes"]
    for code in codes:
        given = await assessment.post(
            f"/public/surveys/{body['id']}/responses",
            json={"code": code, "answers": {"trust": 2, "share": 2}},
        )
        assert given.status_code == 204
    async with as_platform(assessment) as session, session.begin():
        await session.execute(
            text("UPDATE surveys SET closes_at = now() - interval '1 minute' WHERE id = :id"),
            {"id": body["id"]},
        )
    shown = (await assessment.get(f"/surveys/{body['id']}/results", headers=lead(assessment))).json()
    assert (shown["responses"], shown["suppressed"]) == (2, True)
    assert all(q["mean"] is None and q["distribution"] is None for q in shown["questions"])
    hidden = await assessment.post(
        f"/surveys/{body['id']}/findings",
        json={
            "id": str(uuid.uuid4()),
            "question_id": "trust",
            "curriculum_id": str(uuid.uuid4()),
            "summary": "Low",
        },
        headers=lead(assessment),
    )
    assert (hidden.status_code, hidden.json()["code"]) == (409, "survey_not_shown"), "no figure, no evidence"
    nothing = await assessment.post(f"/surveys/{body['id']}/measurement", headers=lead(assessment))
    assert (nothing.status_code, nothing.json()["code"]) == (409, "survey_measures_nothing")
