"""The workload's partnership flow: two agencies registered in partners form a partnership there; once finance,
assessment and incidents have learnt of it from partners' event, its lead opens two ledger accounts and moves money
between them (an event on finance's topic), registers an external evaluator in assessment, and drafts an incident
protocol that a person of the host country approves (four eyes; the approval is an event on incidents' topic)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import httpx

if TYPE_CHECKING:
    from chaos.workload import Workload

NOT_KNOWN_YET = frozenset({"partnership_not_found", "partnership_unknown"})
"""What finance and assessment (404 `partnership_not_found`) and incidents (422 `partnership_unknown`) answer until
partners' event has reached them."""
STEPS = [
    {"code": "isolate", "title": "Isolate the lab network", "role": "technical_lead", "limit_minutes": 30},
    {"code": "notify", "title": "Brief the partners' liaisons", "role": "liaison", "limit_minutes": 60},
]
ROLES = ["incident_commander", "liaison", "technical_lead"]


@dataclass
class PartnershipFlow:
    """One partnership's writes, as the services acknowledged them."""

    name: str
    lead_country: str
    host_country: str
    partnership_id: str | None = None
    accounts: list[str] = field(default_factory=list)
    """Opened in finance's ledger: the transfer debits the first and credits the second."""
    transfer: str | None = None
    amount: int = 0
    evaluator: str | None = None
    protocol: str | None = None
    protocol_steps: int = 0
    """Of the protocol's draft: created (1), sent for review (2), approved by the host's reviewer (3)."""

    @property
    def writes(self) -> int:
        return (
            (self.partnership_id is not None)
            + len(self.accounts)
            + (self.transfer is not None)
            + (self.evaluator is not None)
            + self.protocol_steps
        )


async def run_partnership_flow(workload: Workload, client: httpx.AsyncClient, number: int) -> None:
    lead_country = workload.random.choice(["FR", "BR", "KE"])
    host_country = workload.random.choice(["SN", "MX"])
    tag = uuid.uuid4().hex[:12]
    lead = await workload.agency(client, lead_country, f"Chaos agency {tag} lead")
    host = await workload.agency(client, host_country, f"Chaos agency {tag} host")
    if lead is None or host is None:
        return
    flow = PartnershipFlow(f"Chaos partnership {tag}", lead_country, host_country)
    workload.partnerships.append(flow)
    registration = {
        "name": flow.name,
        "agreement": {
            "kind": "mou",
            "reference": f"MOU-{tag}",
            "signed_on": "2026-09-01",
            "starts_on": "2026-10-01",
            "ends_on": "2030-09-30",
        },
        "voting_rule": {"kind": "members", "approvals_needed": 2},
        "members": [
            {"agency_id": lead.agency_id, "role": "lead"},
            {"agency_id": host.agency_id, "role": "host"},
        ],
    }
    registered = await workload.acknowledged(
        client, f"{workload.base_url}/partnerships", registration, lead_country
    )
    if registered is None:
        return
    flow.partnership_id = str(registered["id"])
    if await _ledger(workload, client, flow) and await _evaluator(workload, client, flow, number):
        await _protocol(workload, client, flow)


async def _ledger(workload: Workload, client: httpx.AsyncClient, flow: PartnershipFlow) -> bool:
    """Two accounts, then one transfer between them: ids chosen here, so a repeat changes nothing."""
    coordinator = workload.headers(flow.lead_country, "programme_coordinator")
    base = f"{workload.urls['finance']}/partnerships/{flow.partnership_id}"
    for kind in ("shared_pool", "settlement"):
        account = {"id": str(uuid.uuid4()), "kind": kind, "name": f"Chaos {kind}", "currency": "EUR"}
        opened = await workload.acknowledged(
            client, f"{base}/accounts", account, flow.lead_country, not_yet=NOT_KNOWN_YET, headers=coordinator
        )
        if opened is None:
            return False
        flow.accounts.append(account["id"])
    amount = workload.random.randrange(1, 1_000_000)
    transfer_id = str(uuid.uuid4())
    transfer = {
        "id": transfer_id,
        "debit_account_id": flow.accounts[0],
        "credit_account_id": flow.accounts[1],
        "amount": amount,
        "code": "chaos",
    }
    if await workload.acknowledged(
        client, f"{base}/transfers", transfer, flow.lead_country, headers=coordinator
    ):
        flow.transfer, flow.amount = transfer_id, amount
        return True
    return False


async def _evaluator(
    workload: Workload, client: httpx.AsyncClient, flow: PartnershipFlow, number: int
) -> bool:
    evaluator_id = str(uuid.uuid4())
    body = {
        "id": evaluator_id,
        "subject": f"evaluator-{number}@chaos.example.org",
        "display_name": f"Dr. Chaos {number}",
        "affiliation_kind": "academia",
        "affiliation": "University of the Atlantic",
        "country_code": flow.lead_country,
        "competencies": ["cyber.forensics"],
    }
    registered = await workload.acknowledged(
        client,
        f"{workload.urls['assessment']}/partnerships/{flow.partnership_id}/evaluators",
        body,
        flow.lead_country,
        not_yet=NOT_KNOWN_YET,
        headers=workload.headers(flow.lead_country, "programme_coordinator"),
    )
    if registered is None:
        return False
    flow.evaluator = evaluator_id
    return True


async def _protocol(workload: Workload, client: httpx.AsyncClient, flow: PartnershipFlow) -> None:
    """Drafted by the lead's operations staff, approved by the host's: a retry after a lost answer finds the
    draft past the step it asked for (409 `no_draft`, `no_in_review`), which means the step went through."""
    author = workload.headers(flow.lead_country, "operations_staff", f"author@{flow.lead_country.lower()}")
    reviewer = workload.headers(
        flow.host_country, "operations_staff", f"reviewer@{flow.host_country.lower()}"
    )
    base = workload.urls["incidents"]
    body = {
        "partnership_id": flow.partnership_id,
        "kind": "cyber_intrusion",
        "environment_kind": "virtual_lab",
        "name": f"Lab intrusion ({flow.name[-12:]})",
        "roles": ROLES,
        "steps": STEPS,
    }
    created = await workload.acknowledged(
        client, f"{base}/protocols", body, flow.lead_country, not_yet=NOT_KNOWN_YET, headers=author
    )
    if created is None:
        return
    flow.protocol, flow.protocol_steps = str(created["id"]), 1
    draft = f"{base}/protocols/{flow.protocol}/draft"
    for step, who, done in (
        (f"{draft}/review-request", author, "no_draft"),
        (f"{draft}/approval", reviewer, "no_in_review"),
    ):
        if (
            await workload.acknowledged(
                client, step, {}, flow.lead_country, done_after_retry={done}, headers=who
            )
            is None
        ):
            return
        flow.protocol_steps += 1
