"""API models of surveys, invitations, anonymous responses and results."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from pydantic import AwareDatetime, BaseModel, Field, field_validator, model_validator

from backbone.schemas import Strict
from contracts.envelope import CountryCode
from rules.disclosure import MIN_GROUP
from services.assessment.rubrics.schemas import Key


class ScaleIn(Strict):
    minimum: int = Field(ge=0, le=10)
    maximum: int = Field(ge=1, le=10)
    low_label: str = Field(min_length=1, max_length=80, description="e.g. `not at all`")
    high_label: str = Field(min_length=1, max_length=80, description="e.g. `completely`")

    @model_validator(mode="after")
    def _ascending(self) -> ScaleIn:
        if self.maximum <= self.minimum:
            raise ValueError("maximum: a scale goes up from its minimum")
        return self


class QuestionIn(Strict):
    id: str = Key
    text: str = Field(min_length=3, max_length=1000)
    scale: ScaleIn


class SurveyIn(Strict):
    id: uuid.UUID = Field(description="Client-chosen: the same id and body again changes nothing")
    title: str = Field(min_length=3, max_length=200)
    indicator: str | None = Field(default=None, description="The qualitative indicator it measures, by code")
    indicator_question: str | None = Field(
        default=None, description="With `indicator`: the question whose mean is the indicator's value"
    )
    country_code: CountryCode | None = Field(
        default=None, description="With `indicator`: whose stakeholders answer (a measurement is a country's)"
    )
    questions: list[QuestionIn] = Field(min_length=1, max_length=50)
    min_responses: int = Field(
        default=5, ge=MIN_GROUP, le=1000, description="No figure is shown before this many responses"
    )
    closes_at: AwareDatetime

    @model_validator(mode="after")
    def _measures(self) -> SurveyIn:
        if self.indicator is not None and (self.indicator_question is None or self.country_code is None):
            raise ValueError("indicator_question and country_code come with an indicator")
        if self.indicator_question is not None and self.indicator_question not in {
            q.id for q in self.questions
        }:
            raise ValueError("indicator_question: not a question of the survey")
        return self

    @field_validator("closes_at")
    @classmethod
    def _ahead(cls, value: datetime) -> datetime:
        if not datetime.now(UTC) < value <= datetime.now(UTC) + timedelta(days=366):
            raise ValueError("a time within the coming year")
        return value


class SurveyOut(BaseModel):
    id: uuid.UUID
    partnership_id: uuid.UUID
    title: str
    indicator: str | None
    indicator_question: str | None
    country_code: str | None
    questions: list[QuestionIn]
    min_responses: int
    closes_at: datetime
    invited: int


class InvitationsIn(Strict):
    count: int = Field(ge=1, le=1000, description="How many single-use codes to issue")


class InvitationsOut(BaseModel):
    survey_id: uuid.UUID
    codes: list[str] = Field(
        description="Shown once: hand one to each respondent; the platform keeps only hashes"
    )


class ResponseIn(Strict):
    code: str = Field(min_length=16, max_length=64, description="The single-use invitation code")
    answers: dict[str, int] = Field(description="Per question id, a point of its scale")


class QuestionResultOut(BaseModel):
    id: str
    text: str
    mean: Decimal | None = Field(description="None until the survey has its minimum of responses")
    distribution: dict[str, int] | None = Field(description="Responses per scale point (same rule)")


class ResultsOut(BaseModel):
    survey_id: uuid.UUID
    responses: int
    min_responses: int
    suppressed: bool
    questions: list[QuestionResultOut]
