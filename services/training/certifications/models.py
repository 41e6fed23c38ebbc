"""What training learns from the assessment service: each trainee's assessment result, the evidence a
certification is issued on."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

from sqlalchemy import DateTime, Numeric, String
from sqlalchemy.dialects.postgresql import ARRAY, UUID
from sqlalchemy.orm import Mapped, mapped_column

from services.training.models import TrainingBase


class AssessmentResult(TrainingBase):
    """One `assessment.trainee_assessed.v1`, once however often delivered."""

    __tablename__ = "assessment_results"

    assessment_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    partnership_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    trainee_id: Mapped[str] = mapped_column(String(64), index=True)
    trainee_country_code: Mapped[str] = mapped_column(String(2))
    competency: Mapped[str] = mapped_column(String(80))
    kind: Mapped[str] = mapped_column(String(20))
    percent: Mapped[Decimal] = mapped_column(Numeric(5, 1))
    passed: Mapped[bool]
    failed_dimensions: Mapped[list[str]] = mapped_column(ARRAY(String(60)))
    assessed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
