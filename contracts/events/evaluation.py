"""Evaluation plans and their rounds, on `assessment.events.v1`: a published plan (public), each round opened,
chased (a reminder to the countries that have not reported, an escalation to the partnership) and closed with its
results. EvaluationCycleWorkflow runs the rounds."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import ClassVar, Literal

from pydantic import BaseModel, Field

from contracts.envelope import AssessmentEvent, CountryCode


class PlanScheduleV1(BaseModel):
    first_round_on: date
    every_months: int = Field(ge=1)
    response_days: int = Field(ge=1)
    remind_before_days: int = Field(ge=0)
    grace_days: int = Field(ge=0)


class EvaluationPlanPublishedV1(AssessmentEvent):
    """The lead published a version of the partnership's evaluation plan: immutable and public from now on; its
    rounds follow its schedule (a later version takes over from the next round)."""

    event_type: ClassVar[str] = "assessment.evaluation_plan_published.v1"
    aggregate: ClassVar[str] = "plan"

    plan_id: str
    partnership_id: str
    title: str
    version: int = Field(ge=1)
    questions: list[str] = Field(description="The evaluation questions, in order")
    indicators: list[str] = Field(description="Codes of the indicators each round measures")
    methods: list[str]
    schedule: PlanScheduleV1
    published_at: datetime


class RoundReviewerV1(BaseModel):
    country_code: CountryCode
    evaluator_id: str | None = Field(description="None: no registered evaluator without a conflict")


class EvaluationRoundOpenedV1(AssessmentEvent):
    """A round opened: each member country's national system reports the plan's indicators for the period by
    `due_at`; a reviewer of another country is assigned to each country's reports."""

    event_type: ClassVar[str] = "assessment.evaluation_round_opened.v1"
    aggregate: ClassVar[str] = "plan"

    round_id: str
    plan_id: str
    partnership_id: str
    plan_version: int = Field(ge=1)
    number: int = Field(ge=1)
    period_start: date
    period_end: date
    due_at: datetime
    indicators: list[str]
    reviewers: list[RoundReviewerV1]
    opened_at: datetime


class EvaluationRoundChasedV1(AssessmentEvent):
    """Countries have not reported yet: a `reminder` (to them) before the due day, an `escalation` (to the
    partnership's oversight body) after it."""

    event_type: ClassVar[str] = "assessment.evaluation_round_chased.v1"
    aggregate: ClassVar[str] = "plan"

    round_id: str
    plan_id: str
    partnership_id: str
    number: int = Field(ge=1)
    kind: Literal["reminder", "escalation"]
    missing: list[CountryCode]
    due_at: datetime
    at: datetime


class IndicatorResultV1(BaseModel):
    code: str
    measured_by: list[CountryCode] = Field(description="Countries that reported it for the period")
    target_met_by: list[CountryCode]


class EvaluationRoundClosedV1(AssessmentEvent):
    """A round closed: what was measured for the period against the targets, and who never reported; its report
    is public."""

    event_type: ClassVar[str] = "assessment.evaluation_round_closed.v1"
    aggregate: ClassVar[str] = "plan"

    round_id: str
    plan_id: str
    partnership_id: str
    number: int = Field(ge=1)
    period_start: date
    period_end: date
    indicators: list[IndicatorResultV1]
    missing: list[CountryCode]
    closed_at: datetime


class SurveyRevisionRequestedV1(AssessmentEvent):
    """The lead asks training to revise a curriculum because a survey's stakeholders rated a question low (the
    survey closed with its minimum of responses). Training answers with `training.revision_request_decided.v1`
    (same `finding_id`)."""

    event_type: ClassVar[str] = "assessment.survey_revision_requested.v1"
    aggregate: ClassVar[str] = "finding"

    finding_id: str
    partnership_id: str
    curriculum_id: str
    survey_id: str
    question_id: str
    question: str
    mean: Decimal = Field(description="The question's mean answer")
    scale_minimum: int
    scale_maximum: int
    responses: int = Field(ge=1)
    summary: str = Field(max_length=4000)
    raised_by_country_code: CountryCode
    raised_at: datetime
