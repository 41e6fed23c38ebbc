"""Inputs and outputs of DecisionDeadlineWorkflow (shared by the workflow, the consumer that starts it and tests)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field


def decision_deadline_workflow_id(decision_id: str) -> str:
    return f"decision-deadline-{decision_id}"


class DecisionDeadlineInput(BaseModel):
    decision_id: str
    partnership_id: str
    opened_at: datetime
    due_at: datetime
    remind_at_share: float = Field(
        default=0.5, gt=0, lt=1, description="Share of the window before the reminder"
    )
    escalate_at_share: float = Field(
        default=0.8, gt=0, lt=1, description="Share of the window before escalation"
    )


class DecisionDeadlineResult(BaseModel):
    decision_id: str
    outcome: str
    reminders_sent: int
    escalated: bool
    closed_by: str = Field(description="`votes` (closed before its due time) or `deadline`")


class Remind(BaseModel):
    """Remind the members who have not voted (`reminder`), or alert the whole oversight body (`escalation`)."""

    decision_id: str
    kind: Literal["reminder", "escalation"]
    idempotency_key: str


class CloseAtDeadline(BaseModel):
    decision_id: str


class ClosedDecision(BaseModel):
    """A decision closed at its deadline as the votes stood (expired without quorum)."""

    decision_id: str
    outcome: str
    approvals: int
    rejections: int
    abstentions: int
    not_voted: int
