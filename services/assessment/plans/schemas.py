"""API models of evaluation plans and their rounds (the workflow's calls included)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, Field, model_validator

from backbone.schemas import Strict

Key = Field(min_length=1, max_length=60, pattern=r"^[a-z][a-z0-9_.-]*$")


class QuestionIn(Strict):
    id: str = Key
    text: str = Field(min_length=3, max_length=1000, description="An evaluation question the plan answers")


class ScheduleIn(Strict):
    first_round_on: date = Field(description="When the first round opens (it evaluates the period before it)")
    every_months: int = Field(ge=1, le=24, description="Rounds open this many months apart")
    response_days: int = Field(ge=1, le=90, description="National systems report within this many days")
    remind_before_days: int = Field(
        default=7, ge=0, le=90, description="Reminder this long before the due day"
    )
    grace_days: int = Field(
        default=7, ge=0, le=60, description="After escalation, closed this long after due"
    )

    @model_validator(mode="after")
    def _reminder_inside(self) -> ScheduleIn:
        if self.remind_before_days >= self.response_days:
            raise ValueError("remind_before_days: the reminder comes after the round opens, before it is due")
        return self


class PlanContentIn(Strict):
    questions: list[QuestionIn] = Field(min_length=1, max_length=50)
    indicators: list[str] = Field(
        min_length=1, max_length=50, description="Codes of the partnership's indicators each round measures"
    )
    methods: list[str] = Field(
        min_length=1, max_length=20, description="e.g. `national statistics`, `survey`"
    )
    schedule: ScheduleIn


class PlanIn(Strict):
    id: uuid.UUID = Field(description="Client-chosen: the same id and body again changes nothing")
    title: str = Field(min_length=3, max_length=200)
    content: PlanContentIn


class PlanVersionOut(BaseModel):
    id: uuid.UUID
    plan_id: uuid.UUID
    version: int
    status: Literal["draft", "published", "superseded"]
    content: dict[str, Any]
    created_at: datetime
    published_at: datetime | None


class PlanOut(BaseModel):
    id: uuid.UUID
    partnership_id: uuid.UUID
    title: str
    created_at: datetime
    versions: list[PlanVersionOut]


class ReviewerOut(BaseModel):
    country_code: str
    evaluator_id: uuid.UUID | None = Field(description="None: no registered evaluator without a conflict")


class RoundOut(BaseModel):
    id: uuid.UUID
    plan_id: uuid.UUID
    plan_version: int
    number: int
    period_start: date
    period_end: date
    opened_at: datetime
    due_at: datetime
    status: Literal["open", "closed"]
    reviewers: list[ReviewerOut]
    reminders: int
    escalated_at: datetime | None
    closed_at: datetime | None
    results: dict[str, Any] | None


class RoundOpenIn(Strict):
    """The workflow opens round `number` of the plan's published `version`."""

    version: int = Field(ge=1)
    number: int = Field(ge=1)
    period_start: date
    period_end: date
    due_at: datetime


class ChaseIn(Strict):
    kind: Literal["check", "reminder", "escalation"] = Field(
        description="`check` only answers who is missing; the others also remind them or alert the partnership"
    )


class ChaseOut(BaseModel):
    round_id: uuid.UUID
    missing: list[str] = Field(description="Member countries that have not reported every indicator")
