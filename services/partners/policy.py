"""Who may call which partners route: the rule table and the tenant resolvers behind it.

Tenancy is by country. A partnership and everything in it (decisions, commitments, disputes, reciprocity, its
onboarding) belongs to its member countries; an agency's private data (contacts, onboarding) to its country;
its capacity profiles are shared with the countries it is in a partnership with. Disputes and capacity profiles
are further confined by the handling code their originator chose (services/partners/handling/audiences.py). The
directory (countries, agencies) and endorsements are public to signed-in callers. Rules that depend on the body
(register an agency of a country, appoint a seat, pledge for an agency) are checked in their routes with
`require_country`.
"""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backbone.audit.api import AUDITORS
from backbone.auth.policy import ANY_ROLE, Owner, Policy, Resolver, Rule, object_id, row_owner
from services.partners.handling.audiences import of_dispute, visible_countries
from services.partners.models import Agency, Commitment, Decision, Dispute, PartnershipMember

READ = frozenset(
    {"national_coordinator", "programme_coordinator", "oversight_member", "agency_integrator", "auditor"}
)
COORDINATE = frozenset({"national_coordinator", "programme_coordinator"})
PARTNERSHIP_READ = READ | {"operations_staff"}
"""A partnership's name, members and phase: its operations staff run its drills and incidents too."""
NATIONAL = frozenset({"national_coordinator"})
AGENCY_WRITE = frozenset({"national_coordinator", "agency_integrator"})
DISPUTE = frozenset({"national_coordinator", "programme_coordinator", "agency_integrator"})
COMMENT = DISPUTE | {"oversight_member"}
OPERATIONS = frozenset({"operations_staff"})
VOTERS = frozenset({"oversight_member"})


async def _members(session: AsyncSession, partnership_id: uuid.UUID | None) -> frozenset[str] | None:
    if partnership_id is None:
        return None
    countries = frozenset(
        await session.scalars(
            select(PartnershipMember.country_code).where(PartnershipMember.partnership_id == partnership_id)
        )
    )
    return countries or None


async def partnership(session: AsyncSession, value: str) -> frozenset[str] | None:
    return await _members(session, object_id(value))


async def decision(session: AsyncSession, value: str) -> frozenset[str] | None:
    key = object_id(value)
    return await _members(
        session, key and await session.scalar(select(Decision.partnership_id).where(Decision.id == key))
    )


async def commitment(session: AsyncSession, value: str) -> frozenset[str] | None:
    key = object_id(value)
    found = key and await session.scalar(select(Commitment.partnership_id).where(Commitment.id == key))
    return await _members(session, found)


async def commitment_country(session: AsyncSession, value: str) -> frozenset[str] | None:
    key = object_id(value)
    country = key and await session.scalar(select(Commitment.country_code).where(Commitment.id == key))
    return frozenset({country}) if country else None


async def dispute(session: AsyncSession, value: str) -> frozenset[str] | None:
    """Whom the dispute's handling code releases it to (its discussion and resolution follow it)."""
    key = object_id(value)
    found = await session.get(Dispute, key) if key else None
    return visible_countries(await of_dispute(session, found)) if found else None


async def agency(session: AsyncSession, value: str) -> frozenset[str] | None:
    key = object_id(value)
    country = key and await session.scalar(select(Agency.country_code).where(Agency.id == key))
    return frozenset({country}) if country else None


async def agency_shared(session: AsyncSession, value: str) -> frozenset[str] | None:
    """The agency's country and every country it shares a partnership with."""
    own = await agency(session, value)
    if own is None:
        return None
    partnerships = select(PartnershipMember.partnership_id).where(
        PartnershipMember.agency_id == uuid.UUID(value)
    )
    partners = await session.scalars(
        select(PartnershipMember.country_code).where(PartnershipMember.partnership_id.in_(partnerships))
    )
    return own | frozenset(partners)


async def country(session: AsyncSession, value: str) -> frozenset[str] | None:
    return frozenset({value.upper()})


RESOLVERS: dict[str, Resolver] = {
    "partnership": partnership,
    "decision": decision,
    "commitment": commitment,
    "commitment_country": commitment_country,
    "dispute": dispute,
    "agency": agency,
    "agency_shared": agency_shared,
    "country": country,
}


async def _lead(session: AsyncSession, partnership_id: uuid.UUID | None) -> str | None:
    if partnership_id is None:
        return None
    return await session.scalar(
        select(PartnershipMember.country_code).where(
            PartnershipMember.partnership_id == partnership_id, PartnershipMember.role == "lead"
        )
    )


async def partnership_owner(session: AsyncSession, value: str) -> str | None:
    return await _lead(session, object_id(value))


async def decision_owner(session: AsyncSession, value: str) -> str | None:
    key = object_id(value)
    return await _lead(
        session, key and await session.scalar(select(Decision.partnership_id).where(Decision.id == key))
    )


async def agency_owner(session: AsyncSession, value: str) -> str | None:
    key = object_id(value)
    return await session.scalar(select(Agency.country_code).where(Agency.id == key)) if key else None


async def country_owner(session: AsyncSession, value: str) -> str | None:
    return value.upper()


commitment_owner = row_owner(Commitment, lambda found: found.country_code)  # the pledging member's
OWNERS: dict[str, Owner] = {
    "partnership": partnership_owner,
    "decision": decision_owner,
    "commitment": commitment_owner,
    "commitment_country": commitment_owner,
    "dispute": row_owner(Dispute, lambda found: found.raised_by_country_code),
    "agency": agency_owner,
    "agency_shared": agency_owner,
    "country": country_owner,
}
NOT_FOUND = {
    "partnership": "partnership_not_found",
    "decision": "decision_not_found",
    "commitment": "commitment_not_found",
    "commitment_country": "commitment_not_found",
    "dispute": "dispute_not_found",
    "agency": "agency_not_found",
    "agency_shared": "agency_not_found",
    "country": "country_not_found",
}


def tenant(parameter: str, resolver: str, roles: frozenset[str], *, workflows_too: bool = False) -> Rule:
    return Rule("tenant", roles, (parameter, resolver), workflows_too)


P, D, C, A = "partnership_id", "decision_id", "commitment_id", "agency_id"
WORKFLOWS = Rule("workflows")
RULES: dict[tuple[str, str], Rule] = {
    # The directory: countries and agencies are public to signed-in callers.
    ("GET", "/countries"): Rule("public"),
    ("GET", "/countries/{code}"): Rule("public"),
    ("POST", "/agencies"): Rule("public", NATIONAL),  # + the body's country is the caller's
    ("GET", "/agencies"): Rule("public"),
    ("GET", "/agencies/{agency_id}"): Rule("public"),
    ("POST", "/agencies/{agency_id}/onboarding"): tenant(A, "agency", NATIONAL),
    ("GET", "/agencies/{agency_id}/onboarding"): tenant(A, "agency", NATIONAL),
    ("POST", "/agencies/{agency_id}/onboarding/confirmation"): tenant(A, "agency", NATIONAL),
    ("POST", "/agencies/{agency_id}/activation"): WORKFLOWS,
    ("POST", "/agencies/{agency_id}/onboarding-lapse"): WORKFLOWS,
    ("POST", "/agencies/{agency_id}/capacity-profiles"): tenant(A, "agency", AGENCY_WRITE),
    ("GET", "/agencies/{agency_id}/capacity-profiles"): tenant(A, "agency_shared", READ),  # + handling codes
    ("PUT", "/agencies/{agency_id}/capacity-profiles/{profile_id}/handling"): tenant(
        A, "agency", AGENCY_WRITE
    ),
    ("POST", "/agencies/{agency_id}/contacts"): tenant(A, "agency", AGENCY_WRITE),
    ("GET", "/agencies/{agency_id}/contacts"): tenant(A, "agency", READ),
    ("GET", "/agencies/{agency_id}/contacts/{contact_id}"): tenant(A, "agency", READ),
    ("PATCH", "/agencies/{agency_id}/contacts/{contact_id}"): tenant(A, "agency", AGENCY_WRITE),
    ("DELETE", "/agencies/{agency_id}/contacts/{contact_id}"): tenant(A, "agency", AGENCY_WRITE),
    # Partnerships and their governance: the member countries.
    ("POST", "/partnerships"): Rule("public", NATIONAL),  # + the caller's country is among the members
    ("GET", "/partnerships"): Rule("public", PARTNERSHIP_READ),  # filtered to the caller's partnerships
    ("GET", "/partnerships/{partnership_id}"): tenant(P, "partnership", PARTNERSHIP_READ),
    ("POST", "/partnerships/{partnership_id}/members"): tenant(
        P, "partnership", COORDINATE, workflows_too=True
    ),
    # + the agency's own country or the lead (services/partners/partnerships/departures.py)
    ("POST", "/partnerships/{partnership_id}/members/{agency_id}/departure"): tenant(
        P, "partnership", COORDINATE, workflows_too=True
    ),
    ("GET", "/partnerships/{partnership_id}/departures"): Rule(
        "public", READ
    ),  # rows: members, and the departed
    ("POST", "/partnerships/{partnership_id}/oversight-members"): tenant(P, "partnership", NATIONAL),
    ("POST", "/partnerships/{partnership_id}/decisions"): tenant(
        P, "partnership", COORDINATE, workflows_too=True
    ),
    ("GET", "/partnerships/{partnership_id}/decisions"): tenant(P, "partnership", READ),
    ("POST", "/partnerships/{partnership_id}/phase"): WORKFLOWS,
    ("GET", "/decisions/{decision_id}"): tenant(D, "decision", READ),
    ("POST", "/decisions/{decision_id}/votes"): tenant(D, "decision", VOTERS),  # + in the caller's own seat
    ("POST", "/decisions/{decision_id}/deadline"): WORKFLOWS,
    ("POST", "/decisions/{decision_id}/reminders"): WORKFLOWS,
    ("POST", "/internal/decisions/{decision_id}/votes"): WORKFLOWS,
    ("GET", "/members/{member_id}/decisions"): Rule("public", VOTERS),  # + the caller's own seat
    ("GET", "/me/decisions"): Rule("public", VOTERS),
    ("POST", "/partnerships/{partnership_id}/onboarding"): tenant(P, "partnership", COORDINATE),
    ("GET", "/partnerships/{partnership_id}/onboarding"): tenant(P, "partnership", READ),
    ("POST", "/partnerships/{partnership_id}/onboarding/criteria"): tenant(P, "partnership", COORDINATE),
    ("POST", "/partnerships/{partnership_id}/onboarding/pause"): tenant(P, "partnership", COORDINATE),
    ("POST", "/partnerships/{partnership_id}/onboarding/resume"): tenant(P, "partnership", COORDINATE),
    ("POST", "/partnerships/{partnership_id}/onboarding/gate-vote"): tenant(P, "partnership", COORDINATE),
    ("POST", "/partnerships/{partnership_id}/onboarding/withdrawal"): tenant(P, "partnership", COORDINATE),
    ("POST", "/partnerships/{partnership_id}/onboarding/amendments"): tenant(P, "partnership", COORDINATE),
    ("GET", "/workflows"): Rule("platform", OPERATIONS),
    ("GET", "/audit"): Rule("public", AUDITORS),  # + only the entries of the auditor's country
    # Commitments: pledged by a country's national coordination unit, visible to the partnership.
    ("POST", "/partnerships/{partnership_id}/commitments"): tenant(
        P, "partnership", NATIONAL
    ),  # + own agency
    ("GET", "/partnerships/{partnership_id}/commitments"): tenant(P, "partnership", READ),
    ("GET", "/commitments/{commitment_id}"): tenant(C, "commitment", READ),
    ("POST", "/commitments/{commitment_id}/renewal"): tenant(C, "commitment", COORDINATE),
    ("GET", "/commitments/{commitment_id}/renewal"): tenant(C, "commitment", READ),
    ("POST", "/commitments/{commitment_id}/renewal/ask-now"): tenant(C, "commitment", COORDINATE),
    ("POST", "/commitments/{commitment_id}/renewal/response"): tenant(C, "commitment_country", NATIONAL),
    ("POST", "/internal/commitments/{commitment_id}/renewal-request"): WORKFLOWS,
    ("POST", "/internal/commitments/{commitment_id}/renewal-notices"): WORKFLOWS,
    ("POST", "/internal/commitments/{commitment_id}/renewal-conclusion"): WORKFLOWS,
    # Endorsements are public statements, recorded by the platform's operators for the endorsing bodies.
    ("POST", "/endorsements"): Rule("platform", OPERATIONS),
    ("GET", "/endorsements"): Rule("public"),
    ("GET", "/endorsements/{endorsement_id}"): Rule("public"),
    ("POST", "/endorsements/{endorsement_id}/withdrawal"): Rule("platform", OPERATIONS),
    # Disputes and reciprocity: the partnership's members.
    ("POST", "/partnerships/{partnership_id}/disputes"): tenant(P, "partnership", DISPUTE),
    ("GET", "/partnerships/{partnership_id}/disputes"): tenant(P, "partnership", READ),
    ("GET", "/disputes/{dispute_id}"): tenant("dispute_id", "dispute", READ),
    ("PUT", "/disputes/{dispute_id}/handling"): tenant("dispute_id", "dispute", DISPUTE),  # + the originator
    ("POST", "/disputes/{dispute_id}/comments"): tenant("dispute_id", "dispute", COMMENT),
    ("POST", "/disputes/{dispute_id}/resolution-decision"): tenant("dispute_id", "dispute", COORDINATE),
    ("GET", "/countries/{code}/reciprocity"): tenant("code", "country", READ),
    ("GET", "/partnerships/{partnership_id}/reciprocity"): tenant(P, "partnership", READ),
}
assert all(rule.roles <= ANY_ROLE for rule in RULES.values())

POLICY = Policy(rules=RULES, resolvers=RESOLVERS, not_found_codes=NOT_FOUND, owners=OWNERS)
