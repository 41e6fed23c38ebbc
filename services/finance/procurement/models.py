"""Tables of joint procurement: the process, its sealed bids, the evaluators' declarations of interest and their
scores, the deliveries, and the OCDS releases published at each stage."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import BigInteger, Date, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from services.finance.models import FinanceBase


class Procurement(FinanceBase):
    """One contracting process of a partnership, from the need to the payment; `stage` says where it stands."""

    __tablename__ = "procurements"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    partnership_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), index=True)
    ocid: Mapped[str] = mapped_column(String(100), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    category: Mapped[str] = mapped_column(String(10))
    currency: Mapped[str] = mapped_column(String(3))
    estimated_amount: Mapped[int] = mapped_column(BigInteger)
    items: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    stage: Mapped[str] = mapped_column(String(20))
    method: Mapped[str | None] = mapped_column(String(10))
    tender_ends_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    bids_opened_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    evaluators: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, default=list)
    scores_needed: Mapped[int | None] = mapped_column(Integer)
    awarded_bid_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    awarded_amount: Mapped[int | None] = mapped_column(BigInteger)
    awarded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    contract_signed_on: Mapped[date | None] = mapped_column(Date)
    contract_ends_on: Mapped[date | None] = mapped_column(Date)
    scale_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    shares: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, default=list)
    reservation_transfer_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    paid_amount: Mapped[int | None] = mapped_column(BigInteger)
    payment_transfer_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    paid_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    cancellation_reason: Mapped[str | None] = mapped_column(Text)
    releases: Mapped[int] = mapped_column(Integer, default=0)
    """How many OCDS releases were published: the next one's sequence."""
    handling_code: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ProcurementBid(FinanceBase):
    """A supplier's bid as the lead (the procuring entity) received it: sealed until the bids are opened."""

    __tablename__ = "procurement_bids"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    procurement_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("procurements.id"), index=True)
    partnership_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    supplier_name: Mapped[str] = mapped_column(String(200))
    supplier_scheme: Mapped[str] = mapped_column(String(40))
    supplier_identifier: Mapped[str] = mapped_column(String(100))
    supplier_country_code: Mapped[str] = mapped_column(String(2))
    unit_prices: Mapped[dict[str, int]] = mapped_column(JSONB)
    amount: Mapped[int] = mapped_column(BigInteger)
    handling_code: Mapped[str] = mapped_column(String(80))
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class EvaluatorDeclaration(FinanceBase):
    """An evaluator's declaration of interests in the bidders, made once the bids are opened and before any
    score: a bid it has an interest in is one it may not score."""

    __tablename__ = "procurement_declarations"

    procurement_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("procurements.id"), primary_key=True)
    evaluator_subject: Mapped[str] = mapped_column(String(200), primary_key=True)
    evaluator_country_code: Mapped[str] = mapped_column(String(2))
    partnership_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    interests: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    handling_code: Mapped[str] = mapped_column(String(80))
    declared_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class BidScore(FinanceBase):
    __tablename__ = "procurement_scores"

    bid_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("procurement_bids.id"), primary_key=True)
    evaluator_subject: Mapped[str] = mapped_column(String(200), primary_key=True)
    procurement_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), index=True)
    evaluator_country_code: Mapped[str] = mapped_column(String(2))
    partnership_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    score: Mapped[int] = mapped_column(Integer)
    rationale: Mapped[str] = mapped_column(Text)
    handling_code: Mapped[str] = mapped_column(String(80))
    scored_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ProcurementDelivery(FinanceBase):
    __tablename__ = "procurement_deliveries"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    procurement_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("procurements.id"), index=True)
    partnership_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    delivered_on: Mapped[date] = mapped_column(Date)
    lines: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    value: Mapped[int] = mapped_column(BigInteger)
    note: Mapped[str | None] = mapped_column(Text)
    handling_code: Mapped[str] = mapped_column(String(80))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ProcurementRelease(FinanceBase):
    """An OCDS release as published at a stage change: immutable, the package is their list."""

    __tablename__ = "procurement_releases"

    id: Mapped[str] = mapped_column(String(120), primary_key=True)
    procurement_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("procurements.id"), index=True)
    partnership_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    sequence: Mapped[int] = mapped_column(Integer)
    stage: Mapped[str] = mapped_column(String(20))
    release: Mapped[dict[str, Any]] = mapped_column(JSONB)
    handling_code: Mapped[str] = mapped_column(String(80))
    released_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
