"""Who may call which finance route. Facility usage is the owner's and the user's business (row-level security
confines every list and sum to the caller's country). A partnership's ledger is its members' to read and its
lead's to keep (open accounts, record transfers), with the workflows' client for what they settle. Budgets and
the contribution basis likewise: the lead proposes, the oversight body adopts (in partners), members read."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from backbone.audit.api import AUDITORS
from backbone.auth.policy import ANY_ROLE, Owner, Policy, Resolver, Rule, object_id, row_countries, row_owner
from services.finance.models import (
    Allowance,
    Budget,
    ContributionDue,
    FundingTranche,
    GrantAgreement,
    KnownPartnership,
    LedgerAccount,
    LedgerTransfer,
    Platform,
    Stipend,
)
from services.finance.procurement.models import Procurement

READ = frozenset({"national_coordinator", "programme_coordinator", "auditor"})
KEEP = frozenset({"national_coordinator", "programme_coordinator"})

partnership = row_countries(KnownPartnership, lambda found: found.member_countries)


async def partnership_lead(session: AsyncSession, value: str) -> frozenset[str] | None:
    key = object_id(value)
    found = await session.get(KnownPartnership, key) if key else None
    return frozenset({found.lead_country_code}) if found else None


@dataclass(frozen=True)
class PartnershipRecord:
    """Resolvers of a record that belongs to one partnership: its members see it, its lead steers and owns it."""

    model: type[Any]

    async def _found(self, session: AsyncSession, value: str) -> Any:
        key = object_id(value)
        return await session.get(self.model, key) if key else None

    async def members(self, session: AsyncSession, value: str) -> frozenset[str] | None:
        found = await self._found(session, value)
        return await partnership(session, str(found.partnership_id)) if found else None

    async def owner(self, session: AsyncSession, value: str) -> str | None:
        found = await self._found(session, value)
        return await _lead_of(session, found.partnership_id) if found else None

    async def lead(self, session: AsyncSession, value: str) -> frozenset[str] | None:
        owner = await self.owner(session, value)
        return frozenset({owner}) if owner else None


ACCOUNT, TRANSFER = PartnershipRecord(LedgerAccount), PartnershipRecord(LedgerTransfer)
BUDGET, DUE, TRANCHE = (
    PartnershipRecord(Budget),
    PartnershipRecord(ContributionDue),
    PartnershipRecord(FundingTranche),
)


STIPEND, GRANT = PartnershipRecord(Stipend), PartnershipRecord(GrantAgreement)


async def due_parties(session: AsyncSession, value: str) -> frozenset[str] | None:
    """An instalment is its partnership members' business and its debtor's, even after the debtor left."""
    key = object_id(value)
    found = await session.get(ContributionDue, key) if key else None
    if found is None:
        return None
    members = await partnership(session, str(found.partnership_id)) or frozenset()
    return members | {found.country_code}


class PayoutParties:
    """A person's stipend or allowance is the business of the lead, who pays it, and of the person's country."""

    def __init__(self, model: type[Any], country: str) -> None:
        self.model, self.country = model, country

    async def parties(self, session: AsyncSession, value: str) -> frozenset[str] | None:
        key = object_id(value)
        found = await session.get(self.model, key) if key else None
        if found is None:
            return None
        lead = await _lead_of(session, found.partnership_id)
        return frozenset({getattr(found, self.country), *([lead] if lead else [])})

    async def owner(self, session: AsyncSession, value: str) -> str | None:
        key = object_id(value)
        found = await session.get(self.model, key) if key else None
        return str(getattr(found, self.country)) if found else None


STIPEND_PARTIES = PayoutParties(Stipend, "instructor_country_code")
ALLOWANCE_PARTIES = PayoutParties(Allowance, "trainee_country_code")
ALLOWANCE, PLATFORM = PartnershipRecord(Allowance), PartnershipRecord(Platform)
PROCUREMENT = PartnershipRecord(Procurement)


async def procurement_panel(session: AsyncSession, value: str) -> frozenset[str] | None:
    """The countries of the tender's evaluators (the use case then checks the evaluator itself)."""
    key = object_id(value)
    found = await session.get(Procurement, key) if key else None
    return frozenset(e["country_code"] for e in found.evaluators) if found else None


async def _lead_of(session: AsyncSession, partnership_id: object) -> str | None:
    found = await session.get(KnownPartnership, partnership_id)
    return found.lead_country_code if found else None


async def account_owner(session: AsyncSession, value: str) -> str | None:
    key = object_id(value)
    found = await session.get(LedgerAccount, key) if key else None
    return (found.country_code or await _lead_of(session, found.partnership_id)) if found else None


RESOLVERS: dict[str, Resolver] = {
    "partnership": partnership,
    "partnership_lead": partnership_lead,
    "account": ACCOUNT.members,
    "transfer": TRANSFER.members,
    "budget": BUDGET.members,
    "budget_lead": BUDGET.lead,
    "due": due_parties,
    "due_lead": DUE.lead,
    "tranche": TRANCHE.members,
    "tranche_lead": TRANCHE.lead,
    "stipend": STIPEND_PARTIES.parties,
    "stipend_lead": STIPEND.lead,
    "allowance": ALLOWANCE_PARTIES.parties,
    "allowance_lead": ALLOWANCE.lead,
    "platform": PLATFORM.members,
    "platform_lead": PLATFORM.lead,
    "grant": GRANT.members,
    "grant_lead": GRANT.lead,
    "procurement": PROCUREMENT.members,
    "procurement_lead": PROCUREMENT.lead,
    "procurement_panel": procurement_panel,
}
OWNERS: dict[str, Owner] = {
    "partnership": row_owner(KnownPartnership, lambda found: found.lead_country_code),
    "account": account_owner,
    "transfer": TRANSFER.owner,
    "budget": BUDGET.owner,
    "due": DUE.owner,
    "tranche": TRANCHE.owner,
    "stipend": STIPEND_PARTIES.owner,
    "allowance": ALLOWANCE_PARTIES.owner,
    "platform": PLATFORM.owner,
    "grant": GRANT.owner,
    "procurement": PROCUREMENT.owner,
}
NOT_FOUND = {
    "partnership": "partnership_not_found",
    "partnership_lead": "partnership_not_found",
    "account": "account_not_found",
    "transfer": "transfer_not_found",
    "budget": "budget_not_found",
    "budget_lead": "budget_not_found",
    "due": "due_not_found",
    "due_lead": "due_not_found",
    "tranche": "tranche_not_found",
    "tranche_lead": "tranche_not_found",
    "stipend": "stipend_not_found",
    "stipend_lead": "stipend_not_found",
    "allowance": "allowance_not_found",
    "allowance_lead": "allowance_not_found",
    "platform": "platform_not_found",
    "platform_lead": "platform_not_found",
    "grant": "grant_not_found",
    "grant_lead": "grant_not_found",
    "procurement": "procurement_not_found",
    "procurement_lead": "procurement_not_found",
    "procurement_panel": "procurement_not_found",
}
P = "partnership_id"
B = "budget_id"
D = "due_id"
T = "tranche_id"
R = "procurement_id"
RULES: dict[tuple[str, str], Rule] = {
    ("GET", "/facility-usage"): Rule("public", READ),
    ("GET", "/facility-usage/summary"): Rule("public", READ),
    # The ledger: members read it; the lead keeps it (a member that sees it is not steering it).
    ("POST", "/partnerships/{partnership_id}/accounts"): Rule(
        "tenant", KEEP, (P, "partnership"), workflows_too=True, steer="partnership_lead"
    ),
    ("GET", "/partnerships/{partnership_id}/accounts"): Rule("tenant", READ, (P, "partnership")),
    ("POST", "/partnerships/{partnership_id}/transfers"): Rule(
        "tenant", KEEP, (P, "partnership"), workflows_too=True, steer="partnership_lead"
    ),
    ("POST", "/partnerships/{partnership_id}/transfer-batches"): Rule(
        "tenant", KEEP, (P, "partnership"), workflows_too=True, steer="partnership_lead"
    ),
    ("GET", "/accounts/{account_id}"): Rule("tenant", READ, ("account_id", "account")),
    # Transparency: the members read the full activity file; the summary is public.
    ("GET", "/partnerships/{partnership_id}/iati-activity.xml"): Rule("tenant", READ, (P, "partnership")),
    ("GET", "/partnerships/{partnership_id}/activity.csv"): Rule("tenant", READ, (P, "partnership")),
    ("GET", "/accounts/{account_id}/transfers"): Rule("tenant", READ, ("account_id", "account")),
    ("GET", "/transfers/{transfer_id}"): Rule("tenant", READ, ("transfer_id", "transfer")),
    # Budgets and contributions: the lead proposes and sets the basis, the oversight body decides (partners),
    # members read every figure and its computation.
    ("POST", "/partnerships/{partnership_id}/budgets"): Rule(
        "tenant", KEEP, (P, "partnership"), steer="partnership_lead"
    ),
    ("GET", "/partnerships/{partnership_id}/budgets"): Rule("tenant", READ, (P, "partnership")),
    ("GET", "/budgets/{budget_id}"): Rule("tenant", READ, (B, "budget")),
    ("POST", "/budgets/{budget_id}/revisions"): Rule("tenant", KEEP, (B, "budget"), steer="budget_lead"),
    ("GET", "/budgets/{budget_id}/status"): Rule("tenant", READ, (B, "budget")),
    ("GET", "/budgets/{budget_id}/categories/{category}/transfers"): Rule("tenant", READ, (B, "budget")),
    ("GET", "/budgets/{budget_id}/contributions"): Rule("tenant", READ, (B, "budget")),
    ("PUT", "/partnerships/{partnership_id}/contribution-basis"): Rule(
        "tenant", KEEP, (P, "partnership"), steer="partnership_lead"
    ),
    ("GET", "/partnerships/{partnership_id}/contribution-basis"): Rule("tenant", READ, (P, "partnership")),
    ("GET", "/partnerships/{partnership_id}/contribution-dues"): Rule("tenant", READ, (P, "partnership")),
    ("POST", "/contribution-dues/{due_id}/payments"): Rule("tenant", KEEP, (D, "due"), steer="due_lead"),
    ("GET", "/contribution-dues/{due_id}/payments"): Rule("tenant", READ, (D, "due")),
    ("GET", "/partnerships/{partnership_id}/arrears"): Rule("tenant", READ, (P, "partnership")),
    ("POST", "/partnerships/{partnership_id}/exchange-rates"): Rule(
        "tenant", KEEP, (P, "partnership"), steer="partnership_lead"
    ),
    ("GET", "/partnerships/{partnership_id}/exchange-rates"): Rule("tenant", READ, (P, "partnership")),
    # Results-gated tranches: the lead plans them and asks for extensions; their workflow settles them.
    ("POST", "/partnerships/{partnership_id}/tranches"): Rule(
        "tenant", KEEP, (P, "partnership"), steer="partnership_lead"
    ),
    ("GET", "/partnerships/{partnership_id}/tranches"): Rule("tenant", READ, (P, "partnership")),
    ("GET", "/tranches/{tranche_id}"): Rule("tenant", READ, (T, "tranche")),
    ("POST", "/tranches/{tranche_id}/extensions"): Rule("tenant", KEEP, (T, "tranche"), steer="tranche_lead"),
    ("GET", "/tranches/{tranche_id}/extensions"): Rule("tenant", READ, (T, "tranche")),
    ("POST", "/internal/tranches/{tranche_id}/reservation"): Rule("workflows"),
    ("POST", "/internal/tranches/{tranche_id}/release"): Rule("workflows"),
    ("POST", "/internal/tranches/{tranche_id}/void"): Rule("workflows"),
    # Spending: the lead sets the rate card and pays; members read charges and positions; a stipend is the
    # lead's and the instructor's country's (the list shows another member only its own instructors').
    ("PUT", "/partnerships/{partnership_id}/rate-card"): Rule(
        "tenant", KEEP, (P, "partnership"), steer="partnership_lead"
    ),
    ("GET", "/partnerships/{partnership_id}/rate-card"): Rule("tenant", READ, (P, "partnership")),
    ("GET", "/partnerships/{partnership_id}/facility-charges"): Rule("tenant", READ, (P, "partnership")),
    ("GET", "/partnerships/{partnership_id}/facility-reciprocity"): Rule("tenant", READ, (P, "partnership")),
    ("GET", "/partnerships/{partnership_id}/stipends"): Rule("tenant", READ, (P, "partnership")),
    ("GET", "/stipends/{stipend_id}"): Rule("tenant", READ, ("stipend_id", "stipend")),
    ("POST", "/stipends/{stipend_id}/payment"): Rule(
        "tenant", KEEP, ("stipend_id", "stipend"), steer="stipend_lead"
    ),
    ("GET", "/partnerships/{partnership_id}/allowances"): Rule("tenant", READ, (P, "partnership")),
    ("POST", "/partnerships/{partnership_id}/platforms"): Rule(
        "tenant", KEEP, (P, "partnership"), steer="partnership_lead"
    ),
    ("GET", "/partnerships/{partnership_id}/platforms"): Rule("tenant", READ, (P, "partnership")),
    ("GET", "/platforms/{platform_id}/charges"): Rule("tenant", READ, ("platform_id", "platform")),
    ("POST", "/platforms/{platform_id}/end"): Rule(
        "tenant", KEEP, ("platform_id", "platform"), steer="platform_lead"
    ),
    ("GET", "/allowances/{allowance_id}"): Rule("tenant", READ, ("allowance_id", "allowance")),
    ("POST", "/allowances/{allowance_id}/payment"): Rule(
        "tenant", KEEP, ("allowance_id", "allowance"), steer="allowance_lead"
    ),
    # Grants: the lead records agreements and receipts; members read them.
    ("POST", "/partnerships/{partnership_id}/grants"): Rule(
        "tenant", KEEP, (P, "partnership"), steer="partnership_lead"
    ),
    ("GET", "/partnerships/{partnership_id}/grants"): Rule("tenant", READ, (P, "partnership")),
    ("GET", "/grants/{grant_id}"): Rule("tenant", READ, ("grant_id", "grant")),
    ("POST", "/grants/{grant_id}/receipts"): Rule("tenant", KEEP, ("grant_id", "grant"), steer="grant_lead"),
    ("POST", "/grants/{grant_id}/conditions/{condition_id}/fulfilment"): Rule(
        "tenant", KEEP, ("grant_id", "grant"), steer="grant_lead"
    ),
    # Joint procurement: the lead is the procuring entity and takes every step; the tender's evaluators (members'
    # officials named on its panel: their countries here, each evaluator in the use case) declare and score;
    # members read.
    ("POST", "/partnerships/{partnership_id}/procurements"): Rule(
        "tenant", KEEP, (P, "partnership"), steer="partnership_lead"
    ),
    ("GET", "/partnerships/{partnership_id}/procurements"): Rule("tenant", READ, (P, "partnership")),
    ("GET", "/procurements/{procurement_id}"): Rule("tenant", READ, (R, "procurement")),
    **{
        ("POST", f"/procurements/{{procurement_id}}/{step}"): Rule(
            "tenant", KEEP, (R, "procurement"), steer="procurement_lead"
        )
        for step in (
            "tender",
            "bids",
            "bid-opening",
            "award",
            "contract",
            "deliveries",
            "payment",
            "cancellation",
        )
    },
    **{
        ("POST", f"/procurements/{{procurement_id}}/{step}"): Rule(
            "tenant", KEEP, (R, "procurement"), steer="procurement_panel"
        )
        for step in ("declarations", "scores")
    },
    **{
        ("GET", f"/procurements/{{procurement_id}}/{view}"): Rule("tenant", READ, (R, "procurement"))
        for view in ("bids", "scores", "evaluation", "deliveries", "ocds")
    },
    ("GET", "/audit"): Rule("public", AUDITORS),
}
assert all(rule.roles <= ANY_ROLE for rule in RULES.values())

POLICY = Policy(rules=RULES, resolvers=RESOLVERS, not_found_codes=NOT_FOUND, owners=OWNERS)
