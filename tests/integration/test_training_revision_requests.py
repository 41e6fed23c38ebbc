"""Revision requests decided through the training API on real PostgreSQL: an assessment finding arrives as a
request to revise one of the partnership's curricula (once; a curriculum of another partnership is declined at
once); the drafting country accepts it into the open draft or a new revision draft, or declines it with a
reason; every decision is announced to the partnership, so the requester sees the outcome."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx

from contracts.events.evaluation import SurveyRevisionRequestedV1
from contracts.events.incidents import TrainingRevisionRequestedV1
from tests.integration.test_partner_relations_api import envelope_of, outbox_records
from tests.integration.test_training_cohorts import world
from tests.integration.test_training_facilities import training
from tests.integration.test_training_instructors import instructor
from tests.integration.training_events import deliver
from tests.integration.training_world import revision_finding, revision_requested
from tests.support import acting

__all__ = ["training"]  # the fixture


def coordinator(api: httpx.AsyncClient, country: str) -> dict[str, str]:
    return acting(api, "programme_coordinator", country=country)


async def request_of(api: httpx.AsyncClient, request_id: str) -> dict[str, Any]:
    found = await api.get(f"/revision-requests/{request_id}", headers=coordinator(api, "SN"))
    assert found.status_code == 200, found.text
    return dict(found.json())


async def decisions(api: httpx.AsyncClient, partnership: str) -> list[dict[str, Any]]:
    events = [envelope_of(r) for r in await outbox_records(api, "training.revision_request_decided.v1")]
    return [
        {**e.data, "audience": e.extensions["audience"]}
        for e in events
        if e.data["partnership_id"] == partnership
    ]


async def test_the_drafting_country_accepts_a_finding_into_a_draft_or_declines_it_with_a_reason(
    training: httpx.AsyncClient,
) -> None:
    w = await world(training)
    curriculum = w["version"]["curriculum_id"]
    finding = str(uuid.uuid4())
    first = await revision_requested(training, curriculum, w["id"], "FR", finding_id=finding)
    assert await revision_requested(training, curriculum, w["id"], "FR", finding_id=finding) == first, (
        "a redelivered finding is one request"
    )
    listed = await training.get(
        f"/curricula/{curriculum}/revision-requests", headers=coordinator(training, "BR")
    )
    assert [(r["source"], r["status"], r["evidence"]["criterion_id"]) for r in listed.json()["items"]] == [
        ("assessment", "open", "custody")
    ]

    accept, decline = (f"/revision-requests/{first}/{verb}" for verb in ("acceptance", "declination"))
    member = await training.post(accept, json={}, headers=coordinator(training, "BR"))
    assert (member.status_code, member.json()["code"]) == (403, "not_steering"), (
        "a member who does not draft it"
    )
    outsider = await training.post(accept, json={}, headers=coordinator(training, "JP"))
    assert outsider.status_code in (403, 404)
    reasonless = await training.post(decline, json={"reason": ""}, headers=coordinator(training, "FR"))
    assert (reasonless.status_code, reasonless.json()["errors"][0]["field"]) == (422, "reason"), (
        reasonless.text
    )

    accepted = await training.post(
        accept, json={"note": "A custody exercise in m2"}, headers=coordinator(training, "FR")
    )
    assert accepted.status_code == 200, accepted.text
    assert (accepted.json()["status"], accepted.json()["draft_version"]) == ("accepted", 2)
    draft = (
        await training.get(f"/curricula/{curriculum}/versions/2", headers=coordinator(training, "FR"))
    ).json()
    assert draft["status"] == "draft" and first in draft["reason"], (
        "the new draft names the request it takes up"
    )
    again = await training.post(
        accept, json={"note": "A custody exercise in m2"}, headers=coordinator(training, "FR")
    )
    assert again.status_code == 200 and again.json()["decided_at"] == accepted.json()["decided_at"]
    late = await training.post(
        decline, json={"reason": "changed our mind"}, headers=coordinator(training, "FR")
    )
    assert (late.status_code, late.json()["code"]) == (409, "revision_request_decided")

    second = await revision_requested(training, curriculum, w["id"], "FR")
    joined = await training.post(
        f"/revision-requests/{second}/acceptance", json={}, headers=coordinator(training, "FR")
    )
    assert joined.json()["draft_version"] == 2, "the open draft takes it up: no second draft"
    third = await revision_requested(training, curriculum, w["id"], "FR")
    declined = await training.post(
        f"/revision-requests/{third}/declination",
        json={"reason": "Covered by the refresher programme"},
        headers=coordinator(training, "FR"),
    )
    assert (declined.json()["status"], declined.json()["decision_reason"]) == (
        "declined",
        "Covered by the refresher programme",
    )

    edited = await training.put(
        f"/curricula/{curriculum}/draft",
        json={"title": "Chain of custody, with practice", "modules": draft["modules"]},
        headers=coordinator(training, "FR"),
    )
    assert edited.status_code == 200, edited.text
    due = (datetime.now(UTC) + timedelta(days=3)).isoformat()
    submitted = await training.post(
        f"/curricula/{curriculum}/draft/submission",
        json={"decide_by": due},
        headers=coordinator(training, "FR"),
    )
    assert submitted.status_code == 200, submitted.text
    fourth = await revision_requested(training, curriculum, w["id"], "FR")
    busy = await training.post(
        f"/revision-requests/{fourth}/acceptance", json={}, headers=coordinator(training, "FR")
    )
    assert (busy.status_code, busy.json()["code"]) == (409, "version_under_decision"), busy.text
    assert (await request_of(training, fourth))["status"] == "open", "a refused acceptance changes nothing"

    announced = await decisions(training, w["id"])
    assert [(d["revision_request_id"], d["outcome"], d["draft_version"]) for d in announced] == [
        (first, "accepted", 2),
        (second, "accepted", 2),
        (third, "declined", None),
    ]
    assert all(d["source"] == "assessment" and d["decided_by_country_code"] == "FR" for d in announced)
    assert {d["audience"] for d in announced} == {"BR,FR,SN"}


async def test_a_finding_about_another_partnerships_curriculum_is_declined_at_once_and_refreshers_need_no_decision(
    training: httpx.AsyncClient,
) -> None:
    ours, theirs = await world(training), await world(training)
    finding = str(uuid.uuid4())
    # An id from another service is untrusted: this one names a curriculum of another partnership.
    await deliver(
        training, revision_finding(theirs["version"]["curriculum_id"], ours["id"], "FR", finding_id=finding)
    )
    stored = (
        await training.get(
            "/revision-requests", params={"partnership_id": ours["id"]}, headers=coordinator(training, "SN")
        )
    ).json()["items"]
    assert [(r["status"], r["curriculum_id"]) for r in stored] == [("declined", None)], (
        "never pointed at another partnership's curriculum"
    )
    assert "not a curriculum of the partnership" in stored[0]["decision_reason"]
    announced = await decisions(training, ours["id"])
    assert [(d["finding_id"], d["outcome"], d["decided_by_country_code"]) for d in announced] == [
        (finding, "declined", None)
    ]
    refused = await training.post(
        f"/revision-requests/{stored[0]['id']}/acceptance", json={}, headers=coordinator(training, "FR")
    )
    assert refused.status_code in (403, 409), refused.text

    refresher = TrainingRevisionRequestedV1(
        finding_id=str(uuid.uuid4()),
        drill_id=str(uuid.uuid4()),
        partnership_id=ours["id"],
        request="refresher",
        competency="cf:chain-of-custody",
        countries=["SN"],
        summary="Custody forms forgotten in the drill",
        rating="minor",
        requested_at=datetime.now(UTC),
    )
    await deliver(training, refresher)
    drill = next(
        r
        for r in (
            await training.get(
                "/revision-requests",
                params={"partnership_id": ours["id"]},
                headers=coordinator(training, "SN"),
            )
        ).json()["items"]
        if r["source"] == "drill"
    )
    assert drill["request"] == "refresher" and drill["rating"] == "minor"
    nothing = await training.post(
        f"/revision-requests/{drill['id']}/acceptance", json={}, headers=coordinator(training, "FR")
    )
    assert nothing.status_code in (403, 409), "no curriculum: nobody steers it, nothing to accept"


async def test_the_instructors_concerned_get_a_development_action_their_country_follows_up(
    training: httpx.AsyncClient,
) -> None:
    w = await world(training)
    teacher = await instructor(training, w, "FR-T-77")
    curriculum = w["version"]["curriculum_id"]
    finding = str(uuid.uuid4())
    for _ in range(2):  # redelivered: one action per instructor and request
        await revision_requested(
            training,
            curriculum,
            w["id"],
            "FR",
            finding_id=finding,
            instructor_ids=[teacher["id"], str(uuid.uuid4()), "not-an-id"],
        )
    url = f"/instructors/{teacher['id']}/development-actions"
    [action] = (await training.get(url, headers=coordinator(training, "FR"))).json()
    assert action["status"] == "open" and "Keeps the chain of custody" in action["summary"], action
    assert (await training.get(url, headers=coordinator(training, "SN"))).json() == [], (
        "shared with Senegal, but followed up by France alone"
    )
    done = f"/development-actions/{action['id']}/completion"
    assert (
        await training.post(done, json={"note": "x"}, headers=coordinator(training, "FR"))
    ).status_code == 422
    refused = await training.post(done, json={"note": "Coached"}, headers=coordinator(training, "SN"))
    assert refused.status_code in (403, 404)
    completed = await training.post(
        done, json={"note": "Two days of coaching on custody forms"}, headers=coordinator(training, "FR")
    )
    assert (completed.json()["status"], completed.json()["completion_note"]) == (
        "done",
        "Two days of coaching on custody forms",
    )


async def test_a_survey_finding_arrives_with_the_surveys_figures_and_is_decided_like_any(
    training: httpx.AsyncClient,
) -> None:
    w = await world(training)
    curriculum = w["version"]["curriculum_id"]
    survey = SurveyRevisionRequestedV1(
        finding_id=str(uuid.uuid4()),
        partnership_id=w["id"],
        curriculum_id=curriculum,
        survey_id=str(uuid.uuid4()),
        question_id="share",
        question="Would you share a case file?",
        mean=Decimal("1.80"),
        scale_minimum=1,
        scale_maximum=5,
        responses=12,
        summary="Teach the evidence-sharing procedure",
        raised_by_country_code="FR",
        raised_at=datetime.now(UTC),
    )
    await deliver(training, survey)
    listed = await training.get(
        f"/curricula/{curriculum}/revision-requests", headers=coordinator(training, "SN")
    )
    [request] = listed.json()["items"]
    assert (request["source"], request["evidence"]["mean"], request["evidence"]["responses"]) == (
        "assessment",
        "1.80",
        12,
    )
    declined = await training.post(
        f"/revision-requests/{request['id']}/declination",
        json={"reason": "Already in version 2"},
        headers=coordinator(training, "FR"),
    )
    assert declined.json()["status"] == "declined", declined.text
