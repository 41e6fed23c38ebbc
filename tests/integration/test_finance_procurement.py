"""Joint procurement through the finance API on real PostgreSQL: need → tender → sealed bids → opening →
declarations of interest and independent scores → award to the best-ranked bid → contract (the value reserved in
the ledger, split by the contribution scale) → deliveries → payment (what was delivered posted, the rest
released); each stage an OCDS release and a finance.procurement_stage_changed.v1 event; the release package
valid against the standard's schema; bad input named by field; only the lead steers, only the panel scores."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from services.finance.procurement import ocds
from tests.integration.finance_world import finance, lead
from tests.integration.test_finance_spending import budgeted, fund_pool
from tests.integration.test_partner_relations_api import envelope_of, outbox_records
from tests.support import acting

__all__ = ["finance"]  # the fixture

ITEMS = [
    {"id": "kit", "description": "Forensic imaging kit", "quantity": 10, "unit": "kit"},
    {"id": "licence", "description": "Analysis software licence", "quantity": 20, "unit": "licence"},
]
PANEL = {"ev-fr": "FR", "ev-sn": "SN", "ev-br": "BR"}


def need(**fields: object) -> dict[str, object]:
    return {
        "id": str(uuid.uuid4()),
        "title": "Cyber lab forensic kits",
        "description": "Imaging kits and licences for the joint cyber forensics course",
        "category": "goods",
        "currency": "EUR",
        "estimated_amount": 2_000_000,
        "items": ITEMS,
        **fields,
    }


def tender_of(seconds: float, **fields: object) -> dict[str, object]:
    return {
        "method": "open",
        "ends_at": (datetime.now(UTC) + timedelta(seconds=seconds)).isoformat(),
        "evaluators": [{"subject": s, "country_code": c} for s, c in PANEL.items()],
        "scores_needed": 2,
        **fields,
    }


def bid(name: str, identifier: str, kit: int, licence: int, **fields: object) -> dict[str, object]:
    return {
        "id": str(uuid.uuid4()),
        "supplier": {"name": name, "scheme": "FR-RCS", "identifier": identifier, "country_code": "FR"},
        "unit_prices": {"kit": kit, "licence": licence},
        **fields,
    }


def evaluator(api: httpx.AsyncClient, subject: str) -> dict[str, str]:
    return acting(api, "programme_coordinator", country=PANEL[subject], subject=subject)


async def posted(api: httpx.AsyncClient, url: str, body: object, headers: dict[str, str], status: int) -> Any:
    answer = await api.post(url, json=body, headers=headers)
    assert answer.status_code == status, (url, answer.text)
    return answer.json()


def refused(answer: httpx.Response, status: int, code: str, field: str | None = None) -> None:
    assert (answer.status_code, answer.json()["code"]) == (status, code), answer.text
    if field is not None:
        assert [e["field"] for e in answer.json()["errors"]] == [field], answer.text


async def closes(ends_at: object) -> None:
    left = datetime.fromisoformat(str(ends_at)) - datetime.now(UTC)
    await asyncio.sleep(max(0.0, left.total_seconds()) + 0.2)


async def test_a_procurement_runs_from_need_to_payment_with_each_stage_published(
    finance: httpx.AsyncClient,
) -> None:
    world = await budgeted(finance)
    pid = world["partnership_id"]
    await fund_pool(finance, pid)
    senegal = acting(finance, "programme_coordinator", country="SN")
    url = f"/partnerships/{pid}/procurements"

    for bad, field in (
        (need(items=[ITEMS[0], ITEMS[0]]), "items"),
        (need(estimated_amount=0), "estimated_amount"),
        (need(category="works"), "category"),
        (need(items=[{**ITEMS[0], "quantity": 0}]), "items.0.quantity"),
    ):
        answer = await finance.post(url, json=bad, headers=lead(finance))
        assert answer.status_code == 422 and any(field in e["field"] for e in answer.json()["errors"]), (
            field,
            answer.text,
        )
    assert (await finance.post(url, json=need(), headers=senegal)).status_code == 403, "the lead procures"
    body = need()
    made = await posted(finance, url, body, lead(finance), 201)
    assert (made["stage"], made["ocid"]) == ("planning", f"{ocds.OCID_PREFIX}-{body['id']}")
    await posted(finance, url, body, lead(finance), 200)
    refused(
        await finance.post(url, json={**body, "title": "Other"}, headers=lead(finance)),
        409,
        "procurement_id_reused",
    )
    p = f"/procurements/{body['id']}"

    foreign = tender_of(5, evaluators=[{"subject": "ev-jp", "country_code": "JP"}], scores_needed=1)
    answer = await finance.post(f"{p}/tender", json=foreign, headers=lead(finance))
    refused(answer, 422, "not_a_member", "evaluators.0.country_code")
    refused(
        await finance.post(f"{p}/tender", json=tender_of(-5), headers=lead(finance)),
        422,
        "in_the_past",
        "ends_at",
    )
    assert (
        await finance.post(f"{p}/tender", json=tender_of(5, scores_needed=4), headers=lead(finance))
    ).status_code == 422
    assert (await finance.post(f"{p}/tender", json=tender_of(5), headers=senegal)).status_code == 403
    tender = tender_of(6)
    assert (await posted(finance, f"{p}/tender", tender, lead(finance), 200))["stage"] == "tender"

    a, b, c = (
        bid("Alpha", "111", 90_000, 10_000),
        bid("Beta", "222", 70_000, 9_000),
        bid("Gamma", "333", 80_000, 9_000),
    )
    for offer in (a, b, c):
        await posted(finance, f"{p}/bids", offer, lead(finance), 201)
    await posted(finance, f"{p}/bids", b, lead(finance), 200)
    unpriced = bid("Delta", "444", 1, 1, unit_prices={"kit": 1})
    refused(
        await finance.post(f"{p}/bids", json=unpriced, headers=lead(finance)),
        422,
        "item_unpriced",
        "unit_prices",
    )
    stray = bid("Delta", "444", 1, 1, unit_prices={"kit": 1, "licence": 1, "drone": 1})
    refused(
        await finance.post(f"{p}/bids", json=stray, headers=lead(finance)), 422, "unknown_item", "unit_prices"
    )
    twice = bid("Alpha again", "111", 1, 1)
    refused(await finance.post(f"{p}/bids", json=twice, headers=lead(finance)), 409, "supplier_already_bid")
    refused(await finance.get(f"{p}/bids", headers=lead(finance)), 409, "bids_sealed")
    refused(await finance.post(f"{p}/bid-opening", headers=lead(finance)), 409, "tender_open")
    early = await finance.post(
        f"{p}/declarations",
        json={"interests": [], "no_other_interest": True},
        headers=evaluator(finance, "ev-fr"),
    )
    refused(early, 409, "wrong_stage")

    await closes(tender["ends_at"])
    refused(
        await finance.post(f"{p}/bids", json=bid("Late", "555", 1, 1), headers=lead(finance)),
        409,
        "tender_closed",
    )
    assert (await posted(finance, f"{p}/bid-opening", None, lead(finance), 200))["stage"] == "evaluation"
    assert [x["supplier_name"] for x in (await finance.get(f"{p}/bids", headers=senegal)).json()] == [
        "Alpha",
        "Beta",
        "Gamma",
    ]

    declared = {"interests": [], "no_other_interest": True}
    outsider = acting(finance, "programme_coordinator", country="SN", subject="not-on-panel")
    refused(await finance.post(f"{p}/declarations", json=declared, headers=outsider), 403, "not_on_panel")
    impostor = acting(finance, "programme_coordinator", country="BR", subject="ev-sn")
    refused(await finance.post(f"{p}/declarations", json=declared, headers=impostor), 403, "not_on_panel")
    alien = {"interests": [{"bid_id": str(uuid.uuid4()), "nature": "shares"}], "no_other_interest": True}
    answer = await finance.post(f"{p}/declarations", json=alien, headers=evaluator(finance, "ev-sn"))
    refused(answer, 422, "bid_not_in_procurement", "interests.0.bid_id")
    interested = {"interests": [{"bid_id": a["id"], "nature": "former employer"}], "no_other_interest": True}
    await posted(finance, f"{p}/declarations", interested, evaluator(finance, "ev-sn"), 201)
    await posted(finance, f"{p}/declarations", interested, evaluator(finance, "ev-sn"), 200)
    refused(
        await finance.post(f"{p}/declarations", json=declared, headers=evaluator(finance, "ev-sn")),
        409,
        "declaration_made",
    )

    def scored(offer: dict[str, object], score: int) -> dict[str, object]:
        return {"bid_id": offer["id"], "score": score, "rationale": f"Scored {score} on the criteria"}

    refused(
        await finance.post(f"{p}/scores", json=scored(a, 80), headers=evaluator(finance, "ev-br")),
        409,
        "declaration_missing",
    )
    refused(
        await finance.post(f"{p}/scores", json=scored(a, 99), headers=evaluator(finance, "ev-sn")),
        409,
        "conflict_of_interest",
    )
    await posted(finance, f"{p}/declarations", declared, evaluator(finance, "ev-fr"), 201)
    await posted(finance, f"{p}/declarations", declared, evaluator(finance, "ev-br"), 201)
    for who, offer, score in (
        ("ev-fr", a, 70),
        ("ev-br", a, 80),
        ("ev-fr", b, 85),
        ("ev-br", b, 75),
        ("ev-sn", b, 80),
        ("ev-fr", c, 85),
    ):
        await posted(finance, f"{p}/scores", scored(offer, score), evaluator(finance, who), 201)
    refused(
        await finance.post(f"{p}/scores", json=scored(c, 1), headers=evaluator(finance, "ev-fr")),
        409,
        "already_scored",
    )
    too_high = {**scored(c, 1), "score": 101}
    answer = await finance.post(f"{p}/scores", json=too_high, headers=evaluator(finance, "ev-br"))
    assert answer.status_code == 422 and answer.json()["errors"][0]["field"] == "score", answer.text
    running = (await finance.get(f"{p}/evaluation", headers=senegal)).json()
    assert running["short_of_scores"] == [c["id"]] and running["undeclared"] == []
    assert all(r["mean_score"] is None for r in running["ranking"]), "no evaluator sees the others' marks"
    refused(await finance.get(f"{p}/scores", headers=lead(finance)), 409, "evaluation_running")
    refused(await finance.post(f"{p}/award", headers=lead(finance)), 409, "evaluation_incomplete")
    await posted(finance, f"{p}/scores", scored(c, 75), evaluator(finance, "ev-br"), 201)
    await posted(finance, f"{p}/scores", scored(c, 80), evaluator(finance, "ev-sn"), 201)
    assert (await finance.post(f"{p}/award", headers=senegal)).status_code == 403

    awarded = await posted(finance, f"{p}/award", None, lead(finance), 200)
    beta_amount = 10 * 70_000 + 20 * 9_000
    assert (awarded["stage"], awarded["awarded_bid_id"], awarded["awarded_amount"]) == (
        "awarded",
        b["id"],
        beta_amount,
    ), "Beta and Gamma tie at 80: the lower price wins"
    ranking = (await finance.get(f"{p}/evaluation", headers=senegal)).json()["ranking"]
    assert [(r["supplier_name"], r["mean_score"]) for r in ranking] == [
        ("Beta", "80.00"),
        ("Gamma", "80.00"),
        ("Alpha", "75.00"),
    ]
    assert len((await finance.get(f"{p}/scores", headers=senegal)).json()) == 8

    yesterday = (datetime.now(UTC) - timedelta(days=1)).date()
    today = datetime.now(UTC).date()
    contract = {"signed_on": today.isoformat(), "ends_on": (today + timedelta(days=90)).isoformat()}
    refused(
        await finance.post(
            f"{p}/contract", json={**contract, "signed_on": yesterday.isoformat()}, headers=lead(finance)
        ),
        422,
        "before_award",
        "signed_on",
    )
    assert (await finance.post(f"{p}/contract", json=contract, headers=senegal)).status_code == 403
    signed = await posted(finance, f"{p}/contract", contract, lead(finance), 200)
    assert signed["stage"] == "contracted" and sum(s["amount"] for s in signed["shares"]) == beta_amount
    assert {s["country_code"] for s in signed["shares"]} == {"FR", "SN", "BR"}
    await posted(finance, f"{p}/contract", contract, lead(finance), 200)
    reservation = (
        await finance.get(f"/transfers/{signed['reservation_transfer_id']}", headers=senegal)
    ).json()
    assert (reservation["kind"], reservation["amount"]) == ("pending", beta_amount)
    status = (await finance.get(f"/budgets/{world['budget_id']}/status", headers=lead(finance))).json()
    line = {c["category"]: c for c in status["categories"]}["procurement"]
    assert (line["committed"], line["actual"]) == (beta_amount, 0), line
    refused(
        await finance.post(f"{p}/cancellation", json={"reason": "changed our minds"}, headers=lead(finance)),
        409,
        "contract_signed",
    )

    first = {
        "id": str(uuid.uuid4()),
        "delivered_on": today.isoformat(),
        "lines": [{"item_id": "kit", "quantity": 10}, {"item_id": "licence", "quantity": 5}],
    }
    too_many = {**first, "id": str(uuid.uuid4()), "lines": [{"item_id": "licence", "quantity": 21}]}
    refused(
        await finance.post(f"{p}/deliveries", json=too_many, headers=lead(finance)),
        422,
        "exceeds_order",
        "lines.0.quantity",
    )
    refused(await finance.post(f"{p}/payment", headers=lead(finance)), 409, "wrong_stage")
    await posted(finance, f"{p}/deliveries", first, lead(finance), 201)
    await posted(finance, f"{p}/deliveries", first, lead(finance), 200)
    second = {
        "id": str(uuid.uuid4()),
        "delivered_on": today.isoformat(),
        "lines": [{"item_id": "licence", "quantity": 15}],
    }
    refused(
        await finance.post(
            f"{p}/deliveries",
            json={**second, "lines": [{"item_id": "licence", "quantity": 16}]},
            headers=lead(finance),
        ),
        422,
        "exceeds_order",
        "lines.0.quantity",
    )
    stage = (await finance.get(p, headers=senegal)).json()["stage"]
    assert stage == "delivering"

    paid = await posted(finance, f"{p}/payment", None, lead(finance), 200)
    delivered = 10 * 70_000 + 5 * 9_000
    assert (paid["stage"], paid["paid_amount"]) == ("paid", delivered), (
        "what was delivered, at the bid's unit prices"
    )
    assert sum(s["amount"] for s in paid["shares"]) == delivered
    await posted(finance, f"{p}/payment", None, lead(finance), 200)
    status = (await finance.get(f"/budgets/{world['budget_id']}/status", headers=lead(finance))).json()
    line = {c["category"]: c for c in status["categories"]}["procurement"]
    assert (line["committed"], line["actual"]) == (0, delivered), "the rest of the reservation went back"

    package = (await finance.get(f"{p}/ocds", headers=senegal)).json()
    assert ocds.schema_errors(package) == []
    releases = package["releases"]
    assert [r["tag"][0] for r in releases] == [
        "planning",
        "tender",
        "tenderUpdate",
        "award",
        "contract",
        "implementation",
        "implementation",
    ]
    assert "tenderers" not in releases[1]["tender"], "bids are sealed until opened"
    assert releases[2]["tender"]["numberOfTenderers"] == 3
    final = releases[-1]["contracts"][0]
    assert final["status"] == "terminated" and final["implementation"]["transactions"][0]["value"] == {
        "amount": delivered / 100,
        "currency": "EUR",
    }
    assert final["implementation"]["transactions"][0]["id"] == paid["payment_transfer_id"], (
        "traceable to the ledger"
    )
    assert [m["status"] for m in final["implementation"]["milestones"]] == ["met"]

    events = [
        envelope_of(r).data for r in await outbox_records(finance, "finance.procurement_stage_changed.v1")
    ]
    mine = [e for e in events if e["procurement_id"] == body["id"]]
    assert [e["stage"] for e in mine] == [
        "planning",
        "tender",
        "evaluation",
        "awarded",
        "contracted",
        "delivering",
        "paid",
    ]
    assert [e["release_id"] for e in mine] == [r["id"] for r in releases]
    assert mine[-1]["amount"] == delivered and mine[-1]["transfer_id"] == paid["payment_transfer_id"]

    brazil = acting(finance, "auditor", country="BR")
    assert (await finance.get(p, headers=brazil)).status_code == 200
    stranger = acting(finance, "auditor", country="JP")
    assert (await finance.get(f"{p}/ocds", headers=stranger)).status_code in (403, 404)


async def test_a_tender_without_bids_is_unsuccessful_and_a_process_may_be_cancelled_before_the_contract(
    finance: httpx.AsyncClient,
) -> None:
    world = await budgeted(finance)
    pid = world["partnership_id"]
    empty, dropped = need(), need()
    for body in (empty, dropped):
        await posted(finance, f"/partnerships/{pid}/procurements", body, lead(finance), 201)
    tender = tender_of(1, scores_needed=1)
    await posted(finance, f"/procurements/{empty['id']}/tender", tender, lead(finance), 200)
    await closes(tender["ends_at"])
    opened = await posted(finance, f"/procurements/{empty['id']}/bid-opening", None, lead(finance), 200)
    assert opened["stage"] == "unsuccessful"
    refused(
        await finance.post(f"/procurements/{empty['id']}/award", headers=lead(finance)), 409, "wrong_stage"
    )

    url = f"/procurements/{dropped['id']}/cancellation"
    assert (await finance.post(url, json={"reason": ""}, headers=lead(finance))).status_code == 422
    cancelled = await posted(finance, url, {"reason": "Donor funded the kits directly"}, lead(finance), 200)
    assert (cancelled["stage"], cancelled["cancellation_reason"]) == (
        "cancelled",
        "Donor funded the kits directly",
    )
    for body in (empty, dropped):
        package = (await finance.get(f"/procurements/{body['id']}/ocds", headers=lead(finance))).json()
        assert ocds.schema_errors(package) == []
        assert package["releases"][-1]["tender"]["status"] in ("unsuccessful", "cancelled")
    assert (await finance.get(f"/procurements/{uuid.uuid4()}", headers=lead(finance))).json()[
        "code"
    ] == "procurement_not_found"
