"""Who may call which finance route. Facility usage is the owner's and the user's business (row-level security
confines every list and sum to the caller's country). A partnership's ledger is its members' to read and its
lead's to keep (open accounts, record transfers), with the workflows' client for what they settle."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from backbone.audit.api import AUDITORS
from backbone.auth.policy import ANY_ROLE, Owner, Policy, Resolver, Rule, object_id, row_countries, row_owner
from services.finance.models import KnownPartnership, LedgerAccount, LedgerTransfer

READ = frozenset({"national_coordinator", "programme_coordinator", "auditor"})
KEEP = frozenset({"national_coordinator", "programme_coordinator"})

partnership = row_countries(KnownPartnership, lambda found: found.member_countries)


async def partnership_lead(session: AsyncSession, value: str) -> frozenset[str] | None:
    key = object_id(value)
    found = await session.get(KnownPartnership, key) if key else None
    return frozenset({found.lead_country_code}) if found else None


async def account(session: AsyncSession, value: str) -> frozenset[str] | None:
    key = object_id(value)
    found = await session.get(LedgerAccount, key) if key else None
    return await partnership(session, str(found.partnership_id)) if found else None


async def transfer(session: AsyncSession, value: str) -> frozenset[str] | None:
    key = object_id(value)
    found = await session.get(LedgerTransfer, key) if key else None
    return await partnership(session, str(found.partnership_id)) if found else None


async def _lead_of(session: AsyncSession, partnership_id: object) -> str | None:
    found = await session.get(KnownPartnership, partnership_id)
    return found.lead_country_code if found else None


async def account_owner(session: AsyncSession, value: str) -> str | None:
    key = object_id(value)
    found = await session.get(LedgerAccount, key) if key else None
    return (found.country_code or await _lead_of(session, found.partnership_id)) if found else None


async def transfer_owner(session: AsyncSession, value: str) -> str | None:
    key = object_id(value)
    found = await session.get(LedgerTransfer, key) if key else None
    return await _lead_of(session, found.partnership_id) if found else None


RESOLVERS: dict[str, Resolver] = {
    "partnership": partnership,
    "partnership_lead": partnership_lead,
    "account": account,
    "transfer": transfer,
}
OWNERS: dict[str, Owner] = {
    "partnership": row_owner(KnownPartnership, lambda found: found.lead_country_code),
    "account": account_owner,
    "transfer": transfer_owner,
}
NOT_FOUND = {
    "partnership": "partnership_not_found",
    "partnership_lead": "partnership_not_found",
    "account": "account_not_found",
    "transfer": "transfer_not_found",
}
P = "partnership_id"
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
    ("GET", "/accounts/{account_id}"): Rule("tenant", READ, ("account_id", "account")),
    ("GET", "/accounts/{account_id}/transfers"): Rule("tenant", READ, ("account_id", "account")),
    ("GET", "/transfers/{transfer_id}"): Rule("tenant", READ, ("transfer_id", "transfer")),
    ("GET", "/audit"): Rule("public", AUDITORS),
}
assert all(rule.roles <= ANY_ROLE for rule in RULES.values())

POLICY = Policy(rules=RULES, resolvers=RESOLVERS, not_found_codes=NOT_FOUND, owners=OWNERS)
