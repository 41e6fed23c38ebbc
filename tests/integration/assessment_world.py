"""An assessment service for tests, its consumer's handlers run on events (without Kafka), a French-led
partnership (with SN and BR) as partners announces it, and a well-formed rubric version."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from contracts.envelope import Event, encode
from contracts.events.partners import DecisionClosedV1
from contracts.events.training import InstructorAssignmentDeliveredV1, TraineeAttendedV1
from services.assessment.app import build_app
from services.assessment.handlers import subscription
from tests.support import Deployment, acting, partnership_registered, run_handler, service_client
from tests.support import as_platform as as_platform  # re-exported: the tests open platform sessions


@pytest.fixture
async def assessment(deployment: Deployment) -> AsyncIterator[httpx.AsyncClient]:
    async with service_client(deployment, "assessment", build_app) as client:
        yield client


async def deliver(api: httpx.AsyncClient, event: Event) -> None:
    await run_handler(api, subscription().handlers, encode(event, source="/tests", key="k"))


async def partnership(api: httpx.AsyncClient) -> str:
    """FR leads, SN and BR are members (as assessment learns it from partners' events)."""
    pid = str(uuid.uuid4())
    await deliver(api, partnership_registered(pid))
    return pid


def lead(api: httpx.AsyncClient) -> dict[str, str]:
    return acting(api, "programme_coordinator", country="FR")


def evaluator(api: httpx.AsyncClient, country: str, subject: str = "evaluator-1") -> dict[str, str]:
    return acting(api, "evaluator", country=country, subject=f"{subject}@{country}")


MANDATORY = ("technical_proficiency", "ethical_judgement", "cultural_sensitivity", "human_rights")


def version_body(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "dimensions": [{"key": k, "name": k.replace("_", " "), "weight": 1} for k in MANDATORY],
        "criteria": [
            {
                "id": "imaging",
                "dimension": "technical_proficiency",
                "text": "Images a disk soundly",
                "weight": 3,
            },
            {"id": "custody", "dimension": "technical_proficiency", "text": "Keeps the chain of custody"},
            {
                "id": "proportion",
                "dimension": "ethical_judgement",
                "text": "Limits the search to the warrant",
            },
            {
                "id": "interpreter",
                "dimension": "cultural_sensitivity",
                "text": "Works through an interpreter",
            },
            {"id": "rights", "dimension": "human_rights", "text": "Respects the suspect's rights"},
        ],
        "levels": [
            {"score": s, "name": n, "descriptor": f"{n} performance"}
            for s, n in enumerate(("absent", "emerging", "developing", "proficient", "exemplary"))
        ],
        "pass_rule": {"overall_minimum": 60, "dimension_minimum": 50},
    }
    return {**body, **changes}


async def published_rubric(api: httpx.AsyncClient, pid: str, **fields: Any) -> dict[str, Any]:
    """A rubric (with `fields`, e.g. the curriculum it assesses) with its first version published by the lead."""
    rubric = {
        "id": str(uuid.uuid4()),
        "competency": "cyber.forensics",
        "title": "Digital forensics",
        **fields,
    }
    created = await api.post(f"/partnerships/{pid}/rubrics", json=rubric, headers=lead(api))
    assert created.status_code == 201, created.text
    proposed = await api.post(f"/rubrics/{rubric['id']}/versions", json=version_body(), headers=lead(api))
    assert proposed.status_code == 201, proposed.text
    published = await approved(api, pid, proposed.json()["id"])
    return {"rubric": rubric, "version": published}


async def submitted(api: httpx.AsyncClient, version_id: str) -> httpx.Response:
    due = (datetime.now(UTC) + timedelta(days=7)).isoformat()
    return await api.post(
        f"/rubric-versions/{version_id}/submission", json={"decide_by": due}, headers=lead(api)
    )


def decided(pid: str, version_id: str, outcome: str = "approved") -> DecisionClosedV1:
    """The oversight body's decision about a submitted rubric version, as partners announces it."""
    return DecisionClosedV1(
        partnership_id=pid,
        decision_id=str(uuid.uuid4()),
        kind="curriculum_approval",
        outcome=outcome,
        approvals=2 if outcome == "approved" else 0,
        rejections=0 if outcome == "approved" else 2,
        abstentions=0,
        closed_at=datetime.now(UTC),
        subject=f"assessment:rubric-version:{version_id}",
    )


async def approved(api: httpx.AsyncClient, pid: str, version_id: str) -> dict[str, Any]:
    """The lead submits the version and the oversight body approves it: published."""
    answer = await submitted(api, version_id)
    assert answer.status_code == 200, answer.text
    await deliver(api, decided(pid, version_id))
    versions = await api.get(f"/rubrics/{answer.json()['rubric_id']}/versions", headers=lead(api))
    version = next(v for v in versions.json() if v["id"] == version_id)
    assert version["status"] == "published", version
    return dict(version)


async def registered(api: httpx.AsyncClient, pid: str, country: str, **fields: Any) -> dict[str, Any]:
    """An evaluator of `country` (by the lead), whose token `evaluator(api, country)` carries."""
    body = {
        "id": str(uuid.uuid4()),
        "subject": f"evaluator-1@{country}",
        "display_name": f"Dr. Evaluator ({country})",
        "affiliation_kind": "academia",
        "affiliation": "University of the Atlantic",
        "country_code": country,
        "competencies": ["cyber.forensics"],
        **fields,
    }
    made = await api.post(f"/partnerships/{pid}/evaluators", json=body, headers=lead(api))
    assert made.status_code == 201, made.text
    return body


TRAINEE_AGENCY = str(uuid.UUID(int=7))


async def assigned(
    api: httpx.AsyncClient,
    evaluator_id: str,
    version_id: str,
    trainee_id: str = "SN-0001",
    country: str = "SN",
) -> str:
    """The trainee's country assigns the evaluator; the assignment's id."""
    body = {
        "id": str(uuid.uuid4()),
        "evaluator_id": evaluator_id,
        "rubric_version_id": version_id,
        "trainee_id": trainee_id,
        "trainee_country_code": country,
        "trainee_agency_id": TRAINEE_AGENCY,
    }
    made = await api.post(
        "/assessment-assignments", json=body, headers=acting(api, "national_coordinator", country=country)
    )
    assert made.status_code == 201, made.text
    return body["id"]


async def taught(api: httpx.AsyncClient, pid: str, *, instructor: str, trainee: str, by: str = "BR") -> str:
    """Training's events as assessment reads them: `instructor` (of country `by`) delivered a cohort `trainee`
    attended; the cohort's id."""
    cohort = str(uuid.uuid4())
    for event in (
        InstructorAssignmentDeliveredV1(
            assignment_id=str(uuid.uuid4()),
            cohort_id=cohort,
            partnership_id=pid,
            instructor_id=instructor,
            instructor_country_code=by,
            organiser_country_code="FR",
            role="lead",
            days=3,
            delivered_at=datetime.now(UTC),
        ),
        TraineeAttendedV1(
            nomination_id=str(uuid.uuid4()),
            cohort_id=cohort,
            partnership_id=pid,
            trainee_id=trainee,
            trainee_country_code=trainee[:2],
            venue_country_code="FR",
            days=3,
            attended_at=datetime.now(UTC),
        ),
    ):
        await deliver(api, event)
    return cohort
