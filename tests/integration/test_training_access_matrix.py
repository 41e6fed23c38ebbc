"""The access matrix of the training service: every role of another country, on every training route that takes
an id, gets 403 or 404 and never a 2xx; the owners' own reads follow their roles."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx

from backbone.auth.principal import ROLES
from contracts.envelope import decode
from contracts.events.commitments import CommitmentRegisteredV1
from contracts.events.partners import DecisionClosedV1, PartnershipMemberV1, PartnershipRegisteredV1
from services.training.policy import RULES
from tests.integration.test_access_matrix import filled, routes
from tests.integration.test_partner_relations_api import outbox_records
from tests.integration.test_training_certifications import certify
from tests.integration.test_training_competencies import PACKAGE
from tests.integration.test_training_facilities import coordinator, lab, slot, training
from tests.integration.training_events import deliver
from tests.integration.training_world import module, revision_requested
from tests.support import acting

__all__ = ["training"]  # the fixture


async def approve(api: httpx.AsyncClient, curriculum_id: str, partnership: str) -> str:
    """Submit version 1 and deliver the oversight body's approval as partners announces it; its id."""
    editor = acting(api, "programme_coordinator", country="SN")
    due = (datetime.now(UTC) + timedelta(days=3)).isoformat()
    submitted = await api.post(
        f"/curricula/{curriculum_id}/draft/submission", json={"decide_by": due}, headers=editor
    )
    assert submitted.status_code == 200, submitted.text
    record = (await outbox_records(api, "training.curriculum_submitted.v1"))[-1]
    await deliver(
        api,
        DecisionClosedV1(
            partnership_id=partnership,
            decision_id=str(uuid.uuid4()),
            kind="curriculum_approval",
            outcome="approved",
            approvals=2,
            rejections=0,
            abstentions=0,
            closed_at=datetime.now(UTC),
            subject=decode(record.headers, record.key, record.value).data["subject"],
        ),
    )
    return str(submitted.json()["id"])


async def senegalese_curriculum(api: httpx.AsyncClient, sn: str, fr: str) -> dict[str, str]:
    """A curriculum Senegal drafts in a partnership with France, approved, with a cohort and a nomination, and a
    revision in draft with a French proposal on it."""
    partnership = str(uuid.uuid4())
    members = [
        PartnershipMemberV1(agency_id=sn, country_code="SN", role="lead"),
        PartnershipMemberV1(agency_id=fr, country_code="FR", role="member"),
    ]
    await deliver(
        api,
        PartnershipRegisteredV1(
            partnership_id=partnership,
            name="Dakar-Lyon",
            phase="co_design",
            agreement_kind="mou",
            agreement_reference="MOU-1",
            agreement_starts_on=date(2026, 1, 1),
            agreement_ends_on=date(2030, 1, 1),
            members=members,
            registered_at=datetime.now(UTC),
        ),
    )
    editor = acting(api, "programme_coordinator", country="SN")
    assert (await api.post("/competencies/case", json=PACKAGE, headers=editor)).status_code == 200
    created = await api.post(
        "/curricula",
        json={
            "partnership_id": partnership,
            "agency_id": sn,
            "code": f"evidence-{uuid.uuid4().hex[:6]}",
            "title": "Evidence handling",
            "language": "fr",
            "modules": [module("m1")],
        },
        headers=editor,
    )
    assert created.status_code == 201, created.text
    url = f"/curricula/{created.json()['id']}"
    await deliver(
        api,
        CommitmentRegisteredV1(
            commitment_id=str(uuid.uuid4()),
            partnership_id=partnership,
            agency_id=sn,
            country_code="SN",
            kind="seats",
            amount=Decimal(4),
            starts_on=date(2026, 1, 1),
            ends_on=date(2034, 1, 1),
            registered_at=datetime.now(UTC),
        ),
    )
    version = await approve(api, created.json()["id"], partnership)
    cohort = await api.post(
        "/cohorts",
        json={
            "curriculum_version_id": version,
            "organiser_agency_id": sn,
            "capacity": 4,
            "starts_at": "2031-01-05T08:00:00Z",
            "ends_at": "2031-01-09T17:00:00Z",
        },
        headers=editor,
    )
    assert cohort.status_code == 201, cohort.text
    nomination = await api.post(
        f"/cohorts/{cohort.json()['id']}/nominations",
        json={
            "agency_id": sn,
            "trainee_id": "SN-7",
            "trainee_name": "Seven",
            "accommodations": [{"kind": "captioning"}],
        },
        headers=editor,
    )
    assert nomination.status_code == 201, nomination.text
    teacher = await api.post(
        "/instructors",
        json={
            "agency_id": sn,
            "person_id": "SN-T1",
            "name": "Teacher",
            "qualifications": [{"code": "cf:chain-of-custody", "level": 5}],
            "languages": ["fr"],
        },
        headers=editor,
    )
    assert teacher.status_code == 201, teacher.text
    window = {"starts_at": "2031-01-01T00:00:00Z", "ends_at": "2031-02-01T00:00:00Z"}
    await api.post(f"/instructors/{teacher.json()['id']}/availability", json=window, headers=editor)
    assigned = await api.post(
        f"/cohorts/{cohort.json()['id']}/instructors",
        json={"instructor_id": teacher.json()["id"]},
        headers=editor,
    )
    assert assigned.status_code == 201, assigned.text
    revision = await api.post(f"{url}/revisions", json={"reason": "More labs"}, headers=editor)
    assert revision.status_code == 201, revision.text
    proposal = await api.post(
        f"{url}/draft/proposals",
        json={"agency_id": fr, "summary": "Add m2", "change": {"op": "add_module", "module": module("m2")}},
        headers=acting(api, "programme_coordinator", country="FR"),
    )
    assert proposal.status_code == 201, proposal.text
    return {
        "cohort_id": cohort.json()["id"],
        "instructor_id": teacher.json()["id"],
        "assignment_id": assigned.json()["id"],
        "partnership_id": partnership,
        "nomination_id": nomination.json()["id"],
        "accommodation_id": nomination.json()["accommodations"][0]["id"],
        "curriculum_id": created.json()["id"],
        "number": "1",
        "proposal_id": proposal.json()["id"],
        "verdict": "decline",
    }


async def senegal_owns(api: httpx.AsyncClient) -> dict[str, Any]:
    """A Senegalese facility shared with France and CI, booked by France, a Senegalese certification and an
    exchange of a Senegalese officer to France."""
    world = await lab(api)
    facility = world["facility"]
    booking = await api.post(
        f"/facilities/{facility['id']}/bookings",
        json={"agency_id": world["fr"], "purpose": "Cohort 1", **slot(0)},
        headers=coordinator(api, "FR"),
    )
    assert booking.status_code == 201, booking.text
    certification = await certify(api)
    exchange = await api.post(
        "/exchanges",
        json={
            "partnership_id": str(uuid.uuid4()),
            "officer_id": "SN-1",
            "officer_agency_id": world["sn"],
            "host_agency_id": world["fr"],
            "kind": "exchange_visit",
            "starts_on": "2027-03-01",
            "ends_on": "2027-03-05",
        },
        headers=coordinator(api, "SN"),
    )
    assert exchange.status_code == 201, exchange.text
    curriculum = await senegalese_curriculum(api, world["sn"], world["fr"])
    agreement = await api.post(
        "/recognition-agreements",
        json={
            "partnership_id": curriculum["partnership_id"],
            "issuing_country_code": "SN",
            "starts_on": "2026-01-01",
        },
        headers=coordinator(api, "FR"),
    )
    assert agreement.status_code == 201, agreement.text
    recognised = await api.post(
        f"/recognition-agreements/{agreement.json()['id']}/recognitions",
        json={"certification_id": certification["id"]},
        headers=coordinator(api, "SN"),
    )
    assert recognised.status_code == 201, recognised.text
    community = await api.post(
        "/communities",
        json={
            "partnership_id": curriculum["partnership_id"],
            "specialty": "evidence",
            "name": "Evidence handlers",
        },
        headers=coordinator(api, "SN"),
    )
    assert community.status_code == 201, community.text
    revision = await revision_requested(
        api,
        curriculum["curriculum_id"],
        curriculum["partnership_id"],
        "SN",
        instructor_ids=[curriculum["instructor_id"]],
    )
    actions = await api.get(
        f"/instructors/{curriculum['instructor_id']}/development-actions", headers=coordinator(api, "SN")
    )
    return {
        "action_id": actions.json()[0]["id"],
        **curriculum,
        "revision_request_id": revision,
        "community_id": community.json()["id"],
        "agreement_id": agreement.json()["id"],
        "recognition_id": recognised.json()["id"],
        "exchange_id": exchange.json()["id"],
        "facility_id": facility["id"],
        "booking_id": booking.json()["id"],
        "certification_id": certification["id"],
        "agency_id": world["sn"],
        "change": "suspension",
    }


async def test_no_role_of_another_country_gets_a_2xx_on_any_training_object(
    training: httpx.AsyncClient,
) -> None:
    ids = await senegal_owns(training)
    issuer = training.deployment.issuer  # type: ignore[attr-defined]
    with_ids = [(m, p) for m, p in routes(training) if "{" in p and (m, p) in RULES]
    assert len(with_ids) >= 10
    leaks = []
    for role in sorted(ROLES):
        outsider = {"Authorization": f"Bearer {issuer.token(role, country='JP', agency=ids['agency_id'])}"}
        for method, path in with_ids:
            if RULES[(method, path)].scope == "public":
                continue  # the agencies directory
            response = await training.request(method, filled(path, ids), json={}, headers=outsider)
            if response.status_code not in (403, 404):
                leaks.append(f"{role}@JP {method} {path} -> {response.status_code} {response.text[:160]}")
    assert leaks == [], leaks


async def test_own_country_reads_follow_the_roles(training: httpx.AsyncClient) -> None:
    ids = await senegal_owns(training)
    issuer = training.deployment.issuer  # type: ignore[attr-defined]
    reads = [(m, p) for m, p in routes(training) if m == "GET" and "{" in p and RULES.get((m, p), None)]
    for role in sorted(ROLES):
        headers = {"Authorization": f"Bearer {issuer.token(role, country='SN', agency=ids['agency_id'])}"}
        for method, path in reads:
            rule = RULES[(method, path)]
            if rule.scope != "tenant":
                continue
            response = await training.get(filled(path, ids), headers=headers)
            expected = 200 if role in rule.roles else 403
            assert response.status_code == expected, (role, path, response.status_code, response.text[:160])
