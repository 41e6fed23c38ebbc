"""API models of instructors, their availability and assignments to cohorts."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from backbone.schemas import Strict
from services.training.curricula.schemas import LANGUAGE_PATTERN, TaughtCompetency
from services.training.instructors import rules as instructor_rules

TeachingSkill = Literal[
    "cross_cultural",
    "trauma_informed",
    "adult_learning",
    "simulation_facilitation",
    "interpretation",
    "mentoring",
]


Languages = Annotated[
    list[Annotated[str, Field(pattern=LANGUAGE_PATTERN)]], Field(min_length=1, max_length=20)
]


def _countries(value: list[str]) -> list[str]:
    codes = sorted({code.strip().upper() for code in value})
    if any(len(code) != 2 or not code.isalpha() for code in codes):
        raise ValueError("countries are ISO 3166-1 alpha-2 codes")
    return codes


Countries = Annotated[list[str], Field(max_length=200), AfterValidator(_countries)]


class InstructorIn(Strict):
    agency_id: uuid.UUID = Field(description="The instructor's agency, of the caller's country")
    person_id: str = Field(min_length=1, max_length=100, description="The person's id in their agency")
    name: str = Field(min_length=1, max_length=200)
    qualifications: list[TaughtCompetency] = Field(min_length=1, max_length=50)
    languages: Languages
    teaching_skills: list[TeachingSkill] = Field(default_factory=list, max_length=10)
    shared_with: Countries = Field(default_factory=list, description="Countries that may see and assign them")


class CandidateIn(Strict):
    certification_id: uuid.UUID = Field(description="The graduate's certification (level 3+, score 80+)")
    languages: Languages
    teaching_skills: list[TeachingSkill] = Field(default_factory=list, max_length=10)
    shared_with: Countries = Field(default_factory=list, description="Countries that may see and assign them")


class AvailabilityIn(Strict):
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    note: str | None = Field(default=None, max_length=500)

    @model_validator(mode="after")
    def _ordered(self) -> AvailabilityIn:
        if self.ends_at <= self.starts_at:
            raise ValueError("ends_at must be after starts_at")
        return self


class AssignmentIn(Strict):
    instructor_id: uuid.UUID
    role: instructor_rules.Role = "lead"


class InstructorOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    agency_id: uuid.UUID
    country_code: str
    person_id: str
    name: str
    qualifications: list[dict[str, object]]
    languages: list[str]
    teaching_skills: list[str]
    shared_with: list[str]
    status: str
    source: str
    certification_id: uuid.UUID | None
    created_at: datetime
    activated_at: datetime | None


class AssignmentOut(BaseModel):
    id: uuid.UUID
    instructor_id: uuid.UUID
    cohort_id: uuid.UUID
    role: str
    status: str
    starts_at: datetime
    ends_at: datetime
    assigned_at: datetime
    released_at: datetime | None
