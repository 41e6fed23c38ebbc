"""Inputs, outputs and rules of DrillCycleWorkflow (shared by the workflow, its activities and incidents)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

Stage = Literal["waiting", "announced", "running", "completed", "debriefed", "stopped"]


def drill_cycle_workflow_id(cycle_id: str) -> str:
    return f"drill-cycle-{cycle_id}"


class ActionPlan(BaseModel):
    id: str
    due_at: datetime
    reminded: bool = False
    escalated: bool = False


class DrillCycleInput(BaseModel):
    cycle_id: str
    drill_id: str
    number: int = Field(ge=1)
    scheduled_for: datetime
    cadence_days: int = Field(ge=1)
    notice_hours: int = Field(ge=0)
    inject_minutes: list[int] = Field(
        default_factory=list, description="When each inject is released, in order"
    )
    remind_before_hours: int = Field(default=72, ge=0)
    open_actions: list[ActionPlan] = Field(
        default_factory=list, description="Carried over from earlier drills"
    )


class DrillCall(BaseModel):
    drill_id: str
    idempotency_key: str


class InjectCall(BaseModel):
    drill_id: str
    index: int
    idempotency_key: str


class StepLimit(BaseModel):
    code: str
    limit_minutes: int


class Started(BaseModel):
    incident_id: str
    steps: list[StepLimit]
    started_at: datetime


class NextDrill(BaseModel):
    drill_id: str
    number: int
    scheduled_for: datetime


class ChaseCall(BaseModel):
    action_id: str
    kind: Literal["reminded", "escalated"]
    idempotency_key: str


class Acknowledged(BaseModel):
    code: str
    at: datetime


class DrillCycleStatus(BaseModel):
    cycle_id: str
    drill_id: str
    number: int
    stage: Stage
    acknowledged: list[str]
    open_actions: list[ActionPlan]
    injects_released: int
