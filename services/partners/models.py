"""Tables of the partners service."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from backbone.db import Base
from rules.governance import Choice, DecisionOutcome, MemberRole


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


class MemberDeparture(PartnersBase):
    """An ended membership, kept when its `partnership_members` row goes: that row is what every rule of access
    reads, so a member that left is simply no longer there."""

    __tablename__ = "member_departures"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    partnership_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("partnerships.id"), index=True)
    agency_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("agencies.id"))
    country_code: Mapped[str] = mapped_column(ForeignKey("countries.code"))
    role: Mapped[str] = mapped_column(String(20))
    joined_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    left_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    reason: Mapped[str] = mapped_column(Text)
    ended_by: Mapped[str] = mapped_column(String(2))
    country_left: Mapped[bool] = mapped_column(Boolean)
    seats_ended: Mapped[int] = mapped_column(Integer)


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
    subject: Mapped[str | None] = mapped_column(String(200))
    """The member's account at the identity provider (`sub` of their tokens): only they vote in this seat."""


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
    subject: Mapped[str | None] = mapped_column(String(200))
    """What another service asked this decision about (`training:curriculum-version:<id>`); unique."""


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
    handling_code: Mapped[str] = mapped_column(Text, default="partnership")
    handling_countries: Mapped[list[str]] = mapped_column(ARRAY(String(2)), default=list)


class Commitment(PartnersBase):
    """What one partner agency pledged to a partnership for a period; renewal links a successor to it."""

    __tablename__ = "commitments"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    partnership_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("partnerships.id"))
    agency_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("agencies.id"))
    country_code: Mapped[str] = mapped_column(ForeignKey("countries.code"))
    kind: Mapped[str] = mapped_column(String(20))
    amount: Mapped[Decimal] = mapped_column(Numeric(18, 2))
    currency: Mapped[str | None] = mapped_column(String(3))
    priorities: Mapped[str | None] = mapped_column(Text)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20))
    signed_by: Mapped[str] = mapped_column(String(200))
    renews_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("commitments.id"))
    renewal_timers: Mapped[dict[str, Any]] = mapped_column(JSONB)
    registered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    renewal_requested_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    concluded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    conclusion_reason: Mapped[str | None] = mapped_column(Text)


class AgencyContact(PartnersBase):
    """A person at an agency whom partners reach; removal keeps name and function but erases the details."""

    __tablename__ = "agency_contacts"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    agency_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("agencies.id"))
    name: Mapped[str] = mapped_column(String(200))
    function: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(320))
    phone: Mapped[str | None] = mapped_column(String(40))
    languages: Mapped[list[str]] = mapped_column(JSONB)
    is_primary: Mapped[bool] = mapped_column(Boolean)
    is_national_coordination_contact: Mapped[bool] = mapped_column(Boolean)
    added_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    removed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Endorsement(PartnersBase):
    """A regional body or international organisation validates a partnership, a standard or a curriculum."""

    __tablename__ = "endorsements"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    endorser_name: Mapped[str] = mapped_column(String(200))
    endorser_kind: Mapped[Literal["regional_body", "international_organisation"]] = mapped_column(String(30))
    subject_kind: Mapped[Literal["partnership", "standard", "curriculum"]] = mapped_column(String(20))
    subject_id: Mapped[str] = mapped_column(String(200))
    partnership_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("partnerships.id"))
    scope: Mapped[str] = mapped_column(Text)
    endorsed_on: Mapped[date] = mapped_column(Date)
    granted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    status: Mapped[Literal["active", "withdrawn"]] = mapped_column(String(20))
    withdrawn_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    withdrawal_reason: Mapped[str | None] = mapped_column(Text)


class Dispute(PartnersBase):
    """A member agency's objection to an allocation or a decision, discussed and settled by a decision."""

    __tablename__ = "disputes"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    partnership_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("partnerships.id"))
    raised_by_agency_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("agencies.id"))
    raised_by_country_code: Mapped[str] = mapped_column(ForeignKey("countries.code"))
    subject_kind: Mapped[Literal["allocation", "decision"]] = mapped_column(String(20))
    subject_ref: Mapped[str] = mapped_column(String(200))
    subject_decision_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("decisions.id"))
    statement: Mapped[str] = mapped_column(Text)
    status: Mapped[Literal["open", "under_vote", "resolved"]] = mapped_column(String(20))
    resolution_decision_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("decisions.id"))
    last_outcome: Mapped[str | None] = mapped_column(String(20))
    raised_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    handling_code: Mapped[str] = mapped_column(Text, default="partnership")
    handling_countries: Mapped[list[str]] = mapped_column(ARRAY(String(2)), default=list)


class DisputeComment(PartnersBase):
    __tablename__ = "dispute_comments"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    dispute_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("disputes.id"))
    agency_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("agencies.id"))
    country_code: Mapped[str] = mapped_column(ForeignKey("countries.code"))
    author: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    commented_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class DisputeResolution(PartnersBase):
    """One attempt to settle a dispute by a `dispute_resolution` decision, and how that decision ended."""

    __tablename__ = "dispute_resolutions"

    decision_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("decisions.id"), primary_key=True)
    dispute_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("disputes.id"))
    opened_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    outcome: Mapped[str | None] = mapped_column(String(20))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ReciprocityExchange(PartnersBase):
    """The reciprocity ledger: one completed exchange (from the training service's events), once."""

    __tablename__ = "reciprocity_exchanges"

    exchange_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    partnership_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("partnerships.id"))
    officer_country_code: Mapped[str] = mapped_column(String(2))
    host_country_code: Mapped[str] = mapped_column(String(2))
    host_agency_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    kind: Mapped[str] = mapped_column(String(20))
    days: Mapped[int] = mapped_column(Integer)
    completed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    event_id: Mapped[str] = mapped_column(String(200))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class HandlingChange(PartnersBase):
    """An originator widened or narrowed who may see one of its records (kept for the audit trail)."""

    __tablename__ = "handling_changes"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    object_type: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    originator_country_code: Mapped[str] = mapped_column(ForeignKey("countries.code"))
    previous_code: Mapped[str] = mapped_column(Text)
    new_code: Mapped[str] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text)
    changed_by: Mapped[str] = mapped_column(String(200))
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
