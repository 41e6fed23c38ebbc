"""Tables of evaluators: the registry, the partnership's assessment policy, what training announced of who taught
whom, and the assignments of evaluators to trainees."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, DateTime, Integer, String
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from services.assessment.models import AssessmentBase


class Evaluator(AssessmentBase):
    __tablename__ = "evaluators"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    partnership_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), index=True)
    subject: Mapped[str] = mapped_column(String(200))
    """The evaluator's account (token `sub`): the one who may record the assessments assigned to it."""
    display_name: Mapped[str] = mapped_column(String(200))
    affiliation_kind: Mapped[str] = mapped_column(String(20))
    affiliation: Mapped[str] = mapped_column(String(200))
    agency_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    instructor_id: Mapped[str | None] = mapped_column(String(64))
    country_code: Mapped[str] = mapped_column(String(2))
    competencies: Mapped[list[str]] = mapped_column(ARRAY(String(80)))
    declarations: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    handling_code: Mapped[str] = mapped_column(String(80))
    registered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class AssessmentPolicy(AssessmentBase):
    """What a partnership allows its evaluators (none of it unless the lead says so)."""

    __tablename__ = "assessment_policies"

    partnership_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    evaluators_of_own_country: Mapped[bool] = mapped_column(Boolean)
    second_marking: Mapped[bool] = mapped_column(Boolean, default=False)
    moderation_threshold: Mapped[int] = mapped_column(Integer, default=10)
    blind_to_country: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class CohortInstructor(AssessmentBase):
    """An instructor delivered a cohort (training.instructor_assignment_delivered.v1)."""

    __tablename__ = "cohort_instructors"

    cohort_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    instructor_id: Mapped[str] = mapped_column(String(64), primary_key=True)


class CohortTrainee(AssessmentBase):
    """A trainee attended a cohort (training.trainee_attended.v1)."""

    __tablename__ = "cohort_trainees"

    cohort_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    trainee_id: Mapped[str] = mapped_column(String(64), primary_key=True)


class Assignment(AssessmentBase):
    """An evaluator assigned to assess one trainee against one published rubric version, once no conflict of
    interest stood in the way."""

    __tablename__ = "assessment_assignments"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    partnership_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), index=True)
    evaluator_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    rubric_version_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    trainee_id: Mapped[str] = mapped_column(String(64))
    trainee_country_code: Mapped[str] = mapped_column(String(2))
    trainee_agency_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    assigned_by_country_code: Mapped[str] = mapped_column(String(2))
    marking: Mapped[str] = mapped_column(String(12), default="single")
    handling_code: Mapped[str] = mapped_column(String(80))
    assigned_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Mentorship(AssessmentBase):
    """A mentor (by account) of a trainee (training.mentorship_recorded.v1)."""

    __tablename__ = "mentorships"

    mentor_subject: Mapped[str] = mapped_column(String(200), primary_key=True)
    trainee_id: Mapped[str] = mapped_column(String(100), primary_key=True)
