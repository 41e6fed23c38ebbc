"""Tables of the partners service."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any, Literal

from sqlalchemy import Boolean, Date, DateTime, Float, ForeignKey, Index, Integer, String, Text, func, text
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from backbone.db import Base
from services.partners.governance import Choice, DecisionOutcome, MemberRole


class PartnersBase(Base):
    __abstract__ = True


class Country(PartnersBase):
    __tablename__ = "countries"

    code: Mapped[str] = mapped_column(String(2), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    registered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class Agency(PartnersBase):
    __tablename__ = "agencies"
    __table_args__ = (
        Index("uq_agencies_country_name", "country_code", text("lower(name)"), unique=True),
        # A country has at most one national coordination unit: the gatekeeper of its agencies.
        Index(
            "uq_agencies_one_ncu_per_country",
            "country_code",
            unique=True,
            postgresql_where=text("is_national_coordination_unit"),
        ),
        Index("ix_agencies_list", "registered_at", "id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    country_code: Mapped[str] = mapped_column(ForeignKey("countries.code"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    agency_type: Mapped[str] = mapped_column(String(40))
    mandate: Mapped[str | None] = mapped_column(Text)
    is_national_coordination_unit: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    status: Mapped[str] = mapped_column(String(20), server_default=text("'pending'"))
    registered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    activated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    confirmed_by: Mapped[str | None] = mapped_column(String(200))
    lapsed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Partnership(PartnersBase):
    """A programme several partners run together under one agreement, advancing in phases."""

    __tablename__ = "partnerships"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    name: Mapped[str] = mapped_column(String(200))
    phase: Mapped[str] = mapped_column(String(30))
    agreement_kind: Mapped[str] = mapped_column(String(10))
    agreement_reference: Mapped[str] = mapped_column(String(200))
    agreement_signed_on: Mapped[date] = mapped_column(Date)
    agreement_starts_on: Mapped[date] = mapped_column(Date)
    agreement_ends_on: Mapped[date] = mapped_column(Date)
    confidentiality: Mapped[str | None] = mapped_column(Text)
    quorum_kind: Mapped[Literal["members", "countries"]] = mapped_column(String(10))
    approvals_needed: Mapped[int | None] = mapped_column(Integer)
    country_share: Mapped[float | None] = mapped_column(Float)
    registered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class PartnershipMember(PartnersBase):
    __tablename__ = "partnership_members"

    partnership_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("partnerships.id"), primary_key=True)
    agency_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("agencies.id"), primary_key=True)
    country_code: Mapped[str] = mapped_column(ForeignKey("countries.code"))
    role: Mapped[str] = mapped_column(String(20))
    joined_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class OversightMember(PartnersBase):
    """A diplomat, senior police official or justice-ministry representative of a member country."""

    __tablename__ = "oversight_members"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    partnership_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("partnerships.id"), index=True)
    country_code: Mapped[str] = mapped_column(ForeignKey("countries.code"))
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[MemberRole] = mapped_column(String(40))
    holds_veto: Mapped[bool] = mapped_column(Boolean)
    added_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Decision(PartnersBase):
    """A proposal put to the oversight body; its electorate and rule are fixed when it opens."""

    __tablename__ = "decisions"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    partnership_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("partnerships.id"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str | None] = mapped_column(Text)
    due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    opened_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    outcome: Mapped[DecisionOutcome] = mapped_column(String(20))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    electorate: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    rule: Mapped[dict[str, Any]] = mapped_column(JSONB)


class Vote(PartnersBase):
    __tablename__ = "votes"

    decision_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("decisions.id"), primary_key=True)
    member_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    choice: Mapped[Choice] = mapped_column(String(10))
    reason: Mapped[str | None] = mapped_column(Text)
    cast_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class CapacityProfile(PartnersBase):
    """An agency's level in a competency against the agreed target; append-only, so the history stays."""

    __tablename__ = "capacity_profiles"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    agency_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("agencies.id"))
    competency: Mapped[str] = mapped_column(String(100))
    current_level: Mapped[int] = mapped_column(Integer)
    target_level: Mapped[int] = mapped_column(Integer)
    note: Mapped[str | None] = mapped_column(Text)
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
