"""Attendance and progress reported as xAPI statements by learning platforms, folded into module progress,
announced on first completion, and summed up as analytics per cohort and per partner country."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from contracts.envelope import decode
from tests.integration.test_partner_relations_api import outbox_records
from tests.integration.test_training_cohorts import ncu, schedule, world
from tests.integration.test_training_facilities import training
from tests.support import acting

__all__ = ["training"]  # the fixture
ADL = "http://adlnet.gov/expapi/verbs/"


def statement(cohort: str, trainee: str, module: str, verb: str, **result: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": str(uuid.uuid4()),
        "actor": {"objectType": "Agent", "account": {"homePage": "https://lms.example.sn", "name": trainee}},
        "verb": {"id": ADL + verb, "display": {"en-US": verb}},
        "object": {"objectType": "Activity", "id": f"urn:training-backbone:cohort:{cohort}:module:{module}"},
        "timestamp": "2031-05-05T10:00:00Z",
        "context": {"platform": "Moodle"},  # xAPI fields we do not read are accepted
    }
    if result:
        body["result"] = result
    return body


async def enrolled(api: httpx.AsyncClient, w: dict[str, Any], cohort: str, country: str, trainee: str) -> str:
    agency = w["agencies"][country]
    nominated = await api.post(
        f"/cohorts/{cohort}/nominations",
        json={"agency_id": agency, "trainee_id": trainee, "trainee_name": trainee},
        headers=ncu(api, country),
    )
    approved = await api.post(f"/nominations/{nominated.json()['id']}/approval", headers=ncu(api, country))
    assert approved.json()["status"] == "enrolled", approved.text
    return str(approved.json()["id"])


async def test_statements_become_progress_completions_and_analytics(training: httpx.AsyncClient) -> None:
    w = await world(training)
    cohort = (await schedule(training, w)).json()["id"]
    sn_1 = await enrolled(training, w, cohort, "SN", "SN-1")
    await enrolled(training, w, cohort, "SN", "SN-2")
    br_1 = await enrolled(training, w, cohort, "BR", "BR-1")
    sn_lms = acting(training, "agency_integrator", country="SN", agency=w["agencies"]["SN"])

    batch = [
        statement(cohort, "SN-1", "m1", "attended"),
        statement(cohort, "SN-1", "m1", "attempted", duration="PT45M", score={"scaled": 0.4}),
        statement(
            cohort,
            "SN-1",
            "m1",
            "passed",
            duration="PT1H15M",
            success=True,
            score={"raw": 85, "min": 0, "max": 100},
        ),
        statement(cohort, "SN-1", "m2", "completed", duration="PT2H", completion=True),
        statement(cohort, "SN-2", "m1", "failed", duration="PT30M", success=False, score={"scaled": 0.3}),
    ]
    stored = await training.post("/xapi/statements", json=batch, headers=sn_lms)
    assert stored.status_code == 200, stored.text
    assert stored.json() == [s["id"] for s in batch]
    retried = await training.post("/xapi/statements", json=batch[2], headers=sn_lms)
    assert retried.status_code == 200, "a platform's retry is stored once"
    changed = await training.post(
        "/xapi/statements", json={**batch[2], "timestamp": "2031-05-06T10:00:00Z"}, headers=sn_lms
    )
    assert (changed.status_code, changed.json()["code"]) == (409, "statement_conflict")

    progress = {
        p["module_code"]: p
        for p in (await training.get(f"/nominations/{sn_1}/progress", headers=ncu(training, "SN"))).json()[
            "items"
        ]
    }
    assert progress["m1"]["status"] == "completed" and progress["m1"]["attempts"] == 2
    assert progress["m1"]["seconds"] == 2 * 3600 and float(progress["m1"]["best_score"]) == 0.85
    assert progress["m2"]["status"] == "completed"
    completions = [
        decode(r.headers, r.key, r.value).data
        for r in await outbox_records(training, "training.module_completed.v1")
        if decode(r.headers, r.key, r.value).data["cohort_id"] == cohort
    ]
    assert sorted((c["trainee_id"], c["module_code"]) for c in completions) == [
        ("SN-1", "m1"),
        ("SN-1", "m2"),
    ]
    assert next(c for c in completions if c["module_code"] == "m1")["passed"] is True

    br_lms = acting(training, "agency_integrator", country="BR", agency=w["agencies"]["BR"])
    not_theirs = await training.post(
        "/xapi/statements", json=statement(cohort, "SN-1", "m1", "attended"), headers=br_lms
    )
    assert (not_theirs.status_code, not_theirs.json()["errors"][0]["field"]) == (422, "actor.account.name")
    organiser = acting(training, "programme_coordinator", country="FR")
    for_brazil = await training.post(
        "/xapi/statements", json=statement(cohort, "BR-1", "m1", "attended"), headers=organiser
    )
    assert for_brazil.status_code == 200, "the organiser's platform reports for every country"
    assert (
        await training.get(f"/nominations/{br_1}/progress", headers=ncu(training, "SN"))
    ).status_code == 404

    figures = (await training.get(f"/cohorts/{cohort}/analytics", headers=ncu(training, "BR"))).json()
    assert (figures["enrolled"], figures["completed_all"], figures["modules_total"]) == (3, None, 2), (
        "the total minus Brazil's own would give Senegal's hidden group away"
    )
    assert figures["totals_suppressed"] and figures["completion_rate"] is None
    assert all(m["completed"] is None and m["completion_rate"] is None for m in figures["modules"])
    seen_by_brazil = {c["country_code"]: c for c in figures["by_country"]}
    assert seen_by_brazil["SN"]["suppressed"] and seen_by_brazil["SN"]["completed_all"] is None, (
        "two Senegalese trainees are too few for Brazil to see their outcomes"
    )
    assert (seen_by_brazil["BR"]["enrolled"], seen_by_brazil["BR"]["completed_all"]) == (1, 0), (
        "its own, always"
    )
    organiser = (await training.get(f"/cohorts/{cohort}/analytics", headers=ncu(training, "FR"))).json()
    by_country = {c["country_code"]: c for c in organiser["by_country"]}
    assert (
        by_country["SN"]["enrolled"],
        by_country["SN"]["completed_all"],
        by_country["SN"]["completion_rate"],
    ) == (2, 1, 0.5), "the organiser sees every country's outcomes"
    assert (organiser["completed_all"], organiser["totals_suppressed"]) == (1, False)
    m1 = next(m for m in organiser["modules"] if m["code"] == "m1")
    assert (m1["completed"], m1["completion_rate"]) == (1, round(1 / 3, 4))
    assert "SN-1" not in str(organiser), "aggregates only"
    partners = (await training.get(f"/partnerships/{w['id']}/analytics", headers=ncu(training, "SN"))).json()
    assert {c["country_code"]: c["completed_all"] for c in partners["by_country"]} == {"SN": 1, "BR": None}
    assert (
        await training.get(f"/partnerships/{w['id']}/analytics", headers=ncu(training, "GH"))
    ).status_code == 404


async def test_bad_statements_are_refused_with_the_field_named_and_store_nothing(
    training: httpx.AsyncClient,
) -> None:
    w = await world(training)
    cohort = (await schedule(training, w)).json()["id"]
    await enrolled(training, w, cohort, "SN", "SN-1")
    lms = acting(training, "agency_integrator", country="SN", agency=w["agencies"]["SN"])
    good = statement(cohort, "SN-1", "m1", "completed")
    cases = [
        ({**good, "verb": {"id": ADL + "liked"}}, "verb.id"),
        ({**good, "object": {"id": "https://example.org/activity/1"}}, "object.id"),
        ({**good, "object": {"id": f"urn:training-backbone:cohort:{cohort}:module:m9"}}, "object.id"),
        ({**good, "timestamp": "2031-05-05T10:00:00"}, "timestamp"),
        ({**good, "result": {"duration": "90 minutes"}}, "result.duration"),
        ({**good, "actor": {"account": {"homePage": "x", "name": "SN-404"}}}, "actor.account.name"),
        # Numbers that overflowed a column or timedelta (a 500 before issue 14):
        ({**good, "result": {"score": {"raw": 1e300, "min": 0, "max": 1e301}}}, "result.score.raw"),
        ({**good, "result": {"score": {"raw": 100, "min": 0, "max": 1}}}, "result.score"),
        ({**good, "result": {"duration": "P" + "9" * 30 + "D"}}, "result.duration"),
    ]
    for bad, field in cases:
        refused = await training.post(
            "/xapi/statements", json=[good, {**bad, "id": str(uuid.uuid4())}], headers=lms
        )
        assert refused.status_code == 422, (field, refused.text)
        assert any(e["field"].endswith(field) for e in refused.json()["errors"]), (field, refused.json())
    assert (await training.get(f"/cohorts/{cohort}/analytics", headers=ncu(training, "SN"))).json()[
        "modules"
    ][0]["completed"] == 0, "a refused batch stores none of its statements"
