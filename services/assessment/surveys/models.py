"""Tables of surveys. A response is not linked to anything that names its respondent: the invitation codes are kept
hashed, apart from the responses, and a response keeps only the day it was given."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, DateTime, ForeignKey, Integer, String
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from services.assessment.models import AssessmentBase


class Survey(AssessmentBase):
    __tablename__ = "surveys"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    partnership_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), index=True)
    title: Mapped[str] = mapped_column(String(200))
    indicator: Mapped[str | None] = mapped_column(String(100))
    indicator_question: Mapped[str | None] = mapped_column(String(60))
    country_code: Mapped[str | None] = mapped_column(String(2))
    measurement_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    questions: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    min_responses: Mapped[int] = mapped_column(Integer)
    closes_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    invited: Mapped[int] = mapped_column(Integer)
    handling_code: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class InvitationCode(AssessmentBase):
    """A single-use code, kept as its SHA-256 only; `used` once a response was given with it."""

    __tablename__ = "survey_invitations"

    code_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    survey_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("surveys.id"), index=True)
    used: Mapped[bool]


class SurveyResponse(AssessmentBase):
    __tablename__ = "survey_responses"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    survey_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("surveys.id"), index=True)
    answers: Mapped[dict[str, int]] = mapped_column(JSONB)
    answered_on: Mapped[date] = mapped_column(Date)
