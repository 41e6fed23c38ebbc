"""API models of endorsements."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from contracts.events.partners import EndorsementSubjectKind, EndorserKind


class EndorsementIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        str_strip_whitespace=True,
        json_schema_extra={
            "examples": [
                {
                    "endorser_name": "ECOWAS Commission",
                    "endorser_kind": "regional_body",
                    "subject_kind": "standard",
                    "subject_id": "competency-framework:2026.1",
                    "scope": "Chain of custody and evidence admissibility competencies",
                    "endorsed_on": "2026-11-20",
                }
            ]
        },
    )

    endorser_name: str = Field(min_length=2, max_length=200, examples=["ECOWAS Commission"])
    endorser_kind: EndorserKind
    subject_kind: EndorsementSubjectKind
    subject_id: str = Field(
        min_length=1,
        max_length=200,
        pattern=r"^\S+$",
        description="For a partnership its id; for a standard or curriculum the training service's reference",
        examples=["competency-framework:2026.1"],
    )
    scope: str = Field(min_length=3, max_length=4000, description="What exactly is endorsed")
    endorsed_on: date = Field(description="The date of the endorsement act")


class EndorsementWithdrawal(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        str_strip_whitespace=True,
        json_schema_extra={"examples": [{"reason": "Superseded by the 2027 framework"}]},
    )

    reason: str = Field(min_length=3, max_length=4000)


class EndorsementOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    endorser_name: str
    endorser_kind: str
    subject_kind: str
    subject_id: str
    scope: str
    endorsed_on: date
    granted_at: datetime
    status: Literal["active", "withdrawn"]
    withdrawn_at: datetime | None
    withdrawal_reason: str | None
