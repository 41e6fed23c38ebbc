"""A partnership as the training service learns it from the partners service's events (delivered straight to
training's handlers), with seat pledges and an approved curriculum: the world cohorts are scheduled in."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx

from contracts.envelope import decode
from contracts.events.assessment import CurriculumRevisionRequestedV1, RevisionEvidenceV1
from contracts.events.commitments import CommitmentRegisteredV1
from contracts.events.partners import DecisionClosedV1, PartnershipMemberV1, PartnershipRegisteredV1
from tests.integration.test_partner_relations_api import outbox_records
from tests.integration.test_training_competencies import PACKAGE
from tests.integration.test_training_facilities import known_agency
from tests.integration.training_events import deliver
from tests.support import acting


async def partnership_in_training(api: httpx.AsyncClient, *countries: str) -> dict[str, Any]:
    """The first country leads; one agency per country."""
    agencies = {c: await known_agency(api, c) for c in countries}
    partnership_id = str(uuid.uuid4())
    await deliver(
        api,
        PartnershipRegisteredV1(
            partnership_id=partnership_id,
            name=f"Partnership {partnership_id[:6]}",
            phase="co_design",
            agreement_kind="treaty",
            agreement_reference="T-1",
            agreement_starts_on=date(2026, 1, 1),
            agreement_ends_on=date(2035, 1, 1),
            members=[
                PartnershipMemberV1(agency_id=a, country_code=c, role="lead" if i == 0 else "member")
                for i, (c, a) in enumerate(agencies.items())
            ],
            registered_at=datetime.now(UTC),
        ),
    )
    return {"id": partnership_id, "agencies": agencies}


async def pledge(
    api: httpx.AsyncClient, p: dict[str, Any], country: str, amount: int, *, kind: str = "seats"
) -> str:
    """The commitment's id."""
    commitment_id = str(uuid.uuid4())
    await deliver(
        api,
        CommitmentRegisteredV1(
            commitment_id=commitment_id,
            partnership_id=p["id"],
            agency_id=p["agencies"][country],
            country_code=country,
            kind=kind,
            amount=Decimal(amount),
            starts_on=date(2026, 1, 1),
            ends_on=date(2034, 12, 31),
            registered_at=datetime.now(UTC),
        ),
    )
    return commitment_id


def module(code: str, *, minutes: int = 120, requires: tuple[str, ...] = (), **extra: Any) -> dict[str, Any]:
    return {
        "code": code,
        "title": f"Module {code}",
        "delivery_mode": "virtual_lab",
        "competencies": [{"code": "cf:chain-of-custody", "level": 2}],
        "duration_minutes": minutes,
        "prerequisites": list(requires),
        **extra,
    }


async def approved_curriculum(
    api: httpx.AsyncClient, p: dict[str, Any], *, modules: int = 2
) -> dict[str, Any]:
    """Drafted by the lead country, approved by the oversight body (its decision delivered as partners sends it)."""
    lead = next(iter(p["agencies"]))
    editor = acting(api, "programme_coordinator", country=lead)
    assert (await api.post("/competencies/case", json=PACKAGE, headers=editor)).status_code == 200
    chain = [module(f"m{i + 1}", requires=(f"m{i}",) if i else ()) for i in range(modules)]
    created = await api.post(
        "/curricula",
        json={
            "partnership_id": p["id"],
            "agency_id": p["agencies"][lead],
            "code": f"course-{uuid.uuid4().hex[:8]}",
            "title": "Chain of custody in practice",
            "language": "en",
            "modules": chain,
        },
        headers=editor,
    )
    assert created.status_code == 201, created.text
    url = f"/curricula/{created.json()['id']}"
    due = (datetime.now(UTC) + timedelta(days=3)).isoformat()
    submitted = await api.post(f"{url}/draft/submission", json={"decide_by": due}, headers=editor)
    assert submitted.status_code == 200, submitted.text
    record = next(
        r
        for r in await outbox_records(api, "training.curriculum_submitted.v1")
        if decode(r.headers, r.key, r.value).data["version_id"] == submitted.json()["id"]
    )
    subject = decode(record.headers, record.key, record.value).data["subject"]
    await deliver(
        api,
        DecisionClosedV1(
            partnership_id=p["id"],
            decision_id=str(uuid.uuid4()),
            kind="curriculum_approval",
            outcome="approved",
            approvals=3,
            rejections=0,
            abstentions=0,
            closed_at=datetime.now(UTC),
            subject=subject,
        ),
    )
    version = (await api.get(f"{url}/versions/1", headers=editor)).json()
    assert version["status"] == "approved", version
    return version  # type: ignore[no-any-return]


async def dakar_simulator(api: httpx.AsyncClient, p: dict[str, Any]) -> str:
    """Senegal's simulator, shared with France: its id."""
    lab = await api.post(
        "/facilities",
        json={
            "owner_agency_id": p["agencies"]["SN"],
            "name": "Dakar simulator",
            "kind": "simulator",
            "location": "Dakar",
            "capacity": 30,
            "time_zone": "Africa/Dakar",
            "shared_with": ["FR"],
        },
        headers=acting(api, "national_coordinator", country="SN"),
    )
    assert lab.status_code == 201, lab.text
    return str(lab.json()["id"])


def revision_finding(
    curriculum_id: str,
    partnership: str,
    by: str,
    *,
    finding_id: str | None = None,
    instructor_ids: list[str] | None = None,
) -> CurriculumRevisionRequestedV1:
    """A finding of the assessment service asking to revise a curriculum (counts suppressed)."""
    return CurriculumRevisionRequestedV1(
        finding_id=finding_id or str(uuid.uuid4()),
        partnership_id=partnership,
        curriculum_id=curriculum_id,
        module_ids=["m1"],
        competency="cf:chain-of-custody",
        rubric_id=str(uuid.uuid4()),
        rubric_version_id=str(uuid.uuid4()),
        summary="Trainees rarely keep the chain of custody",
        evidence=RevisionEvidenceV1(
            criterion_id="custody",
            dimension="technical_proficiency",
            criterion="Keeps the chain of custody",
            failed=None,
            assessed=None,
            suppressed=True,
        ),
        instructor_ids=instructor_ids or [],
        raised_by_country_code=by,
        raised_at=datetime.now(UTC),
    )


async def revision_requested(
    api: httpx.AsyncClient,
    curriculum_id: str,
    partnership: str,
    by: str,
    *,
    finding_id: str | None = None,
    instructor_ids: list[str] | None = None,
) -> str:
    """The finding delivered to training, as training stores it: its revision request's id."""
    finding = revision_finding(
        curriculum_id, partnership, by, finding_id=finding_id, instructor_ids=instructor_ids
    )
    await deliver(api, finding)
    listed = await api.get(
        f"/curricula/{curriculum_id}/revision-requests", headers=acting(api, "auditor", country=by)
    )
    return str(next(r["id"] for r in listed.json()["items"] if r["finding_id"] == finding.finding_id))
