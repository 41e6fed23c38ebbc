"""Recognition between partner countries through the training API on its real database: an agreement by the
recognising country, certifications put under it by the issuing country, and the cascade that revokes
recognitions when their certification is revoked or their agreement ends, each announced once."""

from __future__ import annotations

from typing import Any

import httpx

from contracts.envelope import decode
from tests.integration.test_partner_relations_api import outbox_records
from tests.integration.test_training_certifications import certification_request
from tests.integration.test_training_cohorts import ncu
from tests.integration.test_training_facilities import training
from tests.integration.training_world import partnership_in_training

__all__ = ["training"]  # the fixture


async def events(api: httpx.AsyncClient, event_type: str) -> list[dict[str, Any]]:
    return [
        {
            **decode(r.headers, r.key, r.value).data,
            "audience": decode(r.headers, r.key, r.value).extensions["audience"],
        }
        for r in await outbox_records(api, event_type)
    ]


async def certified(api: httpx.AsyncClient, agency: str, trainee: str) -> str:
    issued = await api.post(
        "/certifications",
        json=await certification_request(api, agency, trainee_id=trainee),
        headers=ncu(api, "SN"),
    )
    assert issued.status_code == 201, issued.text
    return str(issued.json()["id"])


async def agree(api: httpx.AsyncClient, p: dict[str, Any], country: str, **extra: Any) -> httpx.Response:
    body = {"partnership_id": p["id"], "issuing_country_code": "SN", "starts_on": "2026-01-01", **extra}
    return await api.post("/recognition-agreements", json=body, headers=ncu(api, country))


async def test_recognitions_follow_their_certification_and_their_agreement(
    training: httpx.AsyncClient,
) -> None:
    p = await partnership_in_training(training, "SN", "FR", "BR")
    sn = p["agencies"]["SN"]
    first, second = await certified(training, sn, "SN-1"), await certified(training, sn, "SN-2")
    france = await agree(training, p, "FR")
    assert france.status_code == 201, france.text
    narrow = (await agree(training, p, "BR", competencies=["cf:human-rights"])).json()
    agreement = france.json()["id"]
    under = f"/recognition-agreements/{agreement}/recognitions"

    by_france = await training.post(under, json={"certification_id": first}, headers=ncu(training, "FR"))
    assert by_france.status_code == 403, "the issuing country puts its certifications under the agreement"
    recognised = await training.post(under, json={"certification_id": first}, headers=ncu(training, "SN"))
    assert recognised.status_code == 201, recognised.text
    again = await training.post(under, json={"certification_id": first}, headers=ncu(training, "SN"))
    assert again.status_code == 200 and again.json()["id"] == recognised.json()["id"]
    out_of_scope = await training.post(
        f"/recognition-agreements/{narrow['id']}/recognitions",
        json={"certification_id": first},
        headers=ncu(training, "SN"),
    )
    assert (out_of_scope.status_code, out_of_scope.json()["code"]) == (422, "out_of_scope")
    await training.post(under, json={"certification_id": second}, headers=ncu(training, "SN"))
    announced = await events(training, "training.certification_recognised.v1")
    assert [(e["certification_id"], e["recognising_country_code"], e["audience"]) for e in announced] == [
        (first, "FR", "FR,SN"),
        (second, "FR", "FR,SN"),
    ]
    assert (
        await training.get(f"/recognition-agreements/{agreement}", headers=ncu(training, "BR"))
    ).status_code == 404

    revoked = await training.post(
        f"/certifications/{first}/revocation", json={"reason": "Misconduct"}, headers=ncu(training, "SN")
    )
    assert revoked.json()["status"] == "revoked"
    state = {
        r["certification_id"]: r
        for r in (await training.get(under, headers=ncu(training, "FR"))).json()["items"]
    }
    assert (state[first]["status"], state[first]["cause"]) == ("revoked", "certification_revoked")
    assert state[second]["status"] == "active"

    ended = await training.post(
        f"/recognition-agreements/{agreement}/ending",
        json={"reason": "Treaty lapsed"},
        headers=ncu(training, "FR"),
    )
    assert ended.json()["status"] == "ended"
    state = {
        r["certification_id"]: r
        for r in (await training.get(under, headers=ncu(training, "SN"))).json()["items"]
    }
    assert (state[second]["status"], state[second]["cause"]) == ("revoked", "agreement_ended")
    assert (state[first]["cause"]) == "certification_revoked", "revoked once, for its first cause"
    ends = await events(training, "training.recognition_revoked.v1")
    assert sorted((e["certification_id"], e["cause"]) for e in ends) == sorted(
        [(first, "certification_revoked"), (second, "agreement_ended")]
    )
    third = await certified(training, sn, "SN-3")
    late = await training.post(under, json={"certification_id": third}, headers=ncu(training, "SN"))
    assert (late.status_code, late.json()["code"]) == (409, "agreement_not_in_force")


async def test_bad_agreements_and_recognitions_are_refused(training: httpx.AsyncClient) -> None:
    p = await partnership_in_training(training, "SN", "FR")
    for country, change, field, code in (
        ("FR", {"issuing_country_code": "FR"}, "issuing_country_code", "same_country"),
        ("FR", {"issuing_country_code": "KE"}, "issuing_country_code", "not_a_member"),
        ("GH", {}, "partnership_id", "partnership_unknown"),
        ("FR", {"ends_on": "2025-01-01"}, "", "validation_failed"),
    ):
        refused = await agree(training, p, country, **change)
        assert refused.status_code == 422, refused.text
        if field:
            assert (refused.json()["errors"][0]["field"], refused.json()["code"]) == (field, code)
    agreement = (await agree(training, p, "FR")).json()
    under = f"/recognition-agreements/{agreement['id']}/recognitions"
    expired = await training.post(
        "/certifications",
        json=await certification_request(
            training, p["agencies"]["SN"], issued_on="2020-01-01", validity_months=12
        ),
        headers=ncu(training, "SN"),
    )
    refused = await training.post(
        under, json={"certification_id": expired.json()["id"]}, headers=ncu(training, "SN")
    )
    assert (refused.status_code, refused.json()["code"]) == (422, "not_valid")
    unknown = await training.post(
        under, json={"certification_id": agreement["id"]}, headers=ncu(training, "SN")
    )
    assert (unknown.status_code, unknown.json()["code"]) == (422, "certification_unknown")
