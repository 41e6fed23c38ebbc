"""Who may call which assessment route. Until rubrics and evaluations arrive, only the audit trail is served,
to auditors, confined to their country's entries."""

from __future__ import annotations

from backbone.audit.api import AUDITORS
from backbone.auth.policy import ANY_ROLE, Policy, Rule

RULES: dict[tuple[str, str], Rule] = {
    ("GET", "/audit"): Rule("public", AUDITORS),
}
assert all(rule.roles <= ANY_ROLE for rule in RULES.values())

POLICY = Policy(rules=RULES, resolvers={}, not_found_codes={})
