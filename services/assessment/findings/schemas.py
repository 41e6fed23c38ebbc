"""API models of findings and of criterion failure tallies."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from backbone.schemas import Strict


class CriterionFailuresOut(BaseModel):
    """How often a criterion was failed among the assessments of a rubric version the caller may see."""

    criterion_id: str
    dimension: str
    text: str
    failed: int
    assessed: int
    publishable: bool = Field(
        description="Whether a finding on it would carry these counts to every member (groups large enough "
        "that no member can difference them down to a few people)"
    )


class FindingIn(Strict):
    id: uuid.UUID = Field(description="Client-chosen: the same id and body again changes nothing")
    rubric_version_id: uuid.UUID
    criterion_id: str = Field(min_length=1, max_length=60)
    summary: str = Field(min_length=3, max_length=4000, description="What should change in the curriculum")


class EvidenceOut(BaseModel):
    """A rubric finding's (criterion, failed, assessed) or a survey finding's (question, mean, responses)."""

    criterion_id: str | None = None
    dimension: str | None = None
    criterion: str | None = None
    failed: int | None = None
    assessed: int | None = None
    suppressed: bool = False
    question_id: str | None = None
    question: str | None = None
    mean: str | None = None
    responses: int | None = None


class SurveyFindingIn(Strict):
    id: uuid.UUID = Field(description="Client-chosen: the same id and body again changes nothing")
    question_id: str = Field(min_length=1, max_length=60)
    curriculum_id: uuid.UUID = Field(description="The partnership's curriculum to revise")
    summary: str = Field(min_length=3, max_length=4000, description="What should change in the curriculum")


class FindingOut(BaseModel):
    id: uuid.UUID
    partnership_id: uuid.UUID
    rubric_id: uuid.UUID | None
    rubric_version_id: uuid.UUID | None
    criterion_id: str | None
    survey_id: uuid.UUID | None
    question_id: str | None
    curriculum_id: uuid.UUID
    module_ids: list[str]
    summary: str
    evidence: EvidenceOut
    raised_by_country_code: str
    raised_at: datetime
    status: Literal["raised", "accepted", "declined"]
    outcome_reason: str | None
    draft_version: int | None = Field(
        description="The curriculum draft version that takes it up, if accepted"
    )
    decided_at: datetime | None
