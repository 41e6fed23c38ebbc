"""API models of rubrics and their versions."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from backbone.schemas import Strict, VoteDeadline

Key = Field(min_length=1, max_length=60, pattern=r"^[a-z][a-z0-9_.-]*$")


class RubricIn(Strict):
    id: uuid.UUID = Field(description="Client-chosen: the same id and body again changes nothing")
    competency: str = Field(
        min_length=1,
        max_length=80,
        pattern=r"^[a-z][a-z0-9_.:-]*$",
        description="The competency's code as training's framework has it, e.g. `cf:chain-of-custody`",
    )
    title: str = Field(min_length=1, max_length=200)
    curriculum_id: uuid.UUID | None = Field(default=None, description="The curriculum it assesses, if one")
    module_ids: list[str] = Field(default_factory=list, max_length=50, description="Its modules it assesses")


class RubricOut(BaseModel):
    id: uuid.UUID
    partnership_id: uuid.UUID
    competency: str
    title: str
    curriculum_id: uuid.UUID | None
    module_ids: list[str]
    created_by_country_code: str
    created_at: datetime


class DimensionIn(Strict):
    key: str = Key
    name: str = Field(min_length=1, max_length=200)
    weight: int = Field(gt=0, le=100, description="Its weight in the overall percentage")


class CriterionIn(Strict):
    id: str = Key
    dimension: str = Key
    text: str = Field(min_length=1, max_length=1000)
    weight: int = Field(default=1, gt=0, le=100, description="Its weight within its dimension")


class LevelIn(Strict):
    score: int = Field(ge=0, le=10)
    name: str = Field(min_length=1, max_length=80)
    descriptor: str = Field(
        min_length=1, max_length=1000, description="What performance at this level looks like"
    )


class PassRuleIn(Strict):
    overall_minimum: int = Field(ge=0, le=100, description="The overall percentage a pass needs")
    dimension_minimum: int = Field(ge=0, le=100, description="What every dimension needs, unless named below")
    dimension_minimums: dict[str, int] = Field(
        default_factory=dict, description="Per dimension key, its own minimum percentage (0 to 100)"
    )


class VersionIn(Strict):
    dimensions: list[DimensionIn] = Field(min_length=1, max_length=12)
    criteria: list[CriterionIn] = Field(min_length=1, max_length=200)
    levels: list[LevelIn] = Field(min_length=2, max_length=11)
    pass_rule: PassRuleIn


class SubmissionIn(Strict):
    decide_by: VoteDeadline


class VersionOut(BaseModel):
    id: uuid.UUID
    rubric_id: uuid.UUID
    version: int
    status: Literal["draft", "submitted", "published", "rejected"]
    content: dict[str, Any]
    proposed_by_country_code: str
    proposed_at: datetime
    submitted_at: datetime | None
    decide_by: datetime | None
    decision_id: uuid.UUID | None
    decision_outcome: str | None = Field(description="approved, rejected, vetoed or expired")
    published_at: datetime | None
