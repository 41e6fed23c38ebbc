"""Table of findings: a criterion failed often enough that the lead asks training to revise the curriculum."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from services.assessment.models import AssessmentBase


class Finding(AssessmentBase):
    """A criterion often failed (rubric) or a question rated low (survey) that asks training to revise a
    curriculum, with training's answer."""

    __tablename__ = "findings"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    partnership_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), index=True)
    rubric_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("rubrics.id"), index=True)
    rubric_version_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("rubric_versions.id"))
    criterion_id: Mapped[str | None] = mapped_column(String(60))
    survey_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("surveys.id"))
    """A finding comes from a rubric's criterion or from a survey's question."""
    question_id: Mapped[str | None] = mapped_column(String(60))
    curriculum_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    module_ids: Mapped[list[str]] = mapped_column(JSONB)
    summary: Mapped[str] = mapped_column(Text)
    evidence: Mapped[dict[str, Any]] = mapped_column(JSONB)
    """What the request carries: the criterion, its dimension, and the counts when they are publishable."""
    raised_by_country_code: Mapped[str] = mapped_column(String(2))
    raised_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    status: Mapped[str] = mapped_column(String(10))
    """raised, then accepted or declined as training announces it."""
    outcome_reason: Mapped[str | None] = mapped_column(Text)
    draft_version: Mapped[int | None] = mapped_column(Integer)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    handling_code: Mapped[str] = mapped_column(String(80))
