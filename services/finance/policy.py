"""Who may call which finance route. Facility usage is the owner's and the user's business (row-level security
confines every list and sum to the caller's country)."""

from __future__ import annotations

from backbone.audit.api import AUDITORS
from backbone.auth.policy import ANY_ROLE, Policy, Rule

READ = frozenset({"national_coordinator", "programme_coordinator", "auditor"})
RULES: dict[tuple[str, str], Rule] = {
    ("GET", "/facility-usage"): Rule("public", READ),
    ("GET", "/facility-usage/summary"): Rule("public", READ),
    ("GET", "/audit"): Rule("public", AUDITORS),
}
assert all(rule.roles <= ANY_ROLE for rule in RULES.values())

POLICY = Policy(rules=RULES, resolvers={}, not_found_codes={})
