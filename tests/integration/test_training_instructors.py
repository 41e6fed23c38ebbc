"""Instructors through the training API on its real database: assigned only when qualified, speaking the
cohort's language and available; never to two overlapping cohorts (a PostgreSQL exclusion constraint, also when
requests race); freed by a cancellation; and graduates who become instructors (train-the-trainer)."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
from sqlalchemy import text

from contracts.envelope import decode
from tests.integration.test_partner_relations_api import engine_of, outbox_records
from tests.integration.test_training_certifications import certification_request
from tests.integration.test_training_cohorts import START, ncu, period, schedule, world
from tests.integration.test_training_facilities import training
from tests.integration.test_training_renewal_effects import nominate
from tests.integration.training_world import dakar_simulator
from tests.support import acting

__all__ = ["training"]  # the fixture


async def instructor(api: httpx.AsyncClient, w: dict[str, Any], person: str, **extra: Any) -> dict[str, Any]:
    body = {
        "agency_id": w["agencies"]["FR"],
        "person_id": person,
        "name": f"Instructor {person}",
        "qualifications": [{"code": "cf:chain-of-custody", "level": 3}],
        "languages": ["en", "fr"],
        "teaching_skills": ["cross_cultural", "trauma_informed"],
        "shared_with": ["sn"],
        **extra,
    }
    created = await api.post("/instructors", json=body, headers=ncu(api, "FR"))
    assert created.status_code == 201, created.text
    window = {"starts_at": START.isoformat(), "ends_at": START.replace(month=7).isoformat()}
    available = await api.post(
        f"/instructors/{created.json()['id']}/availability", json=window, headers=ncu(api, "FR")
    )
    assert available.status_code == 200, available.text
    return created.json()  # type: ignore[no-any-return]


async def assign(
    api: httpx.AsyncClient, cohort: str, instructor_id: str, role: str = "lead"
) -> httpx.Response:
    return await api.post(
        f"/cohorts/{cohort}/instructors",
        json={"instructor_id": instructor_id, "role": role},
        headers=ncu(api, "FR"),
    )


async def test_an_instructor_is_never_double_booked_and_is_freed_by_a_cancellation(
    training: httpx.AsyncClient,
) -> None:
    w = await world(training)
    first = (await schedule(training, w)).json()["id"]
    overlapping = (await schedule(training, w, **period(2))).json()["id"]
    later = (await schedule(training, w, **period(10))).json()["id"]
    anna = await instructor(training, w, "FR-ANNA")
    assert anna["shared_with"] == ["SN"] and anna["status"] == "active"
    assert (await assign(training, first, anna["id"])).status_code == 201
    clash = await assign(training, overlapping, anna["id"])
    assert (clash.status_code, clash.json()["code"]) == (409, "instructor_double_booked")
    assert (await assign(training, later, anna["id"])).status_code == 201

    bruno = await instructor(training, w, "FR-BRUNO")
    raced = await asyncio.gather(*(assign(training, c, bruno["id"]) for c in (first, overlapping) * 3))
    assert sorted(r.status_code for r in raced).count(201) == 1, [r.text for r in raced]

    cancelled = await training.post(
        f"/cohorts/{first}/status-changes",
        json={"change": "cancellation", "reason": "No budget"},
        headers=ncu(training, "FR"),
    )
    assert cancelled.status_code == 200
    released = (await training.get(f"/cohorts/{first}/instructors", headers=ncu(training, "FR"))).json()[
        "items"
    ]
    assert {a["status"] for a in released} == {"released"}
    assert (await assign(training, overlapping, anna["id"])).status_code == 201, "the cancellation freed Anna"

    seen = {
        c: (await training.get(f"/instructors/{anna['id']}", headers=ncu(training, c))).status_code
        for c in ("SN", "BR")
    }
    assert seen == {"SN": 200, "BR": 404}, "shared with Senegal only"


async def test_only_qualified_available_instructors_who_speak_the_language_are_assigned(
    training: httpx.AsyncClient,
) -> None:
    w = await world(training)
    cohort = (await schedule(training, w)).json()["id"]
    novice = await instructor(
        training, w, "FR-NOVICE", qualifications=[{"code": "cf:chain-of-custody", "level": 1}]
    )
    francophone = await instructor(training, w, "FR-FR", languages=["fr"])
    rights = await instructor(training, w, "FR-HR", qualifications=[{"code": "cf:human-rights", "level": 3}])
    busy = await training.post(
        "/instructors",
        json={
            "agency_id": w["agencies"]["FR"],
            "person_id": "FR-NOWINDOW",
            "name": "No window",
            "qualifications": [{"code": "cf:chain-of-custody", "level": 5}],
            "languages": ["en"],
        },
        headers=ncu(training, "FR"),
    )
    for who, role, code in (
        (novice["id"], "lead", "not_qualified"),
        (rights["id"], "co", "not_qualified"),
        (francophone["id"], "lead", "language_mismatch"),
        (busy.json()["id"], "lead", "instructor_unavailable"),
    ):
        refused = await assign(training, cohort, who, role)
        assert (refused.status_code, refused.json()["code"]) == (422, code), refused.text
        assert refused.json()["errors"][0]["field"] == "instructor_id"
    assert (await assign(training, cohort, novice["id"], "co")).status_code == 422, (
        "level 1 is below the level taught, even for a co-instructor"
    )
    bad = await training.post(
        "/instructors",
        json={
            "agency_id": w["agencies"]["FR"],
            "person_id": "x",
            "name": "x",
            "qualifications": [],
            "languages": ["English"],
        },
        headers=ncu(training, "FR"),
    )
    assert bad.status_code == 422 and {"qualifications", "languages.0"} <= {
        e["field"] for e in bad.json()["errors"]
    }
    twice = await training.post(
        "/instructors",
        json={
            "agency_id": w["agencies"]["FR"],
            "person_id": "FR-NOVICE",
            "name": "again",
            "qualifications": [{"code": "cf:chain-of-custody", "level": 1}],
            "languages": ["en"],
        },
        headers=ncu(training, "FR"),
    )
    assert (twice.status_code, twice.json()["code"]) == (409, "instructor_exists")


async def test_a_graduate_becomes_an_instructor_candidate_then_an_instructor(
    training: httpx.AsyncClient,
) -> None:
    w = await world(training)
    sn = w["agencies"]["SN"]
    strong = await training.post(
        "/certifications", json=await certification_request(training, sn), headers=ncu(training, "SN")
    )
    weak = await training.post(
        "/certifications",
        json=await certification_request(training, sn, trainee_id="SN-2", level=2),
        headers=ncu(training, "SN"),
    )
    body = {"certification_id": strong.json()["id"], "languages": ["fr", "wo"], "shared_with": ["FR"]}
    by_france = await training.post("/instructors/candidates", json=body, headers=ncu(training, "FR"))
    assert (by_france.status_code, by_france.json()["code"]) == (422, "certification_unknown"), (
        "Senegal proposes its own graduates: France does not even see the certification"
    )
    candidate = await training.post("/instructors/candidates", json=body, headers=ncu(training, "SN"))
    assert candidate.status_code == 201, candidate.text
    made = candidate.json()
    assert (made["status"], made["source"], made["person_id"]) == (
        "candidate",
        "train_the_trainer",
        "SN-PN-004217",
    )
    assert {q["code"] for q in made["qualifications"]} == {"cf:chain-of-custody", "cf:evidence-admissibility"}
    again = await training.post("/instructors/candidates", json=body, headers=ncu(training, "SN"))
    assert again.status_code == 409
    too_weak = await training.post(
        "/instructors/candidates",
        json={**body, "certification_id": weak.json()["id"]},
        headers=ncu(training, "SN"),
    )
    assert (too_weak.status_code, too_weak.json()["code"]) == (422, "not_eligible")

    not_ncu = await training.post(
        f"/instructors/{made['id']}/activation",
        headers=acting(training, "programme_coordinator", country="SN"),
    )
    assert not_ncu.status_code == 403
    active = await training.post(f"/instructors/{made['id']}/activation", headers=ncu(training, "SN"))
    assert active.json()["status"] == "active" and active.json()["activated_at"]


async def test_a_completed_cohort_announces_what_it_delivered_and_its_facility_use_names_the_partnership(
    training: httpx.AsyncClient,
) -> None:
    w = await world(training)
    lab = await dakar_simulator(training, w)
    cohort = (await schedule(training, w, facility_id=lab)).json()
    anna, bruno, carla = [await instructor(training, w, p) for p in ("FR-ANNA", "FR-BRUNO", "FR-CARLA")]
    assert (await assign(training, cohort["id"], anna["id"])).status_code == 201
    assert (await assign(training, cohort["id"], bruno["id"], role="co")).status_code == 201
    gone = await assign(training, cohort["id"], carla["id"], role="co")
    assert gone.status_code == 201
    released = await training.post(
        f"/cohorts/{cohort['id']}/instructors/{gone.json()['id']}/release", headers=ncu(training, "FR")
    )
    assert released.status_code == 200, released.text
    travellers = await nominate(training, w, cohort["id"], "BR", 2)
    at_home = await nominate(training, w, cohort["id"], "SN", 1)

    async with engine_of(training).begin() as conn:  # the cohort's week has passed
        await conn.execute(text("SELECT set_config('backbone.tenant', '*', true)"))
        await conn.execute(
            text(
                "UPDATE facility_bookings SET period = tstzrange(now() - interval '6 days', now() - interval '1 day')"
                " WHERE cohort_id = :cohort"
            ),
            {"cohort": cohort["id"]},
        )
    booking = cohort["booking_id"]
    used = await training.post(
        f"/bookings/{booking}/usage", json={"hours": "30", "attendees": 10}, headers=ncu(training, "FR")
    )
    assert used.status_code == 200, used.text
    [record] = await outbox_records(training, "training.facility_used.v1")
    use = decode(record.headers, record.key, record.value).data
    assert (use["partnership_id"], use["cohort_id"], use["owner_country_code"]) == (
        w["id"],
        cohort["id"],
        "SN",
    )

    completed = await training.post(
        f"/cohorts/{cohort['id']}/status-changes", json={"change": "completion"}, headers=ncu(training, "FR")
    )
    assert completed.status_code == 200, completed.text
    delivered = [
        decode(r.headers, r.key, r.value).data
        for r in await outbox_records(training, "training.instructor_assignment_delivered.v1")
    ]
    assert sorted((d["instructor_id"], d["role"], d["days"]) for d in delivered) == sorted(
        [(anna["id"], "lead", 5), (bruno["id"], "co", 5)]
    ), "each assignment still active, once; the released one taught nothing"
    assert {d["partnership_id"] for d in delivered} == {w["id"]}
    again = await training.post(
        f"/cohorts/{cohort['id']}/status-changes", json={"change": "completion"}, headers=ncu(training, "FR")
    )
    assert again.status_code == 200
    assert len(await outbox_records(training, "training.instructor_assignment_delivered.v1")) == 2
    attended = [
        decode(r.headers, r.key, r.value).data
        for r in await outbox_records(training, "training.trainee_attended.v1")
    ]
    assert sorted((a["nomination_id"], a["trainee_country_code"]) for a in attended) == sorted(
        [(n, "BR") for n in travellers] + [(n, "SN") for n in at_home]
    ), "each trainee enrolled, once"
    assert {(a["venue_country_code"], a["days"], a["partnership_id"]) for a in attended} == {
        ("SN", 5, w["id"])
    }
    assert all("Officer" not in str(a) for a in attended), "an id, never the trainee's name"
