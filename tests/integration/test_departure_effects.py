"""A country's membership ends (`partners.partnership_member_removed.v1`): each service's consumer handler ends
its access to the partnership's records, on real PostgreSQL. Training hides curricula and cohorts, incidents hides
protocols and drill cycles, finance hides the money and assesses the remaining members only. An agency whose
country keeps another member agency changes nobody's access."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any

import httpx
from sqlalchemy import text

from contracts.events.partners import PartnershipMemberRemovedV1
from tests.integration import finance_world
from tests.integration.finance_world import finance, lead, owned_ledger
from tests.integration.test_drills import cycle
from tests.integration.test_finance_ledger import finance_command
from tests.integration.test_incidents import deliver as deliver_to_incidents
from tests.integration.test_incidents import incidents, ops
from tests.integration.test_partner_relations_api import envelope_of, outbox_records
from tests.integration.test_training_cohorts import ncu, schedule, world
from tests.integration.test_training_facilities import training
from tests.integration.training_events import deliver as deliver_to_training
from tests.support import acting

__all__ = ["finance", "incidents", "training"]  # the fixtures


def removed(
    pid: str, country: str, *, agency: str | None = None, country_left: bool = True
) -> PartnershipMemberRemovedV1:
    return PartnershipMemberRemovedV1(
        partnership_id=pid,
        agency_id=agency or str(uuid.uuid4()),
        country_code=country,
        role="member",
        country_left=country_left,
        seats_ended=1 if country_left else 0,
        reason="The seat pledge lapsed and was not renewed",
        ended_by="FR",
        left_at=datetime.now(UTC),
    )


async def test_training_hides_the_partnerships_curricula_and_cohorts_from_a_country_that_left(
    training: httpx.AsyncClient,
) -> None:
    w: dict[str, Any] = await world(training)
    cohort = (await schedule(training, w)).json()
    curriculum = w["version"]["curriculum_id"]
    for country in ("SN", "BR"):
        assert (
            await training.get(f"/cohorts/{cohort['id']}", headers=ncu(training, country))
        ).status_code == 200

    await deliver_to_training(training, removed(w["id"], "BR", country_left=False))
    assert (await training.get(f"/cohorts/{cohort['id']}", headers=ncu(training, "BR"))).status_code == 200

    await deliver_to_training(training, removed(w["id"], "SN", agency=w["agencies"]["SN"]))
    assert (await training.get(f"/cohorts/{cohort['id']}", headers=ncu(training, "SN"))).status_code == 404
    assert (await training.get(f"/curricula/{curriculum}", headers=ncu(training, "SN"))).status_code == 404
    seen = (await training.get(f"/cohorts/{cohort['id']}", headers=ncu(training, "FR"))).json()
    assert seen["id"] == cohort["id"], "the members keep theirs"
    assert (await training.get(f"/curricula/{curriculum}", headers=ncu(training, "BR"))).status_code == 200


async def test_incidents_hides_the_partnerships_protocols_and_drills_from_a_country_that_left(
    incidents: httpx.AsyncClient,
) -> None:
    pid, protocol, drills = await cycle(incidents)
    paths = [f"/protocols/{protocol['id']}", f"/drill-cycles/{drills['id']}"]
    for path in paths:
        assert (await incidents.get(path, headers=ops(incidents, "BR"))).status_code == 200, path

    await deliver_to_incidents(incidents, removed(pid, "BR"))
    for path in paths:
        assert (await incidents.get(path, headers=ops(incidents, "BR"))).status_code == 404, path
        assert (await incidents.get(path, headers=ops(incidents, "SN"))).status_code == 200, path


async def test_finance_hides_the_money_and_assesses_only_the_remaining_members(
    finance: httpx.AsyncClient,
) -> None:
    ids = await owned_ledger(finance)
    pid, budget = ids["partnership_id"], ids["budget_id"]
    before = (await finance.get(f"/budgets/{budget}/contributions", headers=lead(finance))).json()
    assert set(before["amounts"]) == {"FR", "SN", "BR"}
    brazil = acting(finance, "national_coordinator", country="BR")
    assert (await finance.get(f"/budgets/{budget}", headers=brazil)).status_code == 200

    year = datetime.now(UTC).year + 1
    await finance_world.adopted_budget(  # next year's: its instalments fall due after the departure
        finance, pid, fiscal_period=f"FY{year}b", starts_on=f"{year}-01-01", ends_on=f"{year}-12-31"
    )
    owed = (
        await finance.get(f"/partnerships/{pid}/contribution-dues?country_code=BR", headers=lead(finance))
    ).json()["items"]
    owed.sort(key=lambda d: d["due_on"])
    assert len(owed) >= 2
    async with finance_world.as_platform(finance) as session, session.begin():  # one fell due unpaid
        await session.execute(
            text("UPDATE contribution_dues SET due_on = current_date - 10 WHERE id = :id"),
            {"id": owed[0]["id"]},
        )

    await finance_world.deliver(finance, removed(pid, "BR"))

    after = (await finance.get(f"/budgets/{budget}/contributions", headers=lead(finance))).json()
    assert after["reason"] == "membership_changed" and set(after["amounts"]) == {"FR", "SN"}
    assert sum(after["amounts"].values()) == sum(before["amounts"].values()), (
        "the others share the whole budget"
    )
    dues = (
        await finance.get(f"/partnerships/{pid}/contribution-dues?country_code=BR", headers=lead(finance))
    ).json()["items"]
    status = {d["id"]: d["status"] for d in dues}
    assert status.pop(owed[0]["id"]) == "open", "what fell due while it was a member stays owed"
    assert set(status.values()) == {"superseded"}, "nothing falls due after it left"
    assert (await finance.get(f"/budgets/{budget}", headers=brazil)).status_code in (403, 404)
    ledger = await finance.get(f"/partnerships/{pid}/accounts", headers=brazil)
    assert ledger.status_code in (403, 404) or ledger.json()["items"] == []

    run = finance_command(finance.deployment, "dues")  # type: ignore[attr-defined]
    assert run.returncode == 0, run.stdout + run.stderr
    overdue = [
        envelope_of(r)
        for r in await outbox_records(finance, "finance.contribution_overdue.v1")
        if envelope_of(r).data["due_id"] == owed[0]["id"]
    ]
    assert len(overdue) == 1, "the arrears of a country that left are still flagged"
    assert "BR" in overdue[0].extensions.get("audience", ""), overdue[0].extensions
    paid = await finance.post(
        f"/contribution-dues/{owed[0]['id']}/payments",
        json={"id": str(uuid.uuid4()), "currency": "EUR", "paid_on": date.today().isoformat(), "amount": 1},
        headers=lead(finance),
    )
    assert paid.status_code == 201, paid.text
    own = await finance.get(f"/contribution-dues/{owed[0]['id']}/payments", headers=brazil)
    assert own.status_code == 200 and len(own.json()["items"]) == 1, "it still reads its own arrears"
    others = await finance.get(f"/contribution-dues/{owed[-1]['id']}/payments", headers=brazil)
    assert others.status_code == 200, "its superseded instalments are its own too"
    sn_due = (
        await finance.get(f"/partnerships/{pid}/contribution-dues?country_code=SN", headers=lead(finance))
    ).json()["items"][0]
    hidden = await finance.get(f"/contribution-dues/{sn_due['id']}/payments", headers=brazil)
    assert hidden.status_code in (403, 404), "not another member's"
