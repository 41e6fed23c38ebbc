"""API models of evaluators, the partnership's assessment policy and assignments."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from backbone.schemas import Strict
from contracts.envelope import CountryCode

TraineeId = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._:-]+$")


class RelationIn(Strict):
    trainee_id: str = TraineeId
    nature: str = Field(min_length=1, max_length=500, description="e.g. former colleague, family tie")


class EvaluatorIn(Strict):
    id: uuid.UUID
    subject: str = Field(min_length=1, max_length=200, description="The evaluator's account (token `sub`)")
    display_name: str = Field(min_length=1, max_length=200)
    affiliation_kind: Literal["academia", "international_body", "agency"]
    affiliation: str = Field(min_length=1, max_length=200)
    agency_id: uuid.UUID | None = Field(default=None, description="Their agency, when they belong to one")
    instructor_id: str | None = Field(
        default=None, max_length=64, description="Their instructor id in training, when they also teach"
    )
    country_code: CountryCode
    competencies: list[str] = Field(min_length=1, max_length=50)
    declarations: list[RelationIn] = Field(default_factory=list, max_length=200)


class EvaluatorOut(BaseModel):
    id: uuid.UUID
    partnership_id: uuid.UUID
    subject: str
    display_name: str
    affiliation_kind: str
    affiliation: str
    agency_id: uuid.UUID | None
    instructor_id: str | None
    country_code: str
    competencies: list[str]
    declarations: list[dict[str, Any]]
    registered_at: datetime


class PolicyIn(Strict):
    evaluators_of_own_country: bool = Field(
        description="Whether an evaluator may assess trainees of their own country (never of their own agency)"
    )
    second_marking: bool = Field(
        default=False, description="Every trainee marked twice, independently, before a result is announced"
    )
    moderation_threshold: int = Field(
        default=10,
        ge=1,
        le=100,
        description="Percentage points between the two markings beyond which an external moderator decides",
    )
    blind_to_country: bool = Field(
        default=False, description="Markers do not see the trainee's country or agency in their assignments"
    )


class PolicyOut(BaseModel):
    partnership_id: uuid.UUID
    evaluators_of_own_country: bool
    second_marking: bool
    moderation_threshold: int
    blind_to_country: bool


class AssignmentIn(Strict):
    id: uuid.UUID
    evaluator_id: uuid.UUID
    rubric_version_id: uuid.UUID
    trainee_id: str = TraineeId
    trainee_country_code: CountryCode
    trainee_agency_id: uuid.UUID


class AssignmentOut(BaseModel):
    id: uuid.UUID
    partnership_id: uuid.UUID
    evaluator_id: uuid.UUID
    rubric_version_id: uuid.UUID
    trainee_id: str
    trainee_country_code: str
    trainee_agency_id: uuid.UUID
    assigned_by_country_code: str
    marking: Literal["single", "first", "second", "moderation"]
    assigned_at: datetime


class MyAssignmentOut(BaseModel):
    """An assignment as its evaluator sees it: under blind marking, without the trainee's country and agency."""

    id: uuid.UUID
    partnership_id: uuid.UUID
    rubric_version_id: uuid.UUID
    trainee_id: str
    trainee_country_code: str | None
    trainee_agency_id: uuid.UUID | None
    marking: Literal["single", "first", "second", "moderation"]
    assessed: bool
    assigned_at: datetime
    rubric: dict[str, Any] = Field(
        description="The published version to mark against: dimensions, criteria, levels"
    )
