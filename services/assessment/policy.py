"""Who may call which assessment route. A partnership's rubrics are its members' to read and to propose versions
of, its lead's to submit to the oversight body. An assessment is recorded by an evaluator of a member country and
read by the lead, the trainee's country and the assessor's (row-level security holds the same lines)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from backbone.audit.api import AUDITORS
from backbone.auth.policy import ANY_ROLE, Owner, Policy, Resolver, Rule, object_id, row_countries, row_owner
from services.assessment.findings.models import Finding
from services.assessment.indicators.models import Indicator
from services.assessment.models import Assessment, KnownPartnership, Rubric, RubricVersion
from services.assessment.plans.models import EvaluationPlan
from services.assessment.surveys.models import Survey

READ = frozenset({"national_coordinator", "programme_coordinator", "auditor", "evaluator", "instructor"})
DESIGN = frozenset({"national_coordinator", "programme_coordinator"})
EVALUATE = frozenset({"evaluator"})
REPORT = frozenset({"national_system"})

partnership = row_countries(KnownPartnership, lambda found: found.member_countries)


partnership_lead = row_countries(KnownPartnership, lambda found: {found.lead_country_code})


def of_partnership(model: type[Any], resolver: Resolver) -> Resolver:
    """The resolver of a record that belongs to one partnership: `resolver` (its members, its lead) asked of
    that partnership."""

    async def resolve(session: AsyncSession, value: str) -> frozenset[str] | None:
        key = object_id(value)
        found = await session.get(model, key) if key else None
        return await resolver(session, str(found.partnership_id)) if found else None

    return resolve


rubric = of_partnership(Rubric, partnership)
version = of_partnership(RubricVersion, partnership)
version_lead = of_partnership(RubricVersion, partnership_lead)
indicator = of_partnership(Indicator, partnership)
rubric_lead = of_partnership(Rubric, partnership_lead)
finding = of_partnership(Finding, partnership)
plan = of_partnership(EvaluationPlan, partnership)
plan_lead = of_partnership(EvaluationPlan, partnership_lead)
survey = of_partnership(Survey, partnership)
survey_lead = of_partnership(Survey, partnership_lead)


async def _lead(session: AsyncSession, partnership_id: object) -> str | None:
    found = await session.get(KnownPartnership, partnership_id)
    return found.lead_country_code if found else None


async def assessment(session: AsyncSession, value: str) -> frozenset[str] | None:
    key = object_id(value)
    found = await session.get(Assessment, key) if key else None
    if found is None:
        return None
    lead = await _lead(session, found.partnership_id)
    return frozenset({found.trainee_country_code, found.assessor_country_code, *([lead] if lead else [])})


RESOLVERS: dict[str, Resolver] = {
    "partnership": partnership,
    "partnership_lead": partnership_lead,
    "rubric": rubric,
    "version": version,
    "version_lead": version_lead,
    "assessment": assessment,
    "indicator": indicator,
    "rubric_lead": rubric_lead,
    "finding": finding,
    "plan": plan,
    "plan_lead": plan_lead,
    "survey": survey,
    "survey_lead": survey_lead,
}
OWNERS: dict[str, Owner] = {
    "partnership": row_owner(KnownPartnership, lambda found: found.lead_country_code),
    "assessment": row_owner(Assessment, lambda found: found.trainee_country_code),
}
NOT_FOUND = {
    "partnership": "partnership_not_found",
    "partnership_lead": "partnership_not_found",
    "rubric": "rubric_not_found",
    "version": "rubric_version_not_found",
    "version_lead": "rubric_version_not_found",
    "assessment": "assessment_not_found",
    "indicator": "indicator_not_found",
    "rubric_lead": "rubric_not_found",
    "finding": "finding_not_found",
    "plan": "plan_not_found",
    "plan_lead": "plan_not_found",
    "survey": "survey_not_found",
    "survey_lead": "survey_not_found",
}
P = "partnership_id"
RULES: dict[tuple[str, str], Rule] = {
    ("POST", "/partnerships/{partnership_id}/rubrics"): Rule("tenant", DESIGN, (P, "partnership")),
    ("GET", "/partnerships/{partnership_id}/rubrics"): Rule("tenant", READ, (P, "partnership")),
    ("GET", "/rubrics/{rubric_id}"): Rule("tenant", READ, ("rubric_id", "rubric")),
    ("POST", "/rubrics/{rubric_id}/versions"): Rule("tenant", DESIGN, ("rubric_id", "rubric")),
    ("GET", "/rubrics/{rubric_id}/versions"): Rule("tenant", READ, ("rubric_id", "rubric")),
    ("POST", "/rubric-versions/{version_id}/submission"): Rule(
        "tenant", DESIGN, ("version_id", "version"), steer="version_lead"
    ),
    ("POST", "/partnerships/{partnership_id}/evaluators"): Rule(
        "tenant", DESIGN, (P, "partnership"), steer="partnership_lead"
    ),
    ("GET", "/partnerships/{partnership_id}/evaluators"): Rule("tenant", READ, (P, "partnership")),
    ("PUT", "/partnerships/{partnership_id}/assessment-policy"): Rule(
        "tenant", DESIGN, (P, "partnership"), steer="partnership_lead"
    ),
    ("GET", "/partnerships/{partnership_id}/assessment-policy"): Rule("tenant", READ, (P, "partnership")),
    ("POST", "/assessment-assignments"): Rule("public", DESIGN),  # + the lead or the trainee's country
    ("POST", "/assessments"): Rule("public", EVALUATE),  # + the evaluator its assignment names
    ("GET", "/me/assessment-assignments"): Rule("public", EVALUATE),  # the caller's own
    ("GET", "/assessments/{assessment_id}"): Rule("tenant", READ, ("assessment_id", "assessment")),
    ("GET", "/partnerships/{partnership_id}/assessments"): Rule("tenant", READ, (P, "partnership")),
    ("POST", "/partnerships/{partnership_id}/indicators"): Rule(
        "tenant", DESIGN, (P, "partnership"), steer="partnership_lead"
    ),
    ("GET", "/partnerships/{partnership_id}/indicators"): Rule("tenant", READ, (P, "partnership")),
    # A member country's national system reports its own aggregates (row-level security: its country's rows).
    ("POST", "/indicators/{indicator_id}/measurements"): Rule(
        "tenant", REPORT, ("indicator_id", "indicator")
    ),
    ("GET", "/indicators/{indicator_id}/measurements"): Rule("tenant", READ, ("indicator_id", "indicator")),
    ("GET", "/rubrics/{rubric_id}/versions/{version_id}/criterion-failures"): Rule(
        "tenant", READ, ("rubric_id", "rubric")
    ),
    ("POST", "/rubrics/{rubric_id}/findings"): Rule(
        "tenant", DESIGN, ("rubric_id", "rubric"), steer="rubric_lead"
    ),
    ("GET", "/findings/{finding_id}"): Rule("tenant", READ, ("finding_id", "finding")),
    ("GET", "/partnerships/{partnership_id}/findings"): Rule("tenant", READ, (P, "partnership")),
    ("POST", "/partnerships/{partnership_id}/evaluation-plans"): Rule(
        "tenant", DESIGN, (P, "partnership"), steer="partnership_lead"
    ),
    ("GET", "/partnerships/{partnership_id}/evaluation-plans"): Rule("tenant", READ, (P, "partnership")),
    ("GET", "/evaluation-plans/{plan_id}"): Rule("tenant", READ, ("plan_id", "plan")),
    ("PUT", "/evaluation-plans/{plan_id}/draft"): Rule(
        "tenant", DESIGN, ("plan_id", "plan"), steer="plan_lead"
    ),
    ("POST", "/evaluation-plans/{plan_id}/publication"): Rule(
        "tenant", DESIGN, ("plan_id", "plan"), steer="plan_lead"
    ),
    ("GET", "/evaluation-plans/{plan_id}/rounds"): Rule("tenant", READ, ("plan_id", "plan")),
    ("POST", "/internal/evaluation-plans/{plan_id}/rounds"): Rule("workflows"),
    ("POST", "/internal/evaluation-rounds/{round_id}/chase"): Rule("workflows"),
    ("POST", "/internal/evaluation-rounds/{round_id}/closure"): Rule("workflows"),
    ("POST", "/partnerships/{partnership_id}/surveys"): Rule(
        "tenant", DESIGN, (P, "partnership"), steer="partnership_lead"
    ),
    ("GET", "/partnerships/{partnership_id}/surveys"): Rule("tenant", READ, (P, "partnership")),
    ("POST", "/surveys/{survey_id}/invitations"): Rule(
        "tenant", DESIGN, ("survey_id", "survey"), steer="survey_lead"
    ),
    ("GET", "/surveys/{survey_id}/results"): Rule("tenant", READ, ("survey_id", "survey")),
    ("POST", "/surveys/{survey_id}/findings"): Rule(
        "tenant", DESIGN, ("survey_id", "survey"), steer="survey_lead"
    ),
    ("POST", "/surveys/{survey_id}/measurement"): Rule(
        "tenant", DESIGN, ("survey_id", "survey"), steer="survey_lead"
    ),
    ("GET", "/audit"): Rule("public", AUDITORS),
}
assert all(rule.roles <= ANY_ROLE for rule in RULES.values())

POLICY = Policy(rules=RULES, resolvers=RESOLVERS, not_found_codes=NOT_FOUND, owners=OWNERS)
