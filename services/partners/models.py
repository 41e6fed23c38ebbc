"""Tables of the partners service."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Index, String, Text, func, text
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from backbone.db import Base


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
