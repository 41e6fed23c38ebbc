"""Evaluation plans and their rounds through the assessment API on real PostgreSQL: the lead writes a plan of the
partnership's indicators and publishes it (immutable and public from then on, later versions superseding it);
the workflow's routes open a round with a reviewer of another country for each member's reports, chase the
countries that have not reported and close it with its results, which the public sees for public indicators."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from tests.integration.assessment_world import as_platform, assessment, lead, partnership, registered
from tests.integration.test_assessment_reports import indicator, measured
from tests.integration.test_partner_relations_api import envelope_of, outbox_records
from tests.support import acting

__all__ = ["assessment"]  # the fixture


def content(*indicators: str, **schedule: Any) -> dict[str, Any]:
    return {
        "questions": [{"id": "q1", "text": "Do joint investigations open more often?"}],
        "indicators": list(indicators),
        "methods": ["national statistics"],
        "schedule": {"first_round_on": "2027-01-01", "every_months": 3, "response_days": 30, **schedule},
    }


async def published_plan(api: httpx.AsyncClient, pid: str, *codes: str, **schedule: Any) -> str:
    plan = {"id": str(uuid.uuid4()), "title": "Results framework", "content": content(*codes, **schedule)}
    made = await api.post(f"/partnerships/{pid}/evaluation-plans", json=plan, headers=lead(api))
    assert made.status_code == 201, made.text
    done = await api.post(f"/evaluation-plans/{plan['id']}/publication", headers=lead(api))
    assert done.status_code == 200, done.text
    return str(plan["id"])


def workflows(api: httpx.AsyncClient) -> httpx.AsyncClient:
    """The Temporal worker's view of the API: a client-credentials token with the workflows scope."""
    headers = api.deployment.issuer.workflow_headers()  # type: ignore[attr-defined]
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=api.app),  # type: ignore[attr-defined]
        base_url="http://assessment",
        headers=headers,
    )


async def test_the_lead_publishes_a_plan_that_never_changes_and_anyone_reads(
    assessment: httpx.AsyncClient,
) -> None:
    pid = await partnership(assessment)
    await indicator(assessment, pid, "joint_investigations", handling_code="public")
    url = f"/partnerships/{pid}/evaluation-plans"
    plan = {"id": str(uuid.uuid4()), "title": "Results framework", "content": content("joint_investigations")}
    brazil = acting(assessment, "programme_coordinator", country="BR")
    refused = await assessment.post(url, json=plan, headers=brazil)
    assert (refused.status_code, refused.json()["code"]) == (403, "not_steering"), "a member is not the lead"
    unknown = await assessment.post(
        url, json={**plan, "content": content("arrests")}, headers=lead(assessment)
    )
    assert (unknown.status_code, unknown.json()["errors"][0]["field"]) == (422, "content.indicators.0")
    early = content("joint_investigations", remind_before_days=40)
    bad = await assessment.post(url, json={**plan, "content": early}, headers=lead(assessment))
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"].startswith("content.schedule"), (
        bad.text
    )
    made = await assessment.post(url, json=plan, headers=lead(assessment))
    assert made.status_code == 201 and made.json()["versions"][0]["status"] == "draft", made.text
    assert (await assessment.post(url, json=plan, headers=lead(assessment))).status_code == 200
    reused = await assessment.post(url, json={**plan, "title": "Other"}, headers=lead(assessment))
    assert (reused.status_code, reused.json()["code"]) == (409, "plan_id_reused")

    draft = f"/evaluation-plans/{plan['id']}/draft"
    edited = await assessment.put(
        draft, json=content("joint_investigations", every_months=6), headers=lead(assessment)
    )
    assert (edited.json()["version"], edited.json()["content"]["schedule"]["every_months"]) == (1, 6)
    publication = f"/evaluation-plans/{plan['id']}/publication"
    assert (await assessment.post(publication, headers=brazil)).status_code == 403
    first = await assessment.post(publication, headers=lead(assessment))
    assert first.json()["status"] == "published", first.text
    again = await assessment.post(publication, headers=lead(assessment))
    assert (again.status_code, again.json()["code"]) == (409, "no_draft")
    events = [
        envelope_of(r) for r in await outbox_records(assessment, "assessment.evaluation_plan_published.v1")
    ]
    mine = [e for e in events if e.data["plan_id"] == plan["id"]]
    assert [(e.data["version"], e.data["schedule"]["every_months"]) for e in mine] == [(1, 6)]
    assert mine[0].extensions["audience"] == "*", "a published plan is public"

    second = await assessment.put(draft, json=content("joint_investigations"), headers=lead(assessment))
    assert (second.json()["version"], second.json()["status"]) == (2, "draft"), "a new draft, the first kept"
    assert (await assessment.post(publication, headers=lead(assessment))).json()["version"] == 2
    async with as_platform(assessment) as session, session.begin():
        with pytest.raises(DBAPIError, match="immutable"):
            await session.execute(
                text("UPDATE evaluation_plan_versions SET content = '{}'::jsonb WHERE id = :id"),
                {"id": first.json()["id"]},
            )
    await assessment.put(
        draft, json=content("joint_investigations", every_months=12), headers=lead(assessment)
    )
    public = await assessment.get(f"/public/partnerships/{pid}/evaluation-plans")  # no token
    assert [(v["version"], v["status"]) for v in public.json()] == [(1, "superseded"), (2, "published")], (
        "drafts are not public"
    )
    japan = acting(assessment, "auditor", country="JP")
    assert (await assessment.get(f"/evaluation-plans/{plan['id']}", headers=japan)).status_code in (403, 404)


async def test_a_round_is_opened_chased_and_closed_through_the_workflow_routes(
    assessment: httpx.AsyncClient,
) -> None:
    pid = await partnership(assessment)
    public = await indicator(assessment, pid, "joint_investigations", handling_code="public")
    await indicator(assessment, pid, "informant_tips")
    await registered(assessment, pid, "BR")
    await registered(assessment, pid, "SN", subject="evaluator-1@SN")
    plan_id = await published_plan(assessment, pid, "joint_investigations", "informant_tips")
    due = datetime.now(UTC) + timedelta(days=20)
    body = {
        "version": 1,
        "number": 1,
        "period_start": "2026-07-01",
        "period_end": "2026-09-30",
        "due_at": due.isoformat(),
    }
    assert (
        await assessment.post(
            f"/internal/evaluation-plans/{plan_id}/rounds", json=body, headers=lead(assessment)
        )
    ).status_code == 403, "the workflows' routes are theirs"
    async with workflows(assessment) as worker:
        opened = await worker.post(f"/internal/evaluation-plans/{plan_id}/rounds", json=body)
        assert opened.status_code == 200, opened.text
        assert (await worker.post(f"/internal/evaluation-plans/{plan_id}/rounds", json=body)).json()[
            "id"
        ] == (opened.json()["id"]), "opening it again answers the same round"
        reviewers = {r["country_code"]: r["evaluator_id"] for r in opened.json()["reviewers"]}
        evaluators = {
            e["id"]: e["country_code"]
            for e in (
                await assessment.get(f"/partnerships/{pid}/evaluators", headers=lead(assessment))
            ).json()
        }
        assert set(reviewers) == {"BR", "FR", "SN"}
        assert all(evaluators[e] != country for country, e in reviewers.items()), "never a country's own"
        round_id = opened.json()["id"]

        await measured(assessment, public, "SN", "7", 3)
        chase = f"/internal/evaluation-rounds/{round_id}/chase"
        checked = await worker.post(chase, json={"kind": "check"})
        assert checked.json()["missing"] == ["BR", "FR", "SN"], "Senegal reported one of two indicators"
        key = {"Idempotency-Key": f"evaluation-cycle-{plan_id}:1:reminder"}
        reminded = await worker.post(chase, json={"kind": "reminder"}, headers=key)
        assert (await worker.post(chase, json={"kind": "reminder"}, headers=key)).json() == reminded.json()
        chased = [
            envelope_of(r) for r in await outbox_records(assessment, "assessment.evaluation_round_chased.v1")
        ]
        mine = [e for e in chased if e.data["round_id"] == round_id]
        assert [(e.data["kind"], e.data["missing"], e.extensions["audience"]) for e in mine] == [
            ("reminder", ["BR", "FR", "SN"], "BR,FR,SN")
        ], "one reminder, however often the call is retried"
        closed = await worker.post(f"/internal/evaluation-rounds/{round_id}/closure")
        assert closed.json()["status"] == "closed", closed.text
        assert closed.json()["results"]["indicators"] == [
            {"code": "joint_investigations", "measured_by": ["SN"], "target_met_by": ["SN"]},
            {"code": "informant_tips", "measured_by": [], "target_met_by": []},
        ]
        late = await worker.post(chase, json={"kind": "escalation"})
        assert (late.status_code, late.json()["code"]) == (409, "round_closed")
    shown = (await assessment.get(f"/public/partnerships/{pid}/evaluation-rounds")).json()
    assert [
        (r["number"], [i["code"] for i in r["results"]["indicators"]], r["reviewers"]) for r in shown
    ] == [(1, ["joint_investigations"], [])], "only the public indicator, never the reviewers"
    seen = await assessment.get(
        f"/evaluation-plans/{plan_id}/rounds", headers=acting(assessment, "auditor", country="SN")
    )
    assert [r["status"] for r in seen.json()] == ["closed"]
    assert date.fromisoformat(seen.json()[0]["period_end"]) == date(2026, 9, 30)
