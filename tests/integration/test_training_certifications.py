"""Certifications through the training API: issued only on a passed assessment (the assessment service's result,
of the same trainee, partnership and competency), portable as a signed verifiable
credential that an independent verifier checks with the published key alone, and a public status that follows
suspension and revocation."""

from __future__ import annotations

import base64
import json
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import httpx

from contracts.envelope import decode
from contracts.events.assessment import TraineeAssessedV1
from tests.integration import vc_verifier
from tests.integration.test_partner_relations_api import outbox_records
from tests.integration.test_training_facilities import coordinator, known_agency, training
from tests.integration.training_events import deliver

__all__ = ["training"]  # the fixture


async def assessed(
    api: httpx.AsyncClient,
    *,
    trainee_id: str,
    partnership_id: str,
    competency: str = "cf:chain-of-custody",
    passed: bool = True,
    country: str = "SN",
) -> str:
    """A trainee's assessment result as the assessment service announces it; its id."""
    assessment_id = str(uuid.uuid4())
    await deliver(
        api,
        TraineeAssessedV1(
            assessment_id=assessment_id,
            partnership_id=partnership_id,
            rubric_id=str(uuid.uuid4()),
            rubric_version_id=str(uuid.uuid4()),
            competency=competency,
            kind="proficiency_test",
            cohort_id=None,
            trainee_id=trainee_id,
            trainee_country_code=country,
            assessor_country_code="BR",
            percent=Decimal("82.5") if passed else Decimal("91.0"),
            passed=passed,
            failed_dimensions=[] if passed else ["human_rights"],
            assessed_at=datetime.now(UTC),
        ),
    )
    return assessment_id


async def certification_request(
    api: httpx.AsyncClient, agency: str, *, passed: bool = True, **extra: Any
) -> dict[str, Any]:
    """A request for a trainee whose passed (or failed) assessment training has learnt."""
    body = {
        "trainee_id": "SN-PN-004217",
        "trainee_name": "Awa Ndiaye",
        "agency_id": agency,
        "curriculum_ref": "chain-of-custody/v2",
        "curriculum_completed": True,
        "competencies": ["cf:chain-of-custody", "cf:evidence-admissibility"],
        "level": 3,
        "issuing_partnership_id": str(uuid.uuid4()),
        "issued_on": date.today().isoformat(),
        "validity_months": 36,
        "time_zone": "Africa/Dakar",
        **extra,
    }
    evidence = await assessed(
        api, trainee_id=body["trainee_id"], partnership_id=body["issuing_partnership_id"], passed=passed
    )
    return {"assessment_id": evidence, **body}


async def certify(api: httpx.AsyncClient) -> dict[str, Any]:
    sn = await known_agency(api, "SN")
    body = await certification_request(api, sn)
    issued = await api.post("/certifications", json=body, headers=coordinator(api, "SN"))
    assert issued.status_code == 201, issued.text
    return issued.json()  # type: ignore[no-any-return]


async def test_a_failed_test_or_an_unfinished_curriculum_gets_no_certification(
    training: httpx.AsyncClient,
) -> None:
    sn = await known_agency(training, "SN")
    failed = await training.post(
        "/certifications",
        json=await certification_request(training, sn, passed=False),
        headers=coordinator(training, "SN"),
    )
    assert failed.status_code == 422 and failed.json()["code"] == "not_eligible"
    assert failed.json()["errors"][0]["field"] == "assessment_id", (
        "a brilliant technician who failed human rights"
    )
    assert "human_rights" in failed.json()["detail"]
    unfinished = await training.post(
        "/certifications",
        json=await certification_request(training, sn, curriculum_completed=False),
        headers=coordinator(training, "SN"),
    )
    assert unfinished.status_code == 422 and unfinished.json()["errors"][0]["field"] == "curriculum_completed"
    foreign = await training.post(
        "/certifications", json=await certification_request(training, sn), headers=coordinator(training, "FR")
    )
    assert foreign.status_code == 403, "France does not certify Senegal's officers"


async def test_the_assessment_must_be_the_trainees_in_the_partnership_for_a_certified_competency(
    training: httpx.AsyncClient,
) -> None:
    sn = await known_agency(training, "SN")
    body = await certification_request(training, sn)
    pid = body["issuing_partnership_id"]
    someone_else = await assessed(training, trainee_id="SN-OTHER", partnership_id=pid)
    elsewhere = await assessed(training, trainee_id=body["trainee_id"], partnership_id=str(uuid.uuid4()))
    other_skill = await assessed(
        training, trainee_id=body["trainee_id"], partnership_id=pid, competency="cf:drones"
    )
    foreign = await assessed(training, trainee_id=body["trainee_id"], partnership_id=pid, country="BR")
    for evidence, code in (
        (str(uuid.uuid4()), "assessment_unknown"),
        (someone_else, "assessment_of_another_trainee"),
        (elsewhere, "assessment_of_another_partnership"),
        (other_skill, "assessment_of_another_competency"),
        (foreign, "assessment_unknown"),  # Brazil's trainee's result is not Senegal's to read
    ):
        refused = await training.post(
            "/certifications", json={**body, "assessment_id": evidence}, headers=coordinator(training, "SN")
        )
        assert (refused.status_code, refused.json()["code"]) == (422, code), refused.text
        assert refused.json()["errors"][0]["field"] == "assessment_id"
    again = TraineeAssessedV1.model_validate(
        {**_assessment_event(body["assessment_id"], pid, body["trainee_id"]), "passed": False}
    )
    await deliver(training, again)  # redelivered (even altered): the first result stands
    issued = await training.post("/certifications", json=body, headers=coordinator(training, "SN"))
    assert issued.status_code == 201 and Decimal(issued.json()["score"]) == Decimal("82.5"), issued.text


def _assessment_event(assessment_id: str, partnership_id: str, trainee_id: str) -> dict[str, Any]:
    return {
        "assessment_id": assessment_id,
        "partnership_id": partnership_id,
        "rubric_id": str(uuid.uuid4()),
        "rubric_version_id": str(uuid.uuid4()),
        "competency": "cf:chain-of-custody",
        "kind": "proficiency_test",
        "cohort_id": None,
        "trainee_id": trainee_id,
        "trainee_country_code": "SN",
        "assessor_country_code": "BR",
        "percent": "82.5",
        "passed": True,
        "failed_dimensions": [],
        "assessed_at": datetime.now(UTC).isoformat(),
    }


async def test_the_credential_is_verified_offline_with_the_published_key_only(
    training: httpx.AsyncClient,
) -> None:
    certification = await certify(training)
    assert certification["status"] == "valid" and certification["expires_on"] > certification["issued_on"]
    got = await training.get(
        f"/certifications/{certification['id']}/credential", headers=coordinator(training, "SN")
    )
    assert got.status_code == 200, got.text
    credential = got.json()
    jwks = (await training.get("/.well-known/jwks.json")).json()  # no token: anyone may fetch the keys
    issuer = credential["jwks_url"].removesuffix("/.well-known/jwks.json")
    claims = vc_verifier.verify(credential["credential"], jwks, issuer=issuer)
    vc = claims["vc"]
    assert "VerifiableCredential" in vc["type"] and "OpenBadgeCredential" in vc["type"]
    subject = vc["credentialSubject"]
    assert subject["name"] == "Awa Ndiaye" and subject["level"] == 3
    assert [a["targetCode"] for a in subject["achievement"]["alignment"]] == [
        "cf:chain-of-custody",
        "cf:evidence-admissibility",
    ]
    assert vc["credentialStatus"]["id"] == credential["status_url"]

    header, payload, signature = credential["credential"].split(".")
    forged = json.loads(base64.urlsafe_b64decode(payload + "=="))
    forged["vc"]["credentialSubject"]["level"] = 5
    tampered = base64.urlsafe_b64encode(json.dumps(forged).encode()).decode().rstrip("=")
    try:
        vc_verifier.verify(f"{header}.{tampered}.{signature}", jwks, issuer=issuer)
    except vc_verifier.Rejected as refused:
        assert "signature" in str(refused)
    else:
        raise AssertionError("a modified credential was accepted")
    assert (
        await training.get(
            f"/certifications/{certification['id']}/credential", headers=coordinator(training, "FR")
        )
    ).status_code == 404


async def test_the_public_status_follows_suspension_reinstatement_and_revocation(
    training: httpx.AsyncClient,
) -> None:
    certification = await certify(training)
    status_url = f"/credentials/{certification['id']}/status"

    async def public_status() -> str:
        answer = await training.get(status_url)  # no token
        assert answer.status_code == 200, answer.text
        assert set(answer.json()) == {"id", "status", "expires_at", "checked_at"}, "nothing about the person"
        return str(answer.json()["status"])

    sn = coordinator(training, "SN")
    base = f"/certifications/{certification['id']}"
    assert await public_status() == "valid"
    assert (await training.post(f"{base}/suspension", json={"reason": "Under review"}, headers=sn)).json()[
        "status"
    ] == "suspended"
    assert await public_status() == "suspended"
    assert (await training.post(f"{base}/reinstatement", json={"reason": "Cleared"}, headers=sn)).json()[
        "status"
    ] == "valid"
    assert (await training.post(f"{base}/revocation", json={"reason": "Misconduct"}, headers=sn)).json()[
        "status"
    ] == "revoked"
    assert await public_status() == "revoked"
    again = await training.post(f"{base}/reinstatement", json={"reason": "Appeal"}, headers=sn)
    assert again.status_code == 409 and again.json()["code"] == "invalid_status_change"
    assert (await training.get(f"/credentials/{uuid.uuid4()}/status")).status_code == 404
    changes = [
        decode(r.headers, r.key, r.value).data["status"]
        for r in await outbox_records(training, "training.certification_status_changed.v1")
    ]
    assert changes == ["suspended", "valid", "revoked"]
    issued = await outbox_records(training, "training.certification_issued.v1")
    assert decode(issued[0].headers, issued[0].key, issued[0].value).extensions["audience"] == "SN"
