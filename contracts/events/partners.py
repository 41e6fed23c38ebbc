"""Events published by the partners service on `partners.events.v1`."""

from __future__ import annotations

from datetime import date, datetime
from typing import ClassVar, Literal

from pydantic import BaseModel, Field

from contracts.envelope import Event

AgencyType = Literal["police", "customs", "prosecution", "justice", "border_guard", "other"]


class AgencyRegisteredV1(Event):
    """A country's agency joined the backbone and may take part in partnerships."""

    event_type: ClassVar[str] = "partners.agency_registered.v1"
    topic: ClassVar[str] = "partners.events.v1"
    aggregate: ClassVar[str] = "agency"

    agency_id: str = Field(description="Stable id of the agency (UUID)")
    country_code: str = Field(
        description="ISO 3166-1 alpha-2 code of the agency's country", pattern="^[A-Z]{2}$"
    )
    country_name: str
    name: str
    agency_type: AgencyType
    mandate: str | None = None
    is_national_coordination_unit: bool = False
    registered_at: datetime


class AgencyActivatedV1(Event):
    """The national coordination unit confirmed the agency during onboarding; it is now active."""

    event_type: ClassVar[str] = "partners.agency_activated.v1"
    topic: ClassVar[str] = "partners.events.v1"
    aggregate: ClassVar[str] = "agency"

    agency_id: str
    country_code: str = Field(pattern="^[A-Z]{2}$")
    confirmed_by: str
    activated_at: datetime


class AgencyOnboardingLapsedV1(Event):
    """Nobody confirmed the agency before the onboarding deadline; it stays inactive."""

    event_type: ClassVar[str] = "partners.agency_onboarding_lapsed.v1"
    topic: ClassVar[str] = "partners.events.v1"
    aggregate: ClassVar[str] = "agency"

    agency_id: str
    country_code: str = Field(pattern="^[A-Z]{2}$")
    lapsed_at: datetime


PartnershipRole = Literal["lead", "member", "host", "observer"]
OversightRole = Literal["diplomat", "senior_police_official", "justice_ministry_representative"]
DecisionKind = Literal["phase_gate", "budget", "curriculum_approval", "dispute_resolution"]


class PartnershipMemberV1(BaseModel):
    agency_id: str
    country_code: str = Field(pattern="^[A-Z]{2}$")
    role: PartnershipRole


class PartnershipRegisteredV1(Event):
    """Partners agreed (treaty or MoU) to run a training programme together; it starts in familiarization."""

    event_type: ClassVar[str] = "partners.partnership_registered.v1"
    topic: ClassVar[str] = "partners.events.v1"
    aggregate: ClassVar[str] = "partnership"

    partnership_id: str
    name: str
    phase: str
    agreement_kind: Literal["treaty", "mou"]
    agreement_reference: str
    agreement_starts_on: date
    agreement_ends_on: date
    members: list[PartnershipMemberV1]
    registered_at: datetime


class OversightMemberAddedV1(Event):
    """A member country appointed someone to the partnership's oversight body."""

    event_type: ClassVar[str] = "partners.oversight_member_added.v1"
    topic: ClassVar[str] = "partners.events.v1"
    aggregate: ClassVar[str] = "partnership"

    partnership_id: str
    member_id: str
    country_code: str = Field(pattern="^[A-Z]{2}$")
    role: OversightRole
    holds_veto: bool
    added_at: datetime


class DecisionOpenedV1(Event):
    """A proposal was put to the oversight body; votes are counted until it closes or its due time."""

    event_type: ClassVar[str] = "partners.decision_opened.v1"
    topic: ClassVar[str] = "partners.events.v1"
    aggregate: ClassVar[str] = "partnership"

    partnership_id: str
    decision_id: str
    kind: DecisionKind
    title: str
    due_at: datetime
    opened_at: datetime


class VoteCastV1(Event):
    """A member of the oversight body voted on an open decision."""

    event_type: ClassVar[str] = "partners.vote_cast.v1"
    topic: ClassVar[str] = "partners.events.v1"
    aggregate: ClassVar[str] = "partnership"

    partnership_id: str
    decision_id: str
    member_id: str
    country_code: str = Field(pattern="^[A-Z]{2}$")
    choice: Literal["approve", "reject", "abstain"]
    reason: str | None = None
    cast_at: datetime


class DecisionClosedV1(Event):
    """The decision reached its outcome: approved, rejected, vetoed or expired."""

    event_type: ClassVar[str] = "partners.decision_closed.v1"
    topic: ClassVar[str] = "partners.events.v1"
    aggregate: ClassVar[str] = "partnership"

    partnership_id: str
    decision_id: str
    kind: DecisionKind
    outcome: Literal["approved", "rejected", "vetoed", "expired"]
    approvals: int
    rejections: int
    abstentions: int
    vetoed_by: str | None = None
    closed_at: datetime


Phase = Literal["familiarization", "co_design", "exercises", "sustainment"]


class PartnershipPhaseAdvancedV1(Event):
    """The oversight body approved the gate: the partnership moved to its next phase."""

    event_type: ClassVar[str] = "partners.partnership_phase_advanced.v1"
    topic: ClassVar[str] = "partners.events.v1"
    aggregate: ClassVar[str] = "partnership"

    partnership_id: str
    from_phase: Phase
    to_phase: Phase
    decision_id: str
    advanced_at: datetime


class DecisionReminderSentV1(Event):
    """Members who have not voted are reminded (or, on escalation, the whole body is alerted)."""

    event_type: ClassVar[str] = "partners.decision_reminder_sent.v1"
    topic: ClassVar[str] = "partners.events.v1"
    aggregate: ClassVar[str] = "partnership"

    partnership_id: str
    decision_id: str
    kind: Literal["reminder", "escalation"]
    member_ids: list[str]
    due_at: datetime
    sent_at: datetime


class CapacityProfileRecordedV1(Event):
    """An agency's capacity in a competency was mapped (or re-assessed) against its target."""

    event_type: ClassVar[str] = "partners.capacity_profile_recorded.v1"
    topic: ClassVar[str] = "partners.events.v1"
    aggregate: ClassVar[str] = "agency"

    agency_id: str
    country_code: str = Field(pattern="^[A-Z]{2}$")
    competency: str
    current_level: int = Field(ge=0, le=5)
    target_level: int = Field(ge=0, le=5)
    gap: int
    recorded_at: datetime
