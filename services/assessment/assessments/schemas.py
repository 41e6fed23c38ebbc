"""API models of the assessments of trainees."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, Field

from backbone.schemas import Strict
from contracts.envelope import CountryCode
from services.assessment.rubrics.schemas import Key


class ScoreIn(Strict):
    criterion_id: str = Key
    level: int = Field(ge=0, le=10)
    evidence: str = Field(min_length=1, max_length=2000, description="What was observed: the mark's grounds")


class AssessmentIn(Strict):
    id: uuid.UUID
    assignment_id: uuid.UUID = Field(
        description="The caller's assignment to this trainee (conflicts checked)"
    )
    rubric_version_id: uuid.UUID
    kind: Literal["observation", "proficiency_test", "portfolio"]
    cohort_id: uuid.UUID | None = None
    trainee_id: str = Field(
        min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._:-]+$", description="Pseudonymous: never a name"
    )
    trainee_country_code: CountryCode | None = Field(
        default=None,
        description="Taken from the assignment when left out (blind marking: the marker does not know it)",
    )
    scores: list[ScoreIn] = Field(min_length=1, max_length=200)
    notes: str | None = Field(default=None, max_length=4000)


class DimensionResultOut(BaseModel):
    key: str
    percent: str
    minimum: int
    passed: bool


class AssessmentOut(BaseModel):
    id: uuid.UUID
    assignment_id: uuid.UUID | None
    partnership_id: uuid.UUID
    rubric_version_id: uuid.UUID
    kind: str
    cohort_id: uuid.UUID | None
    trainee_id: str
    trainee_country_code: str | None
    assessor_country_code: str
    scores: list[dict[str, Any]]
    dimensions: list[DimensionResultOut]
    percent: Decimal = Field(description="This marking's own result")
    passed: bool
    notes: str | None
    assessed_at: datetime
    marking: Literal["single", "first", "second", "moderation"]
    status: Literal["final", "awaiting_second", "awaiting_moderation", "second_marked", "moderated"] = Field(
        description="final: its agreed result is the trainee's; otherwise what it waits for, or what settled it"
    )
    agreed_percent: Decimal | None = Field(description="The trainee's result, on the final marking")
    agreed_passed: bool | None
