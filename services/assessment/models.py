"""Tables of the assessment service: the partnerships read model (who sees what), rubrics and their versions, and
the assessments of trainees against a published version."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import DateTime, ForeignKey, Integer, Numeric, String, Text
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from backbone.db import Base
from services.kernel.partnership_members import PartnershipMembers


class AssessmentBase(Base):
    __abstract__ = True


class KnownPartnership(PartnershipMembers, AssessmentBase):
    """Read model of the partners service's partnerships: members read rubrics and assessments, the lead
    publishes rubric versions."""

    __tablename__ = "assessment_partnerships"


class Rubric(AssessmentBase):
    """What a competency is assessed against in one partnership; its content lives in its versions."""

    __tablename__ = "rubrics"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    partnership_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), index=True)
    competency: Mapped[str] = mapped_column(String(80))
    title: Mapped[str] = mapped_column(String(200))
    curriculum_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    module_ids: Mapped[list[str]] = mapped_column(JSONB)
    created_by_country_code: Mapped[str] = mapped_column(String(2))
    handling_code: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class RubricVersion(AssessmentBase):
    """One version: a draft any member proposes, the lead submits to the oversight body, published (immutable
    from then on) or rejected by its decision."""

    __tablename__ = "rubric_versions"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    rubric_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("rubrics.id"), index=True)
    partnership_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    version: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(10))
    content: Mapped[dict[str, Any]] = mapped_column(JSONB)
    """dimensions, criteria, levels and pass_rule, as the API takes them."""
    proposed_by_country_code: Mapped[str] = mapped_column(String(2))
    handling_code: Mapped[str] = mapped_column(String(80))
    proposed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decide_by: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decision_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    decision_outcome: Mapped[str | None] = mapped_column(String(10))


class Assessment(AssessmentBase):
    """One marking of a trainee against a published rubric version: each criterion's level with its evidence,
    and the result the pass rule gives; the final marking also carries the agreed result (under second marking,
    the two markings' average, or the moderator's)."""

    __tablename__ = "assessments"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    partnership_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), index=True)
    rubric_version_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("rubric_versions.id"), index=True)
    assignment_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    kind: Mapped[str] = mapped_column(String(20))
    cohort_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    trainee_id: Mapped[str] = mapped_column(String(64))
    trainee_country_code: Mapped[str] = mapped_column(String(2))
    assessor_subject: Mapped[str] = mapped_column(String(200))
    assessor_country_code: Mapped[str] = mapped_column(String(2))
    scores: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    dimensions: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    percent: Mapped[Decimal] = mapped_column(Numeric(5, 1))
    passed: Mapped[bool]
    notes: Mapped[str | None] = mapped_column(Text)
    handling_code: Mapped[str] = mapped_column(String(80))
    assessed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    marking: Mapped[str] = mapped_column(String(12), default="single")
    """single, or first / second / moderation under second marking."""
    status: Mapped[str] = mapped_column(String(20), default="final")
    """final (its agreed result is the trainee's), awaiting_second, awaiting_moderation, second_marked (the
    second marking settled it), moderated (the moderator's did)."""
    agreed_percent: Mapped[Decimal | None] = mapped_column(Numeric(5, 1))
    agreed_passed: Mapped[bool | None]
    agreed_dimensions: Mapped[list[dict[str, Any]] | None] = mapped_column(JSONB)


class KnownCurriculumModule(AssessmentBase):
    """A module of an approved curriculum version, as training announced it (every version's modules stay)."""

    __tablename__ = "known_curriculum_modules"

    curriculum_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    module_code: Mapped[str] = mapped_column(String(100), primary_key=True)
    partnership_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
