"""Curricula co-designed by a partnership, through the training and partners APIs on their real databases.

The approval path is event-driven both ways and is followed here record by record: training's outbox record
`curriculum_submitted` is handled by the partners consumer's handler (a decision opens about it), the oversight
body votes over HTTP, and partners' `decision_closed` record is handled by training's handler (the version is
approved, announced, and frozen by a trigger)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from backbone.db import SYSTEM_TENANT, TENANT
from contracts.envelope import decode
from contracts.events.partners import DecisionClosedV1, PartnershipMemberAddedV1
from tests.integration.test_partner_relations_api import _vote_all, apply, envelope_of, outbox_records
from tests.integration.test_partnerships_api import partnership
from tests.integration.test_training_competencies import PACKAGE
from tests.integration.test_training_facilities import training
from tests.integration.training_events import deliver, deliver_record
from tests.integration.training_world import module
from tests.support import acting

__all__ = ["training"]  # the fixture


def decide_by(hours: float = 72) -> str:
    return (datetime.now(UTC) + timedelta(hours=hours)).isoformat()


async def forward(partners: httpx.AsyncClient, training: httpx.AsyncClient, *event_types: str) -> None:
    """What the training consumer would read of the partners service's events."""
    for event_type in event_types:
        for record in await outbox_records(partners, event_type):
            await deliver_record(training, record)


async def governed_partnership(partners: httpx.AsyncClient, training: httpx.AsyncClient) -> dict[str, Any]:
    """FR (lead), SN and BR with an oversight body, known to training with their agencies."""
    p = await partnership(partners, {"kind": "members", "approvals_needed": 2})
    await forward(partners, training, "partners.agency_registered.v1", "partners.partnership_registered.v1")
    editor = acting(training, "programme_coordinator", country="FR")
    assert (await training.post("/competencies/case", json=PACKAGE, headers=editor)).status_code == 200
    return p


def agency_of(p: dict[str, Any], country: str) -> str:
    return str(next(m["agency_id"] for m in p["members"] if m["country_code"] == country))


def coordinator(api: httpx.AsyncClient, country: str) -> dict[str, str]:
    return acting(api, "programme_coordinator", country=country)


async def start(training: httpx.AsyncClient, p: dict[str, Any], **extra: Any) -> dict[str, Any]:
    body = {
        "partnership_id": p["id"],
        "agency_id": agency_of(p, "FR"),
        "code": f"cyber-{uuid.uuid4().hex[:8]}",
        "title": "Cyber forensics for first responders",
        "language": "en",
        "modules": [module("m1"), module("m2", requires=("m1",))],
        **extra,
    }
    created = await training.post("/curricula", json=body, headers=coordinator(training, "FR"))
    assert created.status_code == 201, created.text
    return created.json()  # type: ignore[no-any-return]


async def approve_through_partners(
    partners: httpx.AsyncClient, training: httpx.AsyncClient, p: dict[str, Any], *, choice: str = "approve"
) -> DecisionClosedV1:
    """The submission's event opens a decision in partners; the body votes; the outcome goes back to training."""
    submitted = (await outbox_records(training, "training.curriculum_submitted.v1"))[-1]
    await apply(partners, submitted)
    await apply(partners, submitted)  # a redelivery opens nothing more
    subject = envelope_of(submitted).data["subject"]
    decisions = (
        await partners.get(f"/partnerships/{p['id']}/decisions", headers=coordinator(partners, "FR"))
    ).json()
    about = [d for d in decisions["items"] if d.get("subject") == subject]
    assert len(about) == 1 and about[0]["kind"] == "curriculum_approval", decisions
    closed = await _vote_all(partners, p, about[0]["id"], choice)
    assert closed["outcome"] in ("approved", "rejected"), closed
    record = next(
        r
        for r in await outbox_records(partners, "partners.decision_closed.v1")
        if envelope_of(r).data["decision_id"] == about[0]["id"]
    )
    await deliver_record(training, record)
    await deliver_record(training, record)  # a redelivery changes nothing
    return DecisionClosedV1.model_validate(envelope_of(record).data)


async def test_a_curriculum_is_co_designed_approved_by_the_oversight_body_and_revised(
    api: httpx.AsyncClient, training: httpx.AsyncClient
) -> None:
    p = await governed_partnership(api, training)
    curriculum = await start(training, p)
    url = f"/curricula/{curriculum['id']}"
    assert [v["status"] for v in curriculum["versions"]] == ["draft"]

    seen = {c: (await training.get(url, headers=coordinator(training, c))).status_code for c in ("SN", "GH")}
    assert seen == {"SN": 200, "GH": 404}, "member countries see it, others do not know it exists"
    listed = await training.get(
        f"/curricula?partnership_id={p['id']}&limit=1", headers=coordinator(training, "SN")
    )
    assert [c["id"] for c in listed.json()["items"]] == [curriculum["id"]] and listed.json()["limit"] == 1

    sn = agency_of(p, "SN")
    integrator = acting(training, "agency_integrator", country="SN", agency=sn)
    proposed = await training.post(
        f"{url}/draft/proposals",
        json={
            "agency_id": sn,
            "summary": "Add a field exercise",
            "change": {
                "op": "add_module",
                "module": module("m3", requires=("m2",), delivery_mode="field_exercise"),
            },
        },
        headers=integrator,
    )
    assert proposed.status_code == 201, proposed.text
    commented = await training.post(
        f"{url}/draft/comments",
        json={"agency_id": sn, "body": "Dakar can host it.", "proposal_id": proposed.json()["id"]},
        headers=integrator,
    )
    assert commented.status_code == 201, commented.text

    early = await training.post(
        f"{url}/draft/submission", json={"decide_by": decide_by()}, headers=coordinator(training, "FR")
    )
    assert (early.status_code, early.json()["code"]) == (409, "proposals_open")
    not_drafter = await training.post(
        f"{url}/draft/proposals/{proposed.json()['id']}/acceptance", headers=coordinator(training, "SN")
    )
    assert not_drafter.status_code == 403, "only the drafting country settles proposals"
    accepted = await training.post(
        f"{url}/draft/proposals/{proposed.json()['id']}/acceptance", headers=coordinator(training, "FR")
    )
    assert accepted.json()["status"] == "accepted"

    submitted = await training.post(
        f"{url}/draft/submission", json={"decide_by": decide_by()}, headers=coordinator(training, "FR")
    )
    assert submitted.status_code == 200, submitted.text
    assert [m["code"] for m in submitted.json()["modules"]] == ["m1", "m2", "m3"]
    edit = await training.put(
        f"{url}/draft", json={"title": "x" * 5, "modules": []}, headers=coordinator(training, "FR")
    )
    assert (edit.status_code, edit.json()["code"]) == (409, "no_draft"), "a submitted version is not edited"

    decision = await approve_through_partners(api, training, p)
    assert decision.outcome == "approved"
    approved = (await training.get(url, headers=coordinator(training, "SN"))).json()
    assert approved["current_version"] == 1 and approved["versions"][0]["status"] == "approved"
    records = await outbox_records(training, "training.curriculum_approved.v1")
    assert len(records) == 1, "approved once, announced once"
    announced = decode(records[0].headers, records[0].key, records[0].value)
    assert announced.data["decision_id"] == decision.decision_id and len(announced.data["modules"]) == 3
    assert announced.extensions["audience"] == "BR,FR,SN"

    engine = training.app.state.runtime.engine  # type: ignore[attr-defined]
    token = TENANT.set(SYSTEM_TENANT)  # sees every row: only the trigger stands in the way
    try:
        for change in ("SET title = 'changed'", "SET status = 'draft'", "SET modules = '[]'"):
            with pytest.raises(DBAPIError, match="immutable"):
                async with engine.begin() as conn:
                    await conn.execute(
                        text(f"UPDATE curriculum_versions {change} WHERE curriculum_id = :id"),
                        {"id": curriculum["id"]},
                    )
        with pytest.raises(DBAPIError, match="immutable"):
            async with engine.begin() as conn:
                await conn.execute(
                    text("DELETE FROM curriculum_versions WHERE curriculum_id = :id"),
                    {"id": curriculum["id"]},
                )
    finally:
        TENANT.reset(token)

    no_reason = await training.post(f"{url}/revisions", json={}, headers=coordinator(training, "FR"))
    assert no_reason.status_code == 422 and "reason" in {e["field"] for e in no_reason.json()["errors"]}
    revision = await training.post(
        f"{url}/revisions",
        json={"reason": "Longer lab after the 2027 drill"},
        headers=coordinator(training, "FR"),
    )
    assert revision.status_code == 201 and revision.json()["number"] == 2
    modules = revision.json()["modules"]
    modules[0]["duration_minutes"] = 240
    edited = await training.put(
        f"{url}/draft",
        json={"title": revision.json()["title"], "modules": modules},
        headers=coordinator(training, "FR"),
    )
    assert edited.status_code == 200, edited.text
    resubmitted = await training.post(
        f"{url}/draft/submission", json={"decide_by": decide_by()}, headers=coordinator(training, "FR")
    )
    assert resubmitted.json()["diff"] == {
        "modules_added": [],
        "modules_removed": [],
        "modules_changed": {"m1": ["duration_minutes"]},
        "fields_changed": [],
    }
    await approve_through_partners(api, training, p)
    revised = (await training.get(url, headers=coordinator(training, "FR"))).json()
    assert revised["current_version"] == 2
    assert [v["status"] for v in revised["versions"]] == ["superseded", "approved"]
    revised_events = await outbox_records(training, "training.curriculum_revised.v1")
    assert len(revised_events) == 1
    data = envelope_of(revised_events[0]).data
    assert (data["version"], data["previous_version"], data["reason"]) == (
        2,
        1,
        "Longer lab after the 2027 drill",
    )
    v1 = (await training.get(f"{url}/versions/1", headers=coordinator(training, "BR"))).json()
    assert v1["modules"][0]["duration_minutes"] == 120, "the approved version 1 kept its content"
    talk = (await training.get(f"{url}/versions/1/discussion", headers=coordinator(training, "BR"))).json()
    assert [c["body"] for c in talk["comments"]] == ["Dakar can host it."] and talk["proposals"][0][
        "status"
    ] == "accepted"

    variant = await training.post(
        f"{url}/variants",
        json={
            "agency_id": agency_of(p, "SN"),
            "language": "fr",
            "context": "urban",
            "context_country_code": "SN",
        },
        headers=coordinator(training, "SN"),
    )
    assert variant.status_code == 201, variant.text
    assert (variant.json()["variant_of_id"], variant.json()["drafting_country_code"]) == (
        curriculum["id"],
        "SN",
    )
    copied = (
        await training.get(
            f"/curricula/{variant.json()['id']}/versions/1", headers=coordinator(training, "FR")
        )
    ).json()
    assert copied["modules"][0]["duration_minutes"] == 240 and copied["status"] == "draft"


async def test_a_rejected_or_withdrawn_submission_approves_nothing(
    api: httpx.AsyncClient, training: httpx.AsyncClient
) -> None:
    p = await governed_partnership(api, training)
    curriculum = await start(training, p)
    url, fr = f"/curricula/{curriculum['id']}", coordinator(training, "FR")
    await training.post(f"{url}/draft/submission", json={"decide_by": decide_by()}, headers=fr)
    decision = await approve_through_partners(api, training, p, choice="reject")
    assert decision.outcome == "rejected"
    state = (await training.get(url, headers=fr)).json()
    assert state["current_version"] is None and state["versions"][0]["status"] == "rejected"
    assert len(await outbox_records(training, "training.curriculum_rejected.v1")) == 1

    again = await training.post(
        f"{url}/revisions", json={"reason": "Answering the body's objections"}, headers=fr
    )
    assert again.status_code == 201
    await training.post(f"{url}/draft/submission", json={"decide_by": decide_by()}, headers=fr)
    submitted = envelope_of((await outbox_records(training, "training.curriculum_submitted.v1"))[-1])
    withdrawn = await training.post(f"{url}/draft/withdrawal", headers=fr)
    assert withdrawn.json()["status"] == "draft"
    late = DecisionClosedV1(
        partnership_id=p["id"],
        decision_id=str(uuid.uuid4()),
        kind="curriculum_approval",
        outcome="approved",
        approvals=3,
        rejections=0,
        abstentions=0,
        closed_at=datetime.now(UTC),
        subject=submitted.data["subject"],
    )
    await deliver(training, late)
    after = (await training.get(url, headers=fr)).json()
    assert after["current_version"] is None and after["versions"][-1]["status"] == "draft"


async def test_a_new_member_country_joins_the_discussion(
    api: httpx.AsyncClient, training: httpx.AsyncClient
) -> None:
    p = await governed_partnership(api, training)
    curriculum = await start(training, p)
    url = f"/curricula/{curriculum['id']}"
    assert (await training.get(url, headers=coordinator(training, "GH"))).status_code == 404
    joined = PartnershipMemberAddedV1(
        partnership_id=p["id"],
        agency_id=str(uuid.uuid4()),
        country_code="GH",
        role="member",
        new_country=True,
        phase="co_design",
        joined_at=datetime.now(UTC),
    )
    await deliver(training, joined)
    await deliver(training, joined)
    assert (await training.get(url, headers=coordinator(training, "GH"))).status_code == 200


async def test_bad_curricula_are_refused_with_the_field_named(
    api: httpx.AsyncClient, training: httpx.AsyncClient
) -> None:
    p = await governed_partnership(api, training)
    fr = coordinator(training, "FR")
    base = {
        "partnership_id": p["id"],
        "agency_id": agency_of(p, "FR"),
        "code": "human-rights-201",
        "title": "Human rights in custody",
        "language": "en",
        "modules": [module("m1")],
    }
    cases: list[tuple[dict[str, Any], str, str]] = [
        (
            {"modules": [module("m1", competencies=[{"code": "cf:unknown-thing", "level": 1}])]},
            "modules.0.competencies.0.code",
            "competency_unknown",
        ),
        (
            {"modules": [module("m1", competencies=[{"code": "cf:chain-of-custody", "level": 9}])]},
            "modules.0.competencies.0.level",
            "level_out_of_scale",
        ),
        (
            {"modules": [module("a", requires=("b",)), module("b", requires=("a",))]},
            "modules",
            "prerequisite_cycle",
        ),
        ({"modules": [module("a", requires=("zz",))]}, "modules.0.prerequisites.0", "prerequisite_unknown"),
        ({"modules": [module("a"), module("a")]}, "modules.1.code", "duplicate_module"),
        ({"partnership_id": str(uuid.uuid4())}, "partnership_id", "partnership_unknown"),
        ({"language": "English"}, "language", "string_pattern_mismatch"),
        (
            {"modules": [module("m1", delivery_mode="carrier_pigeon")]},
            "modules.0.delivery_mode",
            "literal_error",
        ),
    ]
    for change, field, code in cases:
        refused = await training.post("/curricula", json={**base, **change}, headers=fr)
        assert refused.status_code == 422, (change, refused.text)
        errors = {(e["field"], e.get("code")) for e in refused.json()["errors"]}
        assert any(f == field for f, _ in errors), (field, errors)
        assert refused.json()["code"] == code or (field, code) in errors, (code, refused.json())
    created = await training.post("/curricula", json=base, headers=fr)
    assert created.status_code == 201
    twice = await training.post("/curricula", json=base, headers=fr)
    assert (twice.status_code, twice.json()["code"]) == (409, "curriculum_exists")
    elsewhere = await training.post("/curricula", json=base, headers=coordinator(training, "GH"))
    assert elsewhere.status_code == 403, "a Ghanaian coordinator does not draft for a French agency"
    url = f"/curricula/{created.json()['id']}"
    past = await training.post(f"{url}/draft/submission", json={"decide_by": decide_by(-1)}, headers=fr)
    assert past.status_code == 422 and "decide_by" in {e["field"] for e in past.json()["errors"]}
    revise_open = await training.post(f"{url}/revisions", json={"reason": "too early"}, headers=fr)
    assert (revise_open.status_code, revise_open.json()["code"]) == (409, "open_version_exists")
