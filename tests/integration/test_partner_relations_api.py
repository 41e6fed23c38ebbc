"""Agency contacts, endorsements, disputes and reciprocity through the partners API and its real database,
and the consumer paths that settle disputes and fill the reciprocity ledger."""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import httpx
from aiokafka import AIOKafkaProducer
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from backbone.consumer import EventConsumer
from backbone.db import SYSTEM_TENANT, TENANT, create_engine, create_sessionmaker
from contracts.envelope import EventEnvelope, KafkaRecord, decode, encode
from contracts.events.training import ExchangeCompletedV1
from services.partners.handlers import subscription
from tests.integration.test_partners_api import PROBLEM
from tests.integration.test_partnerships_api import AGREEMENT, agency, as_seat, due, events, partnership
from tests.support import Deployment, acting, eventually, header, ncu, read_topic


def engine_of(api: httpx.AsyncClient) -> AsyncEngine:
    return api.app.state.runtime.engine  # type: ignore[attr-defined,no-any-return]


def contact(name: str, email: str, **extra: Any) -> dict[str, Any]:
    return {"name": name, "function": "Head of cyber forensics", "email": email, **extra}


def key() -> dict[str, str]:
    return {"Idempotency-Key": f"k-{uuid.uuid4()}"}


async def outbox_records(api: httpx.AsyncClient, event_type: str) -> list[KafkaRecord]:
    """The outbox rows of one type, as the relay would publish them."""
    async with engine_of(api).connect() as conn:
        rows = (
            await conn.execute(
                text(
                    "SELECT message_key, message_value, header_names, header_values FROM outbox "
                    "WHERE event_type = :type ORDER BY id"
                ),
                {"type": event_type},
            )
        ).all()
    return [
        KafkaRecord(
            key=bytes(r.message_key),
            value=bytes(r.message_value),
            headers=list(zip(r.header_names, r.header_values, strict=True)),
        )
        for r in rows
    ]


def envelope_of(record: KafkaRecord) -> EventEnvelope:
    return decode(record.headers, record.key, record.value)


async def decision_elsewhere(api: httpx.AsyncClient) -> dict[str, Any]:
    """A decision of another partnership (of two further agencies)."""
    fr, sn = await agency(api, "FR", "Gendarmerie nationale"), await agency(api, "SN", "Douanes SN")
    other = await api.post(
        "/partnerships",
        json={
            "name": f"Sahel customs {uuid.uuid4().hex[:6]}",
            "agreement": AGREEMENT,
            "voting_rule": {"kind": "members", "approvals_needed": 1},
            "members": [{"agency_id": fr, "role": "lead"}, {"agency_id": sn, "role": "member"}],
        },
    )
    assert other.status_code == 201, other.text
    url = f"/partnerships/{other.json()['id']}"
    await api.post(
        f"{url}/oversight-members",
        json={
            "name": "FR diplomat",
            "country_code": "FR",
            "role": "diplomat",
            "subject": f"seat-{uuid.uuid4()}",
        },
    )
    opened = await api.post(f"{url}/decisions", json={"kind": "budget", "title": "Other", "due_at": due()})
    assert opened.status_code == 201, opened.text
    return opened.json()  # type: ignore[no-any-return]


async def test_contacts_are_added_listed_changed_and_removed_without_details_in_events(
    api: httpx.AsyncClient,
) -> None:
    sn = await agency(api, "SN", "Police nationale SN")
    api.headers.update(ncu(api, "SN"))  # Senegal's coordinator keeps its agencies' contacts
    url = f"/agencies/{sn}/contacts"
    headers = key()
    first = await api.post(
        url,
        json=contact(
            "Aminata Diallo", "a.diallo@police.example.sn", is_primary=True, phone="+221 33 800 00 00"
        ),
        headers=headers,
    )
    assert first.status_code == 201, first.text
    assert first.headers["location"] == f"{url}/{first.json()['id']}"
    again = await api.post(
        url,
        json=contact(
            "Aminata Diallo", "a.diallo@police.example.sn", is_primary=True, phone="+221 33 800 00 00"
        ),
        headers=headers,
    )
    assert again.status_code == 201 and again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"

    second = await api.post(url, json=contact("Moussa Ndiaye", "m.ndiaye@police.example.sn", is_primary=True))
    assert second.status_code == 201 and second.json()["is_primary"]
    demoted = (await api.get(f"{url}/{first.json()['id']}")).json()
    assert demoted["is_primary"] is False and demoted["updated_at"], "a new primary replaces the old one"
    third = await api.post(
        url,
        json=contact(
            "Fatou Sow",
            "f.sow@police.example.sn",
            languages=["FR", "pt-br", "fr"],
            is_national_coordination_contact=True,
        ),
    )
    assert third.json()["languages"] == ["fr", "pt-BR"]

    primary = (await api.get(url, params={"primary": "true"})).json()["items"]
    assert [c["id"] for c in primary] == [second.json()["id"]]
    ncc = (await api.get(url, params={"national_coordination": "true"})).json()["items"]
    assert [c["id"] for c in ncc] == [third.json()["id"]]
    speaks = (await api.get(url, params={"language": "PT-br"})).json()["items"]
    assert [c["id"] for c in speaks] == [third.json()["id"]]
    page1 = (await api.get(url, params={"limit": 2})).json()
    page2 = (await api.get(url, params={"limit": 2, "cursor": page1["next_cursor"]})).json()
    assert [c["id"] for c in page1["items"] + page2["items"]] == [
        first.json()["id"],
        second.json()["id"],
        third.json()["id"],
    ] and page2["next_cursor"] is None

    taken = await api.post(url, json=contact("Someone Else", "A.Diallo@police.example.sn"))
    assert taken.status_code == 409 and taken.headers["content-type"] == PROBLEM
    assert taken.json()["code"] == "contact_email_taken" and taken.json()["errors"][0]["field"] == "email"
    invalid = await api.post(
        url, json={"name": "", "function": "x" * 300, "email": "nobody", "languages": ["english"], "extra": 1}
    )
    assert invalid.status_code == 422 and invalid.headers["content-type"] == PROBLEM
    assert {"name", "function", "email", "languages.0", "extra"} <= {
        e["field"] for e in invalid.json()["errors"]
    }

    changed = await api.patch(
        f"{url}/{first.json()['id']}", json={"function": "Deputy director", "phone": None}
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["function"] == "Deputy director" and changed.json()["phone"] is None
    unchanged = await api.patch(f"{url}/{first.json()['id']}", json={"function": "Deputy director"})
    assert unchanged.status_code == 200
    empty = await api.patch(f"{url}/{first.json()['id']}", json={})
    assert empty.status_code == 422 and empty.json()["code"] == "validation_failed"
    null_name = await api.patch(f"{url}/{first.json()['id']}", json={"name": None})
    assert null_name.status_code == 422
    steal = await api.patch(f"{url}/{third.json()['id']}", json={"email": "m.ndiaye@police.example.sn"})
    assert steal.status_code == 409 and steal.json()["code"] == "contact_email_taken"

    removed = await api.delete(f"{url}/{third.json()['id']}")
    assert removed.status_code == 204 and removed.content == b""
    assert (await api.delete(f"{url}/{third.json()['id']}")).status_code == 204, "removing twice is harmless"
    gone = await api.get(f"{url}/{third.json()['id']}")
    assert gone.status_code == 404 and gone.json()["code"] == "contact_not_found"
    assert len((await api.get(url)).json()["items"]) == 2
    async with engine_of(api).connect() as conn:
        await conn.execute(text("SELECT set_config('backbone.tenant', '*', true)"))  # as the platform
        erased = (
            await conn.execute(
                text("SELECT name, email, phone, languages FROM agency_contacts WHERE id = :id"),
                {"id": third.json()["id"]},
            )
        ).one()
    assert tuple(erased) == ("Fatou Sow", None, None, []), "removal erases the contact details"

    nowhere = f"/agencies/{uuid.uuid4()}/contacts"
    for response in (
        await api.get(nowhere),
        await api.post(nowhere, json=contact("Nobody Here", "n@x.example")),
        await api.delete(f"{nowhere}/{uuid.uuid4()}"),
    ):
        assert response.status_code == 404 and response.json()["code"] == "agency_not_found"
    assert (await api.delete(f"{url}/{uuid.uuid4()}")).json()["code"] == "contact_not_found"

    assert (await events(api)) == [
        "partners.agency_registered.v1",
        "partners.agency_contact_added.v1",
        "partners.agency_contact_updated.v1",  # the first contact demoted
        "partners.agency_contact_added.v1",
        "partners.agency_contact_added.v1",
        "partners.agency_contact_updated.v1",
        "partners.agency_contact_removed.v1",
    ]
    async with engine_of(api).connect() as conn:
        await conn.execute(text("SELECT set_config('backbone.tenant', '*', true)"))  # as the platform
        values = (await conn.execute(text("SELECT message_value FROM outbox"))).scalars().all()
    assert not any(b"@police" in bytes(v) or b"+221" in bytes(v) for v in values), (
        "no contact details in events"
    )
    updated = envelope_of((await outbox_records(api, "partners.agency_contact_updated.v1"))[-1])
    assert updated.data["changed"] == ["function", "phone"] and updated.key == sn


async def test_endorsements_are_granted_filtered_paginated_and_withdrawn_once(api: httpx.AsyncClient) -> None:
    p = await partnership(api, {"kind": "members", "approvals_needed": 2})
    api.headers.update(acting(api, "operations_staff", country="FR"))  # recorded by the platform's operators
    granted = await api.post(
        "/endorsements",
        json={
            "endorser_name": "ECOWAS Commission",
            "endorser_kind": "regional_body",
            "subject_kind": "partnership",
            "subject_id": p["id"].upper(),
            "scope": "The whole programme",
            "endorsed_on": "2026-11-20",
        },
        headers=key(),
    )
    assert granted.status_code == 201, granted.text
    endorsement = granted.json()
    assert endorsement["subject_id"] == p["id"] and endorsement["status"] == "active"
    assert granted.headers["location"] == f"/endorsements/{endorsement['id']}"
    standard = {
        "endorser_name": "INTERPOL",
        "endorser_kind": "international_organisation",
        "subject_kind": "standard",
        "subject_id": "competency-framework:2026.1",
        "scope": "Chain of custody competencies",
        "endorsed_on": "2026-10-01",
    }
    assert (await api.post("/endorsements", json=standard)).status_code == 201
    curriculum = {**standard, "subject_kind": "curriculum", "subject_id": "curriculum:cyber-forensics:3"}
    assert (await api.post("/endorsements", json=curriculum)).status_code == 201

    twice = await api.post("/endorsements", json={**standard, "endorser_name": "interpol"})
    assert twice.status_code == 409 and twice.json()["code"] == "endorsement_exists"
    ghost = await api.post(
        "/endorsements", json={**standard, "subject_kind": "partnership", "subject_id": str(uuid.uuid4())}
    )
    assert ghost.status_code == 422 and ghost.json()["code"] == "unknown_partnership"
    assert ghost.json()["errors"][0]["field"] == "subject_id"
    not_id = await api.post("/endorsements", json={**standard, "subject_kind": "partnership"})
    assert not_id.status_code == 422 and not_id.json()["code"] == "invalid_partnership_id"
    invalid = await api.post(
        "/endorsements",
        json={**standard, "endorser_kind": "ngo", "subject_kind": "person", "endorsed_on": "soon"},
    )
    assert invalid.status_code == 422
    assert {"endorser_kind", "subject_kind", "endorsed_on"} <= {e["field"] for e in invalid.json()["errors"]}

    standards = (await api.get("/endorsements", params={"subject_kind": "standard"})).json()["items"]
    assert [e["subject_id"] for e in standards] == ["competency-framework:2026.1"]
    by_interpol = (await api.get("/endorsements", params={"endorser": "Interpol"})).json()["items"]
    assert len(by_interpol) == 2
    of_partnership = (await api.get("/endorsements", params={"subject_id": p["id"].upper()})).json()["items"]
    assert [e["id"] for e in of_partnership] == [endorsement["id"]]
    first_page = (await api.get("/endorsements", params={"limit": 2})).json()
    rest = (await api.get("/endorsements", params={"limit": 2, "cursor": first_page["next_cursor"]})).json()
    assert len(first_page["items"]) == 2 and len(rest["items"]) == 1 and rest["next_cursor"] is None

    withdrawal_key = key()
    url = f"/endorsements/{endorsement['id']}/withdrawal"
    withdrawn = await api.post(url, json={"reason": "Programme restructured"}, headers=withdrawal_key)
    assert withdrawn.status_code == 200 and withdrawn.json()["status"] == "withdrawn"
    assert withdrawn.json()["withdrawal_reason"] == "Programme restructured"
    replay = await api.post(url, json={"reason": "Programme restructured"}, headers=withdrawal_key)
    assert replay.status_code == 200 and replay.headers["idempotent-replayed"] == "true"
    again = await api.post(url, json={"reason": "Once more"})
    assert again.status_code == 409 and again.headers["content-type"] == PROBLEM
    assert again.json()["code"] == "endorsement_already_withdrawn"
    no_reason = await api.post(url, json={})
    assert no_reason.status_code == 422 and no_reason.json()["errors"][0]["field"] == "reason"
    missing = await api.post(f"/endorsements/{uuid.uuid4()}/withdrawal", json={"reason": "whatever"})
    assert missing.status_code == 404 and missing.json()["code"] == "endorsement_not_found"
    assert (await api.get(f"/endorsements/{uuid.uuid4()}")).json()["code"] == "endorsement_not_found"
    assert (await api.get(f"/endorsements/{endorsement['id']}")).json()["status"] == "withdrawn"

    assert [
        e["id"] for e in (await api.get("/endorsements", params={"status": "withdrawn"})).json()["items"]
    ] == [endorsement["id"]]
    assert len((await api.get("/endorsements", params={"status": "active"})).json()["items"]) == 2
    renewed = await api.post(
        "/endorsements",
        json={
            "endorser_name": "ECOWAS Commission",
            "endorser_kind": "regional_body",
            "subject_kind": "partnership",
            "subject_id": p["id"],
            "scope": "The restructured programme",
            "endorsed_on": "2027-02-01",
        },
    )
    assert renewed.status_code == 201, "after a withdrawal the endorser may endorse again"
    kinds = [e for e in await events(api) if "endorsement" in e]
    assert kinds == ["partners.endorsement_granted.v1"] * 3 + [
        "partners.endorsement_withdrawn.v1",
        "partners.endorsement_granted.v1",
    ]
    withdrawn_event = envelope_of((await outbox_records(api, "partners.endorsement_withdrawn.v1"))[0])
    assert (
        withdrawn_event.key == endorsement["id"]
        and withdrawn_event.data["reason"] == "Programme restructured"
    )


async def test_disputes_are_raised_discussed_and_put_to_the_oversight_body(api: httpx.AsyncClient) -> None:
    p = await partnership(api, {"kind": "members", "approvals_needed": 2})
    members = {m["country_code"]: m["agency_id"] for m in p["members"]}
    budget = (
        await api.post(
            f"/partnerships/{p['id']}/decisions",
            json={"kind": "budget", "title": "2027 budget", "due_at": due()},
        )
    ).json()
    url = f"/partnerships/{p['id']}/disputes"
    raised = await api.post(
        url,
        json={
            "raised_by_agency_id": members["SN"],
            "subject_kind": "decision",
            "subject_ref": budget["id"].upper(),
            "statement": "The 2027 budget ignores our instructors' contribution.",
        },
        headers={**key(), **ncu(api, "SN")},
    )
    assert raised.status_code == 201, raised.text
    dispute = raised.json()
    assert dispute["status"] == "open" and dispute["raised_by_country_code"] == "SN"
    assert (
        dispute["subject_ref"] == budget["id"] and dispute["comments"] == [] and dispute["resolutions"] == []
    )
    allocation = await api.post(
        url,
        json={
            "raised_by_agency_id": members["BR"],
            "subject_kind": "allocation",
            "subject_ref": "2027 lab seats",
            "statement": "Brazil received no lab seats in 2027.",
        },
        headers=ncu(api, "BR"),
    )
    assert allocation.status_code == 201

    outsider = await agency(api, "FR", "Douanes")
    stranger = await api.post(
        url,
        json={
            "raised_by_agency_id": outsider,
            "subject_kind": "allocation",
            "subject_ref": "seats",
            "statement": "We are not even a member.",
        },
    )
    assert stranger.status_code == 422 and stranger.json()["code"] == "not_a_member"
    assert stranger.json()["errors"][0]["field"] == "raised_by_agency_id"
    foreign_decision = await decision_elsewhere(api)
    for ref, code in (
        (foreign_decision["id"], "decision_not_in_partnership"),
        ("budget-2027", "invalid_decision_id"),
    ):
        wrong = await api.post(
            url,
            json={
                "raised_by_agency_id": members["SN"],
                "subject_kind": "decision",
                "subject_ref": ref,
                "statement": "About a decision elsewhere.",
            },
            headers=ncu(api, "SN"),
        )
        assert wrong.status_code == 422 and wrong.json()["code"] == code
        assert wrong.json()["errors"][0]["field"] == "subject_ref"
    invalid = await api.post(url, json={"subject_kind": "rumour", "statement": "short"})
    assert invalid.status_code == 422
    assert {"raised_by_agency_id", "subject_kind", "subject_ref", "statement"} <= {
        e["field"] for e in invalid.json()["errors"]
    }
    orphan = await api.post(
        f"/partnerships/{uuid.uuid4()}/disputes",
        json={
            "raised_by_agency_id": members["BR"],
            "subject_kind": "allocation",
            "subject_ref": "x",
            "statement": "Nobody's partnership.",
        },
        headers=ncu(api, "BR"),
    )
    assert orphan.status_code == 404 and orphan.json()["code"] == "partnership_not_found"

    said = await api.post(
        f"/disputes/{dispute['id']}/comments",
        json={"agency_id": members["FR"], "author": "Claire Martin", "body": "The budget follows the MoU."},
        headers={**key(), **ncu(api, "FR")},
    )
    assert said.status_code == 201 and said.json()["country_code"] == "FR"
    not_member = await api.post(
        f"/disputes/{dispute['id']}/comments", json={"agency_id": outsider, "author": "X Y", "body": "Hello"}
    )
    assert not_member.status_code == 422 and not_member.json()["errors"][0]["field"] == "agency_id"
    nobody = await api.post(
        f"/disputes/{uuid.uuid4()}/comments",
        json={"agency_id": members["FR"], "author": "X Y", "body": "?"},
        headers=ncu(api, "FR"),
    )
    assert nobody.status_code == 404 and nobody.json()["code"] == "dispute_not_found"

    late = await api.post(
        f"/disputes/{allocation.json()['id']}/resolution-decision",
        json={"title": "Give Brazil seats", "due_at": due(-1)},
    )
    assert late.status_code == 422 and late.json()["code"] == "due_in_past", "the decisions' own rules apply"
    resolution_key, proposal = key(), {"title": "Count instructors as contributions", "due_at": due()}
    opened = await api.post(
        f"/disputes/{dispute['id']}/resolution-decision", json=proposal, headers=resolution_key
    )
    assert opened.status_code == 201, opened.text
    under_vote = opened.json()
    decision_id = under_vote["resolution_decision_id"]
    assert under_vote["status"] == "under_vote" and opened.headers["location"] == f"/decisions/{decision_id}"
    assert [r["decision_id"] for r in under_vote["resolutions"]] == [decision_id]
    assert [c["author"] for c in under_vote["comments"]] == ["Claire Martin"]
    decision = (await api.get(f"/decisions/{decision_id}")).json()
    assert decision["kind"] == "dispute_resolution" and decision["outcome"] == "open"
    assert dispute["id"] in decision["description"]
    replayed = await api.post(
        f"/disputes/{dispute['id']}/resolution-decision", json=proposal, headers=resolution_key
    )
    assert replayed.status_code == 201 and replayed.headers["idempotent-replayed"] == "true"
    assert replayed.json() == under_vote, "a retried request opens no second decision"
    twice = await api.post(
        f"/disputes/{dispute['id']}/resolution-decision", json={"title": "Another idea", "due_at": due()}
    )
    assert twice.status_code == 409 and twice.json()["code"] == "dispute_under_vote"
    assert twice.json()["decision_id"] == decision_id

    listed = (await api.get(url, params={"status": "under_vote"})).json()["items"]
    assert [d["id"] for d in listed] == [dispute["id"]]
    still_open = (await api.get(url, params={"status": "open"})).json()["items"]
    assert [d["id"] for d in still_open] == [allocation.json()["id"]]
    first = (await api.get(url, params={"limit": 1})).json()
    second = (await api.get(url, params={"limit": 1, "cursor": first["next_cursor"]})).json()
    assert [first["items"][0]["id"], second["items"][0]["id"]] == [dispute["id"], allocation.json()["id"]]
    assert (await api.get(url, params={"subject_kind": "allocation"})).json()["items"][0][
        "subject_ref"
    ] == "2027 lab seats"
    bad_status = await api.get(url, params={"status": "closed"})
    assert bad_status.status_code == 422 and bad_status.json()["errors"][0]["field"] == "status"
    assert (await api.get(f"/partnerships/{uuid.uuid4()}/disputes")).json()["code"] == "partnership_not_found"
    assert (await api.get(f"/disputes/{uuid.uuid4()}")).status_code == 404
    read = (await api.get(f"/disputes/{dispute['id']}")).json()
    assert read["status"] == "under_vote" and len(read["comments"]) == 1

    written = await events(api)
    assert [e for e in written if "dispute" in e] == [
        "partners.dispute_raised.v1",
        "partners.dispute_raised.v1",
        "partners.dispute_commented.v1",
        "partners.dispute_resolution_opened.v1",
    ], "refused and replayed requests wrote nothing"
    assert written[-2:] == ["partners.decision_opened.v1", "partners.dispute_resolution_opened.v1"]
    opened_event = envelope_of((await outbox_records(api, "partners.dispute_resolution_opened.v1"))[0])
    assert opened_event.key == p["id"] and opened_event.data["decision_id"] == decision_id


async def _vote_all(
    api: httpx.AsyncClient, p: dict[str, Any], decision_id: str, choice: str
) -> dict[str, Any]:
    body = {m["country_code"]: m["id"] for m in p["oversight_body"]}
    last: dict[str, Any] = {}
    for code in ("SN", "BR", "FR"):
        response = await api.post(
            f"/decisions/{decision_id}/votes",
            json={"member_id": body[code], "choice": choice, "reason": "as agreed"},
            headers=as_seat(api, p, code),
        )
        last = response.json()
        if last.get("outcome") not in (None, "open"):
            break
    return last


async def apply(api: httpx.AsyncClient, record: KafkaRecord) -> None:
    """Run the partners consumer's handler for one record in its own transaction, as the consumer does."""
    envelope = envelope_of(record)
    handler = subscription(api.app.state.runtime.settings).handlers[envelope.type]  # type: ignore[attr-defined]
    token = TENANT.set(SYSTEM_TENANT)  # the consumer works for the platform, not for a request's country
    try:
        async with create_sessionmaker(engine_of(api))() as session, session.begin():
            await handler(session, envelope)
    finally:
        TENANT.reset(token)


async def test_a_closed_resolution_decision_reopens_or_resolves_its_dispute_once(
    api: httpx.AsyncClient,
) -> None:
    p = await partnership(api, {"kind": "members", "approvals_needed": 2})
    members = {m["country_code"]: m["agency_id"] for m in p["members"]}
    dispute = (
        await api.post(
            f"/partnerships/{p['id']}/disputes",
            json={
                "raised_by_agency_id": members["BR"],
                "subject_kind": "allocation",
                "subject_ref": "2027 lab seats",
                "statement": "Brazil received no lab seats in 2027.",
            },
            headers=ncu(api, "BR"),
        )
    ).json()
    url = f"/disputes/{dispute['id']}"
    first = (
        await api.post(f"{url}/resolution-decision", json={"title": "Give Brazil 4 seats", "due_at": due()})
    ).json()
    vetoed = await _vote_all(api, p, first["resolution_decision_id"], "reject")
    assert vetoed["outcome"] in {"vetoed", "rejected"}
    closed = await outbox_records(api, "partners.decision_closed.v1")
    for _ in range(2):  # redelivered (or published twice by a relay that crashed): applied once
        await apply(api, closed[-1])
    reopened = (await api.get(url)).json()
    assert reopened["status"] == "open" and reopened["resolution_decision_id"] is None
    assert reopened["last_outcome"] == vetoed["outcome"]
    assert [(r["decision_id"], r["outcome"]) for r in reopened["resolutions"]] == [
        (first["resolution_decision_id"], vetoed["outcome"])
    ]

    second = (
        await api.post(f"{url}/resolution-decision", json={"title": "Give Brazil 2 seats", "due_at": due()})
    ).json()
    assert second["status"] == "under_vote"
    assert (await _vote_all(api, p, second["resolution_decision_id"], "approve"))["outcome"] == "approved"
    closed = await outbox_records(api, "partners.decision_closed.v1")
    await apply(api, closed[-1])
    await apply(api, closed[-1])
    await apply(api, closed[0])  # an old outcome arriving again changes nothing either
    resolved = (await api.get(url)).json()
    assert resolved["status"] == "resolved" and resolved["resolved_at"]
    assert resolved["resolution_decision_id"] == second["resolution_decision_id"]
    assert [r["outcome"] for r in resolved["resolutions"]] == [vetoed["outcome"], "approved"]
    done = await api.post(
        f"{url}/comments",
        json={"agency_id": members["BR"], "author": "Ana Souza", "body": "Thanks"},
        headers=ncu(api, "BR"),
    )
    assert done.status_code == 409 and done.json()["code"] == "dispute_resolved"
    again = await api.post(f"{url}/resolution-decision", json={"title": "More", "due_at": due()})
    assert again.status_code == 409 and again.json()["code"] == "dispute_resolved"

    unlinked = (
        await api.post(
            f"/partnerships/{p['id']}/decisions",
            json={"kind": "dispute_resolution", "title": "Opened directly", "due_at": due()},
        )
    ).json()
    await _vote_all(api, p, unlinked["id"], "approve")
    await apply(
        api, (await outbox_records(api, "partners.decision_closed.v1"))[-1]
    )  # no dispute waits: nothing

    settled = [
        e for e in await events(api) if e in {"partners.dispute_reopened.v1", "partners.dispute_resolved.v1"}
    ]
    assert settled == ["partners.dispute_reopened.v1", "partners.dispute_resolved.v1"]
    reopened_event = envelope_of((await outbox_records(api, "partners.dispute_reopened.v1"))[0])
    assert reopened_event.key == p["id"] and reopened_event.data["outcome"] == vetoed["outcome"]


@contextlib.asynccontextmanager
async def partners_consumer(deployment: Deployment, api: httpx.AsyncClient) -> AsyncIterator[EventConsumer]:
    settings = deployment.settings("partners", uses_temporal=True)
    engine = create_engine(settings)  # a consumer's own engine: it works for the platform (tenant `*`)
    consumer = EventConsumer(
        settings,
        create_sessionmaker(engine),
        subscription(settings),
        group_id=f"{deployment.prefix}-partners",
    )
    # A fresh context, as in the consumer process: nothing of the in-process requests' tenant carries over.
    task = asyncio.create_task(consumer.run(), context=contextvars.Context())
    try:
        yield consumer
    finally:
        consumer.stop()
        await asyncio.wait_for(task, timeout=30)
        await engine.dispose()


def exchange(partnership_id: str, sending: str, host: str, days: int, **extra: Any) -> ExchangeCompletedV1:
    return ExchangeCompletedV1(
        **{
            "exchange_id": str(uuid.uuid4()),
            "partnership_id": partnership_id,
            "officer_country_code": sending,
            "host_country_code": host,
            "kind": "exchange_visit",
            "days": days,
            "completed_at": datetime(2027, 3, 1, 12, tzinfo=UTC),
            **extra,
        }
    )


async def test_the_partners_consumer_keeps_reciprocity_and_settles_disputes_once(
    api: httpx.AsyncClient, deployment: Deployment
) -> None:
    p = await partnership(api, {"kind": "members", "approvals_needed": 2})
    members = {m["country_code"]: m["agency_id"] for m in p["members"]}
    handled = set(subscription(deployment.settings("partners")).handlers)
    assert {"training.exchange_completed.v1", "partners.decision_closed.v1"} <= handled
    assert "training.events.v1" in subscription(deployment.settings("partners")).topics

    visit = exchange(p["id"], "SN", "FR", 21, host_agency_id=members["FR"])
    rotation = exchange(
        p["id"], "FR", "SN", 10, kind="hub_rotation", completed_at=datetime(2027, 5, 2, tzinfo=UTC)
    )
    from_brazil = exchange(p["id"], "BR", "FR", 5)
    elsewhere = exchange(str(uuid.uuid4()), "BR", "SN", 3)
    records = [
        encode(e, source="/services/training", key=e.exchange_id) for e in (visit, rotation, from_brazil)
    ]
    replayed = encode(
        visit, source="/services/training", key=visit.exchange_id
    )  # same exchange, new event id
    poison = encode(elsewhere, source="/services/training", key=elsewhere.exchange_id)

    dispute = (
        await api.post(
            f"/partnerships/{p['id']}/disputes",
            json={
                "raised_by_agency_id": members["SN"],
                "subject_kind": "allocation",
                "subject_ref": "exchange quota",
                "statement": "Senegal hosts more than it sends.",
            },
            headers=ncu(api, "SN"),
        )
    ).json()
    opened = (
        await api.post(
            f"/disputes/{dispute['id']}/resolution-decision", json={"title": "Rebalance", "due_at": due()}
        )
    ).json()
    await _vote_all(api, p, opened["resolution_decision_id"], "approve")
    closed = (await outbox_records(api, "partners.decision_closed.v1"))[-1]

    producer = AIOKafkaProducer(**deployment.endpoints.kafka_options(), acks="all")
    await producer.start()
    try:
        async with partners_consumer(deployment, api):
            training, partners = (
                deployment.topic("training.events.v1"),
                deployment.topic("partners.events.v1"),
            )
            for record in [records[0], records[0], *records[1:], replayed, poison, records[2]]:
                await producer.send_and_wait(
                    training, value=record.value, key=record.key, headers=record.headers
                )
            for _ in range(2):
                await producer.send_and_wait(
                    partners, value=closed.value, key=closed.key, headers=closed.headers
                )
            await eventually(
                lambda: _dispute_status(api, dispute["id"], "resolved"), timeout=60, what="dispute resolved"
            )
            dead = await read_topic(
                deployment.endpoints,
                deployment.topic("partners.deadletter.v1"),
                until=lambda r: len(r) >= 1,
                timeout=60,
            )

            async def ledger_complete() -> bool:
                async with engine_of(api).connect() as conn:
                    await conn.execute(
                        text("SELECT set_config('backbone.tenant', '*', true)")
                    )  # as the platform
                    return (
                        int(await conn.scalar(text("SELECT count(*) FROM reciprocity_exchanges")) or 0) >= 3
                    )

            await eventually(ledger_complete, timeout=60, what="exchanges recorded")
            await asyncio.sleep(1)  # let any (wrong) double application land before counting
    finally:
        await producer.stop()
    assert header(dead[0], "dlt_reason") == "permanent_error", "an exchange of an unknown partnership"

    report = (await api.get(f"/partnerships/{p['id']}/reciprocity")).json()
    figures = {c["country_code"]: c for c in report["countries"]}
    assert figures["FR"] == {
        "country_code": "FR",
        "hosted_count": 2,
        "hosted_days": 26,
        "received_count": 1,
        "received_days": 10,
        "balance": 16,
    }, "each exchange counted once, however often it was delivered"
    assert (figures["SN"]["hosted_days"], figures["SN"]["received_days"], figures["SN"]["balance"]) == (
        10,
        21,
        -11,
    )
    assert (figures["BR"]["received_count"], figures["BR"]["hosted_count"], figures["BR"]["balance"]) == (
        1,
        0,
        -5,
    )

    france = (await api.get("/countries/fr/reciprocity")).json()
    assert (france["hosted_days"], france["received_days"], france["balance"]) == (26, 10, 16)
    assert [(c["country_code"], c["hosted_days"], c["received_days"]) for c in france["counterparts"]] == [
        ("BR", 5, 0),
        ("SN", 21, 10),
    ]
    rotations = (await api.get("/countries/FR/reciprocity", params={"kind": "hub_rotation"})).json()
    assert (rotations["hosted_count"], rotations["received_count"]) == (0, 1)
    march = (await api.get(f"/partnerships/{p['id']}/reciprocity", params={"until": "2027-03-31"})).json()
    assert {c["country_code"]: c["received_days"] for c in march["countries"]} == {"BR": 5, "FR": 0, "SN": 21}
    empty = await api.get("/countries/FR/reciprocity", params={"since": "2027-06-01", "until": "2027-01-01"})
    assert empty.status_code == 422 and empty.json()["errors"][0]["field"] == "until"
    unknown = await api.get("/countries/ZZ/reciprocity")
    assert unknown.status_code == 404 and unknown.json()["code"] == "country_not_found"
    assert (await api.get(f"/partnerships/{uuid.uuid4()}/reciprocity")).json()[
        "code"
    ] == "partnership_not_found"
    assert [e for e in await events(api) if e == "partners.dispute_resolved.v1"] == [
        "partners.dispute_resolved.v1"
    ]


async def _dispute_status(api: httpx.AsyncClient, dispute_id: str, status: str) -> bool:
    return bool((await api.get(f"/disputes/{dispute_id}")).json()["status"] == status)


async def test_anyone_reads_a_partnerships_public_profile_and_nothing_more(api: httpx.AsyncClient) -> None:
    p = await partnership(api, {"kind": "members", "approvals_needed": 2})
    granted = await api.post(
        "/endorsements",
        json={
            "endorser_name": "ECOWAS Commission",
            "endorser_kind": "regional_body",
            "subject_kind": "partnership",
            "subject_id": p["id"],
            "scope": "The whole programme",
            "endorsed_on": "2026-11-20",
        },
        headers={**acting(api, "operations_staff", country="FR"), **key()},
    )
    assert granted.status_code == 201, granted.text
    anonymous = {"Authorization": ""}  # the fixture's client signs every request; this one is nobody's
    async with httpx.AsyncClient(transport=api._transport, base_url=str(api.base_url)) as nobody:
        public = await nobody.get(f"/public/partnerships/{p['id']}")
        assert public.status_code == 200, public.text
        profile = public.json()
        assert profile["name"] == p["name"] and profile["phase"] == "familiarization"
        assert sorted(m["country_code"] for m in profile["members"]) == ["BR", "FR", "SN"]
        assert [e["endorser"] for e in profile["endorsements"]] == ["ECOWAS Commission"]
        text = public.text
        for private in ("delegate", "subject", "oversight", "agency_id", "reference"):
            assert private not in text, private  # no person, no agency, not the agreement's reference
        unknown = await nobody.get(f"/public/partnerships/{uuid.uuid4()}")
        assert unknown.status_code == 404 and unknown.json()["code"] == "partnership_not_found"
        assert (await nobody.get(f"/partnerships/{p['id']}", headers=anonymous)).status_code == 401
