"""Communities of practice: opened per specialty in a partnership, joined by people as themselves, mentors
appointed by coordinators, posts by current members only, seen by member countries only."""

from __future__ import annotations

import httpx

from tests.integration.test_partner_relations_api import envelope_of, outbox_records
from tests.integration.test_training_cohorts import ncu, schedule, world
from tests.integration.test_training_facilities import training
from tests.integration.training_world import partnership_in_training
from tests.support import acting

__all__ = ["training"]  # the fixture


async def test_members_join_post_and_leave_and_outsiders_see_nothing(training: httpx.AsyncClient) -> None:
    p = await partnership_in_training(training, "SN", "FR")
    opened = await training.post(
        "/communities",
        json={
            "partnership_id": p["id"],
            "specialty": "cyber_forensics",
            "name": "Cyber forensics practitioners",
        },
        headers=ncu(training, "SN"),
    )
    assert opened.status_code == 201, opened.text
    url = f"/communities/{opened.json()['id']}"
    twice = await training.post(
        "/communities",
        json={"partnership_id": p["id"], "specialty": "cyber_forensics", "name": "Again"},
        headers=ncu(training, "FR"),
    )
    assert (twice.status_code, twice.json()["code"]) == (409, "community_exists")

    awa = acting(training, "trainee", country="SN", subject="awa@sn")
    luc = acting(training, "instructor", country="FR", subject="luc@fr")
    outsider = acting(training, "trainee", country="GH", subject="kofi@gh")
    early = await training.post(f"{url}/posts", json={"body": "Hello?"}, headers=awa)
    assert (early.status_code, early.json()["code"]) == (403, "not_a_member")
    joined = await training.post(f"{url}/members", json={"display_name": "Awa"}, headers=awa)
    assert joined.status_code == 201 and joined.json()["role"] == "member"
    again = await training.post(f"{url}/members", json={"display_name": "Awa N."}, headers=awa)
    assert again.json()["id"] == joined.json()["id"], "joining twice changes nothing"
    mentor = await training.post(
        f"{url}/mentors", json={"subject": "luc@fr", "display_name": "Luc"}, headers=ncu(training, "FR")
    )
    assert mentor.status_code == 201 and mentor.json()["role"] == "mentor"
    not_coordinator = await training.post(
        f"{url}/mentors", json={"subject": "x", "display_name": "x"}, headers=awa
    )
    assert not_coordinator.status_code == 403

    question = await training.post(f"{url}/posts", json={"body": "How do you image a phone?"}, headers=awa)
    assert question.status_code == 201, question.text
    answer = await training.post(
        f"{url}/posts", json={"body": "Write-blocker first.", "reply_to": question.json()["id"]}, headers=luc
    )
    assert answer.status_code == 201 and answer.json()["reply_to"] == question.json()["id"]
    stray = await training.post(
        f"{url}/posts", json={"body": "x", "reply_to": opened.json()["id"]}, headers=luc
    )
    assert (stray.status_code, stray.json()["errors"][0]["field"]) == (422, "reply_to")
    first = (await training.get(f"{url}/posts", params={"limit": 1}, headers=luc)).json()
    rest = (await training.get(f"{url}/posts", params={"cursor": first["next_cursor"]}, headers=luc)).json()
    assert [x["body"] for x in first["items"] + rest["items"]] == [
        "How do you image a phone?",
        "Write-blocker first.",
    ]
    assert {
        m["display_name"]: m["role"]
        for m in (await training.get(f"{url}/members", headers=awa)).json()["items"]
    } == {
        "Awa": "member",
        "Luc": "mentor",
    }

    assert (await training.get(url, headers=outsider)).status_code == 404
    assert (
        await training.post(f"{url}/members", json={"display_name": "Kofi"}, headers=outsider)
    ).status_code == 404
    left = await training.post(f"{url}/departure", headers=awa)
    assert left.json()["left_at"] is not None
    after = await training.post(f"{url}/posts", json={"body": "Still here?"}, headers=awa)
    assert after.status_code == 403, "a member who left no longer posts"


async def test_a_mentor_and_a_trainee_member_make_a_mentorship_announced_to_their_countries(
    training: httpx.AsyncClient,
) -> None:
    w = await world(training)
    cohort = (await schedule(training, w)).json()["id"]
    nominated = await training.post(
        f"/cohorts/{cohort}/nominations",
        json={
            "agency_id": w["agencies"]["SN"],
            "trainee_id": "SN-88",
            "trainee_name": "Awa",
            "trainee_subject": "awa88@sn",
        },
        headers=ncu(training, "SN"),
    )
    assert nominated.status_code == 201, nominated.text
    opened = await training.post(
        "/communities",
        json={"partnership_id": w["id"], "specialty": "evidence", "name": "Evidence handlers"},
        headers=ncu(training, "FR"),
    )
    url = f"/communities/{opened.json()['id']}"
    awa = acting(training, "trainee", country="SN", subject="awa88@sn")
    assert (
        await training.post(f"{url}/members", json={"display_name": "Awa"}, headers=awa)
    ).status_code == 201
    luc = await training.post(
        f"{url}/mentors", json={"subject": "luc88@fr", "display_name": "Luc"}, headers=ncu(training, "FR")
    )
    assert luc.status_code == 201, luc.text
    records = await outbox_records(training, "training.mentorship_recorded.v1")
    mine = [envelope_of(r) for r in records if envelope_of(r).data["community_id"] == opened.json()["id"]]
    assert [(e.data["mentor_subject"], e.data["trainee_id"], e.extensions["audience"]) for e in mine] == [
        ("luc88@fr", "SN-88", "FR,SN")
    ], "the trainee's pseudonymous id, to the two countries concerned"
