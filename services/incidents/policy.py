"""Who may call which incidents route. Protocols belong to a partnership's member countries; an incident to its
originator and the countries its handling code releases it to (row-level security holds the same line);
affected partners outside that audience learn of it through their notifications only."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backbone.audit.api import AUDITORS
from backbone.auth.policy import ANY_ROLE, Owner, Policy, Resolver, Rule, object_id, row_countries, row_owner
from services.incidents.models import (
    Drill,
    DrillCycle,
    ImprovementAction,
    Incident,
    IncidentRole,
    KnownPartnership,
    Protocol,
    ProtocolVersion,
)

OPERATIONS = frozenset({"operations_staff"})
READ = frozenset(
    {"operations_staff", "national_coordinator", "programme_coordinator", "auditor", "instructor"}
)
DEBRIEF = frozenset({"operations_staff", "evaluator"})
"""The after-action report is written with the evaluators, who rate the findings."""
ACT = frozenset({"operations_staff", "national_coordinator", "programme_coordinator"})
NOTIFIED = frozenset({"operations_staff", "national_coordinator", "national_system"})


protocol = row_countries(Protocol, lambda found: found.countries)
incident = row_countries(Incident, lambda found: {found.originator_country_code, *found.audience})


async def steer_incident(session: AsyncSession, value: str) -> frozenset[str] | None:
    """Who may work an incident (row-level security holds the same line, `incident_steered_by`): its originator,
    the countries holding one of its roles, and the partnership's members where its protocol says so."""
    key = object_id(value)
    found = await session.get(Incident, key) if key else None
    if found is None:
        return None
    holders = await session.scalars(
        select(IncidentRole.country_code).where(
            IncidentRole.incident_id == found.id, IncidentRole.ended_at.is_(None)
        )
    )
    stewards = {found.originator_country_code, *holders}
    version = await session.get(ProtocolVersion, found.protocol_version_id)
    if version is not None and version.steering == "partnership":
        stewards |= set(await partnership(session, str(found.partnership_id)) or ())
    return frozenset(stewards)


cycle = row_countries(DrillCycle, lambda found: found.countries)
drill = row_countries(Drill, lambda found: found.countries)


async def action(session: AsyncSession, value: str) -> frozenset[str] | None:
    key = object_id(value)
    found = await session.get(ImprovementAction, key) if key else None
    return await drill(session, str(found.drill_id)) if found else None


async def steer_action(session: AsyncSession, value: str) -> frozenset[str] | None:
    """Who may complete an improvement action: its owner's country and the drill cycle's owner."""
    key = object_id(value)
    found = await session.get(ImprovementAction, key) if key else None
    drill_found = await session.get(Drill, found.drill_id) if found else None
    cycle_found = await session.get(DrillCycle, drill_found.cycle_id) if drill_found else None
    if found is None or cycle_found is None:
        return None
    return frozenset({found.owner_country_code, cycle_found.owner_country_code})


partnership = row_countries(KnownPartnership, lambda found: found.member_countries)


RESOLVERS: dict[str, Resolver] = {
    "partnership": partnership,
    "protocol": protocol,
    "incident": incident,
    "steer_incident": steer_incident,
    "cycle": cycle,
    "drill": drill,
    "action": action,
    "steer_action": steer_action,
}


async def drill_owner(session: AsyncSession, value: str) -> str | None:
    key = object_id(value)
    found = await session.get(Drill, key) if key else None
    cycle_found = await session.get(DrillCycle, found.cycle_id) if found else None
    return cycle_found.owner_country_code if cycle_found else None


OWNERS: dict[str, Owner] = {
    "partnership": row_owner(KnownPartnership, lambda found: found.lead_country_code),
    "protocol": row_owner(Protocol, lambda found: found.owner_country_code),
    "incident": row_owner(Incident, lambda found: found.originator_country_code),
    "cycle": row_owner(DrillCycle, lambda found: found.owner_country_code),
    "drill": drill_owner,
    "action": row_owner(ImprovementAction, lambda found: found.owner_country_code),
}
"""Whose data each object is, for the audit trail (see `Policy.owners`)."""
NOT_FOUND = {
    "partnership": "partnership_not_found",
    "protocol": "protocol_not_found",
    "incident": "incident_not_found",
    "steer_incident": "incident_not_found",
    "cycle": "drill_cycle_not_found",
    "drill": "drill_not_found",
    "action": "action_not_found",
    "steer_action": "action_not_found",
}


def tenant(parameter: str, resolver: str, roles: frozenset[str]) -> Rule:
    return Rule("tenant", roles, (parameter, resolver))


def steer(roles: frozenset[str]) -> Rule:
    """Writes on an incident: its stewards' staff only, not every country it is released to."""
    return Rule("tenant", roles, (INC, "incident"), steer="steer_incident")


P, INC = "protocol_id", "incident_id"
RULES: dict[tuple[str, str], Rule] = {
    ("POST", "/protocols"): Rule("public", OPERATIONS),  # + in a partnership of the caller's country
    ("GET", "/protocols"): Rule("public", READ),  # row-level security: the caller's partnerships
    ("GET", "/protocols/{protocol_id}"): tenant(P, "protocol", READ),
    ("PUT", "/protocols/{protocol_id}/draft"): tenant(P, "protocol", OPERATIONS),
    ("POST", "/protocols/{protocol_id}/draft/review-request"): tenant(P, "protocol", OPERATIONS),
    ("POST", "/protocols/{protocol_id}/draft/{verdict}"): tenant(
        P, "protocol", OPERATIONS
    ),  # + not the author
    ("POST", "/protocols/{protocol_id}/revisions"): tenant(P, "protocol", OPERATIONS),
    ("POST", "/incidents"): Rule("public", OPERATIONS),  # + in a partnership of the caller's country
    ("GET", "/incidents"): Rule("public", READ),  # row-level security: what the handling codes release
    ("GET", "/partnerships/{partnership_id}/environments"): tenant("partnership_id", "partnership", READ),
    ("GET", "/incidents/{incident_id}"): tenant(INC, "incident", READ),
    ("GET", "/incidents/{incident_id}/timeline"): tenant(INC, "incident", READ),
    ("POST", "/incidents/{incident_id}/triage"): steer(OPERATIONS),
    ("POST", "/incidents/{incident_id}/severity"): steer(OPERATIONS),
    ("POST", "/incidents/{incident_id}/roles"): steer(OPERATIONS),
    ("POST", "/incidents/{incident_id}/steps/{code}/completion"): steer(OPERATIONS),
    ("POST", "/incidents/{incident_id}/resolution"): steer(OPERATIONS),
    ("POST", "/incidents/{incident_id}/closure"): steer(OPERATIONS),
    ("GET", "/notifications"): Rule("public", NOTIFIED),  # the caller's country's
    ("GET", "/partnerships/{partnership_id}/incident-statistics"): tenant(
        "partnership_id", "partnership", READ
    ),  # counts what the caller may see
    ("POST", "/internal/incidents/{incident_id}/escalations"): Rule("workflows"),
    ("POST", "/internal/incidents/{incident_id}/roles"): Rule("workflows"),
    ("POST", "/drill-cycles"): Rule("public", OPERATIONS),  # + a protocol of the caller's partnerships
    ("GET", "/workflows"): Rule("platform", OPERATIONS),  # a country's operators: the processes it follows
    ("GET", "/drill-cycles"): Rule("public", READ),  # row-level security: the caller's country's cycles
    ("GET", "/drill-cycles/{cycle_id}"): tenant("cycle_id", "cycle", READ),
    ("POST", "/drill-cycles/{cycle_id}/trigger"): tenant("cycle_id", "cycle", OPERATIONS),
    ("POST", "/drill-cycles/{cycle_id}/stop"): tenant("cycle_id", "cycle", OPERATIONS),
    ("GET", "/drills/{drill_id}"): tenant("drill_id", "drill", READ),
    ("POST", "/drills/{drill_id}/debrief"): tenant("drill_id", "drill", DEBRIEF),
    ("GET", "/drills/{drill_id}/actions"): tenant("drill_id", "drill", READ),
    ("GET", "/drills/{drill_id}/findings"): tenant("drill_id", "drill", READ),
    ("POST", "/improvement-actions/{action_id}/completion"): Rule(
        "tenant", ACT, ("action_id", "action"), steer="steer_action"
    ),
    ("GET", "/protocols/{protocol_id}/drills"): tenant(P, "protocol", READ),
    ("POST", "/internal/drills/{drill_id}/announcement"): Rule("workflows"),
    ("POST", "/internal/drills/{drill_id}/start"): Rule("workflows"),
    ("POST", "/internal/drills/{drill_id}/injects/{index}"): Rule("workflows"),
    ("POST", "/internal/drills/{drill_id}/completion"): Rule("workflows"),
    ("POST", "/internal/drills/{drill_id}/actions"): Rule("workflows"),
    ("POST", "/internal/drills/{drill_id}/next"): Rule("workflows"),
    ("POST", "/internal/improvement-actions/{action_id}/{kind}"): Rule("workflows"),
    ("GET", "/audit"): Rule("public", AUDITORS),
}
assert all(rule.roles <= ANY_ROLE for rule in RULES.values())

POLICY = Policy(rules=RULES, resolvers=RESOLVERS, not_found_codes=NOT_FOUND, owners=OWNERS)
