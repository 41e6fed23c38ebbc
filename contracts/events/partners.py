"""Events published by the partners service on `partners.events.v1`."""

from __future__ import annotations

from datetime import date, datetime
from typing import ClassVar, Literal

from pydantic import BaseModel, Field

from contracts.envelope import CountryCode, PartnersEvent

AgencyType = Literal["police", "customs", "prosecution", "justice", "border_guard", "other"]


class AgencyRegisteredV1(PartnersEvent):
    """A country's agency joined the backbone and may take part in partnerships."""

    event_type: ClassVar[str] = "partners.agency_registered.v1"
    aggregate: ClassVar[str] = "agency"

    agency_id: str = Field(description="Stable id of the agency (UUID)")
    country_code: CountryCode = Field(description="ISO 3166-1 alpha-2 code of the agency's country")
    country_name: str
    name: str
    agency_type: AgencyType
    mandate: str | None = None
    is_national_coordination_unit: bool = False
    registered_at: datetime


class AgencyActivatedV1(PartnersEvent):
    """The national coordination unit confirmed the agency during onboarding; it is now active."""

    event_type: ClassVar[str] = "partners.agency_activated.v1"
    aggregate: ClassVar[str] = "agency"

    agency_id: str
    country_code: CountryCode
    confirmed_by: str
    activated_at: datetime


class AgencyOnboardingLapsedV1(PartnersEvent):
    """Nobody confirmed the agency before the onboarding deadline; it stays inactive."""

    event_type: ClassVar[str] = "partners.agency_onboarding_lapsed.v1"
    aggregate: ClassVar[str] = "agency"

    agency_id: str
    country_code: CountryCode
    lapsed_at: datetime


PartnershipRole = Literal["lead", "member", "host", "observer"]
OversightRole = Literal["diplomat", "senior_police_official", "justice_ministry_representative"]
DecisionKind = Literal["phase_gate", "budget", "curriculum_approval", "dispute_resolution"]


class PartnershipMemberV1(BaseModel):
    agency_id: str
    country_code: CountryCode
    role: PartnershipRole


class PartnershipRegisteredV1(PartnersEvent):
    """Partners agreed (treaty or MoU) to run a training programme together; it starts in familiarization."""

    event_type: ClassVar[str] = "partners.partnership_registered.v1"
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


class OversightMemberAddedV1(PartnersEvent):
    """A member country appointed someone to the partnership's oversight body."""

    event_type: ClassVar[str] = "partners.oversight_member_added.v1"
    aggregate: ClassVar[str] = "partnership"

    partnership_id: str
    member_id: str
    country_code: CountryCode
    role: OversightRole
    holds_veto: bool
    added_at: datetime


class DecisionOpenedV1(PartnersEvent):
    """A proposal was put to the oversight body; votes are counted until it closes or its due time."""

    event_type: ClassVar[str] = "partners.decision_opened.v1"
    aggregate: ClassVar[str] = "partnership"

    partnership_id: str
    decision_id: str
    kind: DecisionKind
    title: str
    due_at: datetime
    opened_at: datetime
    subject: str | None = Field(
        default=None,
        description="What the decision is about, when another service asked for it (e.g. "
        "`training:curriculum-version:<uuid>`); that service acts on the outcome",
    )


class VoteCastV1(PartnersEvent):
    """A member of the oversight body voted on an open decision."""

    event_type: ClassVar[str] = "partners.vote_cast.v1"
    aggregate: ClassVar[str] = "partnership"

    partnership_id: str
    decision_id: str
    member_id: str
    country_code: CountryCode
    choice: Literal["approve", "reject", "abstain"]
    reason: str | None = None
    cast_at: datetime


class DecisionClosedV1(PartnersEvent):
    """The decision reached its outcome: approved, rejected, vetoed or expired."""

    event_type: ClassVar[str] = "partners.decision_closed.v1"
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
    subject: str | None = Field(
        default=None,
        description="What the decision is about, when another service asked for it (e.g. "
        "`training:curriculum-version:<uuid>`); that service acts on the outcome",
    )


Phase = Literal["familiarization", "co_design", "exercises", "sustainment"]


class PartnershipPhaseAdvancedV1(PartnersEvent):
    """The oversight body approved the gate: the partnership moved to its next phase."""

    event_type: ClassVar[str] = "partners.partnership_phase_advanced.v1"
    aggregate: ClassVar[str] = "partnership"

    partnership_id: str
    from_phase: Phase
    to_phase: Phase
    decision_id: str
    advanced_at: datetime


class PartnershipMemberAddedV1(PartnersEvent):
    """The partnership was amended: an agency (possibly of a new member country) joined it mid-phase."""

    event_type: ClassVar[str] = "partners.partnership_member_added.v1"
    aggregate: ClassVar[str] = "partnership"

    partnership_id: str
    agency_id: str
    country_code: CountryCode
    role: PartnershipRole
    new_country: bool = Field(description="The agency's country was not a member before")
    phase: Phase = Field(description="The phase the partnership was in when it was amended")
    reason: str | None = None
    joined_at: datetime


class PartnershipMemberRemovedV1(PartnersEvent):
    """An agency's membership ended (it left, or the lead ended it). When it was its country's last agency in the
    partnership, the country is no longer a member: every service ends its access to the partnership's records."""

    event_type: ClassVar[str] = "partners.partnership_member_removed.v1"
    aggregate: ClassVar[str] = "partnership"

    partnership_id: str
    agency_id: str
    country_code: CountryCode
    role: PartnershipRole
    country_left: bool = Field(description="No other agency of the country remains a member")
    seats_ended: int = Field(ge=0, description="The country's oversight seats that ended with it")
    reason: str
    ended_by: CountryCode = Field(description="The country that ended it: the agency's own, or the lead")
    left_at: datetime


class DecisionReminderSentV1(PartnersEvent):
    """Members who have not voted are reminded (or, on escalation, the whole body is alerted)."""

    event_type: ClassVar[str] = "partners.decision_reminder_sent.v1"
    aggregate: ClassVar[str] = "partnership"

    partnership_id: str
    decision_id: str
    kind: Literal["reminder", "escalation"]
    member_ids: list[str]
    due_at: datetime
    sent_at: datetime


class CapacityProfileRecordedV1(PartnersEvent):
    """An agency's capacity in a competency was mapped (or re-assessed) against its target."""

    event_type: ClassVar[str] = "partners.capacity_profile_recorded.v1"
    aggregate: ClassVar[str] = "agency"

    agency_id: str
    country_code: CountryCode
    competency: str
    current_level: int = Field(ge=0, le=5)
    target_level: int = Field(ge=0, le=5)
    gap: int
    recorded_at: datetime


class AgencyContactAddedV1(PartnersEvent):
    """Someone at an agency became one of its contacts for partnership work.

    Carries the contact's name and function only: e-mail, phone and languages stay in the partners service
    (personal data does not travel on the event stream).
    """

    event_type: ClassVar[str] = "partners.agency_contact_added.v1"
    aggregate: ClassVar[str] = "agency"

    agency_id: str
    contact_id: str
    country_code: CountryCode
    name: str
    function: str = Field(description="Function or title at the agency, e.g. 'Head of cyber forensics'")
    is_primary: bool
    is_national_coordination_contact: bool
    added_at: datetime


class AgencyContactUpdatedV1(PartnersEvent):
    """A contact's name, function or roles changed (contact details are not part of the event)."""

    event_type: ClassVar[str] = "partners.agency_contact_updated.v1"
    aggregate: ClassVar[str] = "agency"

    agency_id: str
    contact_id: str
    country_code: CountryCode
    name: str
    function: str
    is_primary: bool
    is_national_coordination_contact: bool
    changed: list[str] = Field(description="Names of the fields that changed, contact details included")
    updated_at: datetime


class AgencyContactRemovedV1(PartnersEvent):
    """A contact no longer represents the agency; their contact details were erased."""

    event_type: ClassVar[str] = "partners.agency_contact_removed.v1"
    aggregate: ClassVar[str] = "agency"

    agency_id: str
    contact_id: str
    country_code: CountryCode
    removed_at: datetime


EndorserKind = Literal["regional_body", "international_organisation"]
EndorsementSubjectKind = Literal["partnership", "standard", "curriculum"]


class EndorsementGrantedV1(PartnersEvent):
    """A regional body or an international organisation endorsed a partnership, a standard or a curriculum.

    For a partnership `subject_id` is the partnership's id; for a standard or a curriculum it is the training
    service's reference, e.g. `competency-framework:2026.1`.
    """

    event_type: ClassVar[str] = "partners.endorsement_granted.v1"
    aggregate: ClassVar[str] = "endorsement"

    endorsement_id: str
    endorser_name: str
    endorser_kind: EndorserKind
    subject_kind: EndorsementSubjectKind
    subject_id: str
    scope: str
    endorsed_on: date
    granted_at: datetime


class EndorsementWithdrawnV1(PartnersEvent):
    """The endorser withdrew its endorsement, with a reason."""

    event_type: ClassVar[str] = "partners.endorsement_withdrawn.v1"
    aggregate: ClassVar[str] = "endorsement"

    endorsement_id: str
    endorser_name: str
    subject_kind: EndorsementSubjectKind
    subject_id: str
    reason: str
    withdrawn_at: datetime


DisputeSubjectKind = Literal["allocation", "decision"]


class DisputeRaisedV1(PartnersEvent):
    """A member agency disputes an allocation or a decision of the partnership."""

    event_type: ClassVar[str] = "partners.dispute_raised.v1"
    aggregate: ClassVar[str] = "partnership"

    partnership_id: str
    dispute_id: str
    raised_by_agency_id: str
    raised_by_country_code: CountryCode
    subject_kind: DisputeSubjectKind
    subject_ref: str = Field(description="For a decision its id; for an allocation a free reference")
    statement: str
    raised_at: datetime


class DisputeCommentedV1(PartnersEvent):
    """A member agency added to the discussion of a dispute."""

    event_type: ClassVar[str] = "partners.dispute_commented.v1"
    aggregate: ClassVar[str] = "partnership"

    partnership_id: str
    dispute_id: str
    comment_id: str
    agency_id: str
    country_code: CountryCode
    author: str
    body: str
    commented_at: datetime


class DisputeResolutionOpenedV1(PartnersEvent):
    """The dispute was put to the oversight body as a `dispute_resolution` decision."""

    event_type: ClassVar[str] = "partners.dispute_resolution_opened.v1"
    aggregate: ClassVar[str] = "partnership"

    partnership_id: str
    dispute_id: str
    decision_id: str
    due_at: datetime
    opened_at: datetime


class DisputeResolvedV1(PartnersEvent):
    """The oversight body approved the resolution: the dispute is settled."""

    event_type: ClassVar[str] = "partners.dispute_resolved.v1"
    aggregate: ClassVar[str] = "partnership"

    partnership_id: str
    dispute_id: str
    decision_id: str
    resolved_at: datetime


class DisputeReopenedV1(PartnersEvent):
    """The resolution decision was rejected, vetoed or expired: the dispute is open again."""

    event_type: ClassVar[str] = "partners.dispute_reopened.v1"
    aggregate: ClassVar[str] = "partnership"

    partnership_id: str
    dispute_id: str
    decision_id: str
    outcome: Literal["rejected", "vetoed", "expired"]
    reopened_at: datetime


class HandlingChangedV1(PartnersEvent):
    """An originator changed who may see one of its records; announced to everyone who could see it before or
    can see it now."""

    event_type: ClassVar[str] = "partners.handling_changed.v1"
    aggregate: ClassVar[str] = "object"  # keyed by the re-coded record, whatever its kind

    object_type: Literal["dispute", "capacity_profile"]
    object_id: str
    partnership_id: str | None = None
    agency_id: str | None = None
    originator_country_code: str
    previous_code: str
    new_code: str
    reason: str
    changed_at: datetime
