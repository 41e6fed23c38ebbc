"""API models of a record's handling code changes."""

from __future__ import annotations

import uuid

from pydantic import BaseModel, ConfigDict, Field

from rules.releasability import HandlingCodeText


class HandlingChangeIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    handling_code: HandlingCodeText
    reason: str = Field(min_length=3, max_length=2000, description="Why the originator widens or narrows it")


class HandlingChangeOut(BaseModel):
    object_type: str
    object_id: uuid.UUID
    previous_code: str
    handling_code: str
