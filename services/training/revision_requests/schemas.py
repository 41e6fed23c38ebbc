"""API models of revision requests (from drill debriefs and assessment findings) and of their decision."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from backbone.schemas import Strict


class RevisionRequestOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    finding_id: uuid.UUID
    source: Literal["drill", "assessment"]
    drill_id: uuid.UUID | None
    partnership_id: uuid.UUID
    request: str
    curriculum_id: uuid.UUID | None
    competency: str | None
    countries: list[str]
    summary: str
    rating: str | None = Field(description="A drill finding's rating (minor, major, critical)")
    evidence: dict[str, Any] | None = Field(
        description="An assessment finding's evidence: the criterion failed, with counts unless suppressed"
    )
    status: Literal["open", "accepted", "declined"]
    requested_at: datetime
    decision_reason: str | None
    draft_version: int | None = Field(description="The curriculum draft version that takes it up (accepted)")
    decided_at: datetime | None


class AcceptanceIn(Strict):
    note: str = Field(
        default="", max_length=4000, description="What the draft will change (announced with the acceptance)"
    )


class DeclinationIn(Strict):
    reason: str = Field(min_length=3, max_length=4000, description="Why the curriculum will not change")


class DevelopmentActionOut(BaseModel):
    id: uuid.UUID
    instructor_id: uuid.UUID
    revision_request_id: uuid.UUID
    summary: str
    status: Literal["open", "done"]
    created_at: datetime
    completed_at: datetime | None
    completion_note: str | None


class CompletionIn(Strict):
    note: str = Field(
        min_length=3, max_length=4000, description="What the instructor did (training, coaching)"
    )
