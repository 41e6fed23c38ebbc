"""A trainee's own records, by the account they sign in with: their enrollments with progress, their
certifications, and their credential to take away (verified offline); nobody else's."""

from __future__ import annotations

import httpx

from tests.integration import vc_verifier
from tests.integration.test_training_certifications import certification_request
from tests.integration.test_training_cohorts import ncu, schedule, world
from tests.integration.test_training_facilities import training
from tests.integration.test_training_learning import statement
from tests.support import acting

__all__ = ["training"]  # the fixture


async def test_a_trainee_reads_their_own_records_and_takes_their_credential(
    training: httpx.AsyncClient,
) -> None:
    w = await world(training)
    cohort = (await schedule(training, w)).json()["id"]
    sn = w["agencies"]["SN"]
    nominated = await training.post(
        f"/cohorts/{cohort}/nominations",
        json={
            "agency_id": sn,
            "trainee_id": "SN-77",
            "trainee_name": "Awa Ndiaye",
            "trainee_subject": "awa@sn",
        },
        headers=ncu(training, "SN"),
    )
    await training.post(f"/nominations/{nominated.json()['id']}/approval", headers=ncu(training, "SN"))
    lms = acting(training, "agency_integrator", country="SN", agency=sn)
    await training.post("/xapi/statements", json=statement(cohort, "SN-77", "m1", "completed"), headers=lms)
    issued = await training.post(
        "/certifications",
        json=await certification_request(training, sn, trainee_id="SN-77", trainee_subject="awa@sn"),
        headers=ncu(training, "SN"),
    )
    assert issued.status_code == 201, issued.text

    awa = acting(training, "trainee", country="SN", subject="awa@sn")
    enrollments = (await training.get("/me/enrollments", headers=awa)).json()["items"]
    assert [e["nomination"]["status"] for e in enrollments] == ["enrolled"]
    assert [p["module_code"] for p in enrollments[0]["progress"]] == ["m1"]
    mine = (await training.get("/me/certifications", headers=awa)).json()["items"]
    assert [c["id"] for c in mine] == [issued.json()["id"]]
    credential = await training.get(f"/me/certifications/{issued.json()['id']}/credential", headers=awa)
    assert credential.status_code == 200, credential.text
    jwks = (await training.get("/.well-known/jwks.json")).json()
    issuer = credential.json()["jwks_url"].removesuffix("/.well-known/jwks.json")
    claims = vc_verifier.verify(credential.json()["credential"], jwks, issuer=issuer)
    assert "OpenBadgeCredential" in claims["vc"]["type"]

    moussa = acting(training, "trainee", country="SN", subject="moussa@sn")
    assert (await training.get("/me/enrollments", headers=moussa)).json()["items"] == []
    assert (await training.get("/me/certifications", headers=moussa)).json()["items"] == []
    theirs = await training.get(f"/me/certifications/{issued.json()['id']}/credential", headers=moussa)
    assert (theirs.status_code, theirs.json()["code"]) == (404, "certification_not_found")
    assert (await training.get("/me/certifications", headers=ncu(training, "SN"))).status_code == 403, (
        "the /me routes are a trainee's"
    )
