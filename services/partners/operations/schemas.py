"""API models of the operators' view of running workflows."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel


class RunningWorkflow(BaseModel):
    workflow_id: str
    type: str
    started_at: datetime
    task_queue: str
    state: dict[str, Any] | None = None
    """The workflow's status query answer; null if it did not answer in time."""
