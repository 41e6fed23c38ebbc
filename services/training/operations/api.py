"""Operators' view of the training service's long-running processes: certification refreshers
(backbone/operations.py lists them; a country's operators see its own officers')."""

from __future__ import annotations

from backbone.operations import running_workflows_router
from services.training.operations.queries import followed_by
from services.training.processes import OPERATED

router = running_workflows_router(types=OPERATED, followed_by=followed_by, responses={})
