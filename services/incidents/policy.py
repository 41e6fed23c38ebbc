"""Who may call which incidents route. Protocols belong to a partnership's member countries; an incident to its
originator and the countries its handling code releases it to (row-level security holds the same line);
affected partners outside that audience learn of it through their notifications only."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from backbone.audit.api import AUDITORS
from backbone.auth.policy import ANY_ROLE, Policy, Resolver, Rule, object_id, row_countries
from services.incidents.models import (
    Drill,
    DrillCycle,
    ImprovementAction,
    Incident,
    KnownPartnership,
    Protocol,
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
cycle = row_countries(DrillCycle, lambda found: found.countries)
drill = row_countries(Drill, lambda found: found.countries)


async def action(session: AsyncSession, value: str) -> frozenset[str] | None:
    key = object_id(value)
    found = await session.get(ImprovementAction, key) if key else None
    return await drill(session, str(found.drill_id)) if found else None


partnership = row_countries(KnownPartnership, lambda found: found.member_countries)


RESOLVERS: dict[str, Resolver] = {
    "partnership": partnership,
    "protocol": protocol,
    "incident": incident,
    "cycle": cycle,
    "drill": drill,
    "action": action,
}
NOT_FOUND = {
    "partnership": "partnership_not_found",
    "protocol": "protocol_not_found",
    "incident": "incident_not_found",
    "cycle": "drill_cycle_not_found",
    "drill": "drill_not_found",
    "action": "action_not_found",
}


def tenant(parameter: str, resolver: str, roles: frozenset[str]) -> Rule:
    return Rule("tenant", roles, (parameter, resolver))


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
    ("GET", "/incidents/{incident_id}"): tenant(INC, "incident", READ),
    ("GET", "/incidents/{incident_id}/timeline"): tenant(INC, "incident", READ),
    ("POST", "/incidents/{incident_id}/triage"): tenant(INC, "incident", OPERATIONS),
    ("POST", "/incidents/{incident_id}/severity"): tenant(INC, "incident", OPERATIONS),
    ("POST", "/incidents/{incident_id}/roles"): tenant(INC, "incident", OPERATIONS),
    ("POST", "/incidents/{incident_id}/steps/{code}/completion"): tenant(INC, "incident", OPERATIONS),
    ("POST", "/incidents/{incident_id}/resolution"): tenant(INC, "incident", OPERATIONS),
    ("POST", "/incidents/{incident_id}/closure"): tenant(INC, "incident", OPERATIONS),
    ("GET", "/notifications"): Rule("public", NOTIFIED),  # the caller's country's
    ("GET", "/partnerships/{partnership_id}/incident-statistics"): tenant(
        "partnership_id", "partnership", READ
    ),  # counts what the caller may see
    ("POST", "/internal/incidents/{incident_id}/escalations"): Rule("workflows"),
    ("POST", "/internal/incidents/{incident_id}/roles"): Rule("workflows"),
    ("POST", "/drill-cycles"): Rule("public", OPERATIONS),  # + a protocol of the caller's partnerships
    ("GET", "/drill-cycles/{cycle_id}"): tenant("cycle_id", "cycle", READ),
    ("POST", "/drill-cycles/{cycle_id}/trigger"): tenant("cycle_id", "cycle", OPERATIONS),
    ("POST", "/drill-cycles/{cycle_id}/stop"): tenant("cycle_id", "cycle", OPERATIONS),
    ("GET", "/drills/{drill_id}"): tenant("drill_id", "drill", READ),
    ("POST", "/drills/{drill_id}/debrief"): tenant("drill_id", "drill", DEBRIEF),
    ("GET", "/drills/{drill_id}/actions"): tenant("drill_id", "drill", READ),
    ("POST", "/improvement-actions/{action_id}/completion"): tenant("action_id", "action", ACT),
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

POLICY = Policy(rules=RULES, resolvers=RESOLVERS, not_found_codes=NOT_FOUND)
