"""Inputs and outputs of EvaluationCycleWorkflow (shared by the workflow, the assessment consumer that starts it
and tests)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field


def evaluation_cycle_workflow_id(plan_id: str) -> str:
    return f"evaluation-cycle-{plan_id}"


class Schedule(BaseModel):
    first_round_on: date
    every_months: int = Field(ge=1)
    response_days: int = Field(ge=1)
    remind_before_days: int = Field(ge=0)
    grace_days: int = Field(ge=0)


class Replan(BaseModel):
    """A newer published version of the plan: it runs from the next round on."""

    version: int = Field(ge=1)
    schedule: Schedule


class EvaluationCycleInput(BaseModel):
    plan_id: str
    partnership_id: str
    version: int = Field(ge=1)
    schedule: Schedule
    number: int = Field(
        default=1, ge=1, description="The round this run opens (carried over continue-as-new)"
    )
    last_round: int | None = Field(default=None, ge=1, description="End after this round (None: run on)")


class OpenRound(BaseModel):
    plan_id: str
    version: int
    number: int
    period_start: date
    period_end: date
    due_at: datetime


class RoundOpened(BaseModel):
    round_id: str
    number: int


class Chase(BaseModel):
    round_id: str
    kind: Literal["check", "reminder", "escalation"]
    idempotency_key: str


class Chased(BaseModel):
    round_id: str
    missing: list[str]


class CloseRound(BaseModel):
    round_id: str


class RoundClosed(BaseModel):
    round_id: str
    missing: list[str]


class CycleStatus(BaseModel):
    plan_id: str
    version: int
    number: int
    stage: Literal["waiting", "collecting", "escalated", "closed", "stopped"]
    opens_at: datetime
    due_at: datetime
    round_id: str | None
    missing: list[str]
    reminded: bool
    escalated: bool


class CycleResult(BaseModel):
    plan_id: str
    last_round: int | None = Field(description="The last round closed (None: stopped before any)")
    reason: Literal["stopped", "last_round"]
