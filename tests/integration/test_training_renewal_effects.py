"""What a concluded commitment renewal changes in training, through its consumer on real PostgreSQL: a lapsed
seat pledge releases the country's unfilled seats in later cohorts and closes its waiting list (each trainee's
country told), a reduced one keeps its share, a lapsed facility-time pledge ends the host's later bookings, and a
second delivery of the conclusion changes nothing."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import httpx

from contracts.envelope import decode
from contracts.events.commitments import CommitmentRenewalConcludedV1
from tests.integration.test_partner_relations_api import outbox_records
from tests.integration.test_training_cohorts import ncu, period, schedule
from tests.integration.test_training_facilities import training
from tests.integration.training_events import deliver
from tests.integration.training_world import (
    approved_curriculum,
    dakar_simulator,
    partnership_in_training,
    pledge,
)
from tests.support import acting

__all__ = ["training"]  # the fixture


def concluded(
    p: dict[str, Any], country: str, commitment: str, kind: str, **outcome: Any
) -> CommitmentRenewalConcludedV1:
    return CommitmentRenewalConcludedV1(
        commitment_id=commitment,
        partnership_id=p["id"],
        agency_id=p["agencies"][country],
        country_code=country,
        kind=kind,
        ends_on=date(2031, 1, 31),
        concluded_at=datetime.now(UTC),
        **{"outcome": "lapsed", "previous_amount": Decimal(3), **outcome},
    )


async def nominate(api: httpx.AsyncClient, p: dict[str, Any], cohort: str, country: str, n: int) -> list[str]:
    agency = p["agencies"][country]
    integrator = acting(api, "agency_integrator", country=country, agency=agency)
    ids = []
    for i in range(n):
        body = {
            "agency_id": agency,
            "trainee_id": f"{country}-{cohort[:4]}-{i}",
            "trainee_name": f"Officer {i}",
        }
        made = await api.post(f"/cohorts/{cohort}/nominations", json=body, headers=integrator)
        assert made.status_code == 201, made.text
        approved = await api.post(f"/nominations/{made.json()['id']}/approval", headers=ncu(api, country))
        assert approved.status_code == 200, approved.text
        ids.append(made.json()["id"])
    return ids


async def seats_of(api: httpx.AsyncClient, cohort: str) -> dict[str, int]:
    got = (await api.get(f"/cohorts/{cohort}", headers=ncu(api, "FR"))).json()
    return {s["country_code"]: s["seats"] for s in got["seats"]}


async def test_a_lapsed_or_reduced_pledge_takes_back_what_it_paid_for_in_later_cohorts(
    training: httpx.AsyncClient,
) -> None:
    p = await partnership_in_training(training, "FR", "SN", "BR")
    await pledge(training, p, "FR", 6)
    senegal_seats, brazil_seats = await pledge(training, p, "SN", 3), await pledge(training, p, "BR", 3)
    dakar_time = await pledge(training, p, "SN", 40, kind="facility_time")
    w = {**p, "version": await approved_curriculum(training, p)}
    lab = await dakar_simulator(training, p)
    first = (await schedule(training, w)).json()
    later = (await schedule(training, w, facility_id=lab, **period(20))).json()
    assert await seats_of(training, first["id"]) == {"FR": 5, "SN": 2, "BR": 3}
    waiting = (await nominate(training, p, first["id"], "SN", 3))[2]
    await nominate(training, p, later["id"], "SN", 1)

    await deliver(training, concluded(p, "SN", senegal_seats, "seats"))
    assert (await seats_of(training, first["id"]))["SN"] == 2, "its two enrolled trainees keep their seats"
    assert (await seats_of(training, later["id"]))["SN"] == 1, "the unfilled seat is released"
    told = (await training.get(f"/nominations/{waiting}", headers=ncu(training, "SN"))).json()
    assert told["status"] == "rejected" and "seat pledge lapsed" in told["status_reason"]
    released = [
        decode(r.headers, r.key, r.value).data
        for r in await outbox_records(training, "training.cohort_seats_released.v1")
    ]
    assert sorted((r["cohort_id"], r["released"], r["waitlist_closed"]) for r in released) == sorted(
        [(first["id"], 0, 1), (later["id"], 1, 0)]
    )
    changes = [
        decode(r.headers, r.key, r.value).data
        for r in await outbox_records(training, "training.enrollment_changed.v1")
    ]
    assert any(c["nomination_id"] == waiting and c["status"] == "rejected" for c in changes), (
        "the trainee's told"
    )

    successor = str(uuid.uuid4())
    reduced = concluded(
        p,
        "BR",
        brazil_seats,
        "seats",
        outcome="renegotiated",
        new_commitment_id=successor,
        new_amount=Decimal(1),
    )
    await deliver(training, reduced)
    assert (await seats_of(training, first["id"]))["BR"] == 1, "a third of the pledge: a third of the seats"
    await deliver(training, reduced.model_copy(update={"concluded_at": datetime.now(UTC)}))  # told again
    assert (await seats_of(training, first["id"]))["BR"] == 1, "applied once per commitment"

    await deliver(training, concluded(p, "SN", dakar_time, "facility_time", previous_amount=Decimal(40)))
    moved = (await training.get(f"/cohorts/{later['id']}", headers=ncu(training, "FR"))).json()
    assert moved["facility_id"] is None and "facility-time commitment lapsed" in moved["status_reason"]
    [cancelled] = [
        decode(r.headers, r.key, r.value).data
        for r in await outbox_records(training, "training.facility_booking_cancelled.v1")
    ]
    assert cancelled["cohort_id"] == later["id"] and "lapsed" in cancelled["reason"]
    assert (await seats_of(training, first["id"]))["FR"] == 5, "nothing of France's changed"
