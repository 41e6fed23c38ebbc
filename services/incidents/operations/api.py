"""Operators' view of the incidents service's long-running processes: incident responses and drill cycles
(backbone/operations.py lists them; a country's operators see those it follows)."""

from __future__ import annotations

from backbone.operations import running_workflows_router
from services.incidents.operations.queries import followed_by
from services.incidents.problems import PROBLEMS
from services.incidents.processes import OPERATED

router = running_workflows_router(types=OPERATED, followed_by=followed_by, responses=PROBLEMS)
