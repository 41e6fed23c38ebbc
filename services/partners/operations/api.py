"""Operators' view of the partners service's long-running processes: onboarding, renewals, decision deadlines
(backbone/operations.py lists them; a country's operators see those about its agencies and partnerships)."""

from __future__ import annotations

from backbone.operations import running_workflows_router
from services.partners.operations.queries import followed_by
from services.partners.problems import PROBLEMS
from services.partners.processes import OPERATED

router = running_workflows_router(types=OPERATED, followed_by=followed_by, responses=PROBLEMS)
