"""Trainer development actions: an instructor whose trainees often failed a criterion is asked to develop it."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, String, Text
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from services.training.models import TrainingBase


class DevelopmentAction(TrainingBase):
    __tablename__ = "trainer_development_actions"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    instructor_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("instructors.id"), index=True)
    revision_request_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("revision_requests.id"), index=True)
    country_code: Mapped[str] = mapped_column(String(2))
    """The instructor's: its coordinators follow the action up."""
    summary: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    completion_note: Mapped[str | None] = mapped_column(Text)
