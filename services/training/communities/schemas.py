"""API models of communities of practice, their members and posts."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from backbone.schemas import Strict


class CommunityIn(Strict):
    partnership_id: uuid.UUID
    specialty: str = Field(pattern="^[a-z][a-z0-9_-]{1,79}$", examples=["cyber_forensics", "human_rights"])
    name: str = Field(min_length=3, max_length=200)
    description: str | None = Field(default=None, max_length=4000)


class JoinIn(Strict):
    display_name: str = Field(min_length=1, max_length=200, description="How other members see you")


class MentorIn(Strict):
    subject: str = Field(min_length=1, max_length=200, description="The mentor's account")
    display_name: str = Field(min_length=1, max_length=200)


class PostIn(Strict):
    body: str = Field(min_length=1, max_length=20_000)
    reply_to: uuid.UUID | None = None


class CommunityOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    partnership_id: uuid.UUID
    specialty: str
    name: str
    description: str | None
    created_by_country_code: str
    created_at: datetime


class MemberOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    display_name: str
    country_code: str
    role: str
    joined_at: datetime
    left_at: datetime | None


class PostOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    member_id: uuid.UUID
    reply_to: uuid.UUID | None
    body: str
    created_at: datetime
