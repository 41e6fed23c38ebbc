"""Events published by the training service on `training.events.v1`."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import ClassVar, Literal

from pydantic import BaseModel, Field

from contracts.envelope import CountryCode, TrainingEvent

ExchangeKind = Literal["exchange_visit", "hub_rotation"]


class ExchangeCompletedV1(TrainingEvent):
    """An officer came back from an exchange visit or a rotation at a regional hub in another country.

    The partners service keeps each country's reciprocity from these: what it hosted against what its
    officers received abroad. One exchange completes once; `exchange_id` identifies it across redeliveries.
    """

    event_type: ClassVar[str] = "training.exchange_completed.v1"
    aggregate: ClassVar[str] = "exchange"

    exchange_id: str = Field(description="Stable id of the exchange (UUID)")
    partnership_id: str = Field(description="The partnership the exchange took place under (UUID)")
    officer_country_code: CountryCode = Field(
        description="ISO 3166-1 alpha-2 code of the country that sent the officer"
    )
    host_country_code: CountryCode = Field(
        description="ISO 3166-1 alpha-2 code of the country (or regional hub's country) that hosted"
    )
    host_agency_id: str | None = Field(default=None, description="The hosting agency (UUID), when one did")
    kind: ExchangeKind
    days: int = Field(ge=1, le=3660, description="Days the officer spent at the host")
    completed_at: datetime


FacilityKind = Literal["classroom", "simulator", "field_site", "virtual_lab"]


class FacilityBookedV1(TrainingEvent):
    """A partner holds a shared facility for a period (no other active booking of it overlaps)."""

    event_type: ClassVar[str] = "training.facility_booked.v1"
    aggregate: ClassVar[str] = "facility"

    facility_id: str
    booking_id: str
    owner_country_code: str
    kind: FacilityKind
    booked_by_agency_id: str
    booked_by_country_code: str
    starts_at: datetime
    ends_at: datetime
    cohort_id: str | None = None
    booked_at: datetime


class FacilityBookingCancelledV1(TrainingEvent):
    """A booking was released; its period is free again."""

    event_type: ClassVar[str] = "training.facility_booking_cancelled.v1"
    aggregate: ClassVar[str] = "facility"

    facility_id: str
    booking_id: str
    cancelled_at: datetime
    cohort_id: str | None = Field(default=None, description="The cohort that had booked it, if any")
    reason: str | None = None


class FacilityUsedV1(TrainingEvent):
    """How a booking was actually used, for finance (facility use is spent from the shared budget)."""

    event_type: ClassVar[str] = "training.facility_used.v1"
    aggregate: ClassVar[str] = "facility"

    facility_id: str
    booking_id: str
    owner_country_code: str
    booked_by_country_code: str
    kind: FacilityKind
    hours: Decimal
    attendees: int
    recorded_at: datetime
    partnership_id: str | None = Field(
        default=None, description="The partnership whose cohort used it: finance prices it from its rate card"
    )
    cohort_id: str | None = None


class CertificationIssuedV1(TrainingEvent):
    """A trainee completed a curriculum and passed its proficiency test: a certification, valid until expiry."""

    event_type: ClassVar[str] = "training.certification_issued.v1"
    aggregate: ClassVar[str] = "certification"

    certification_id: str
    trainee_id: str
    agency_id: str
    country_code: str
    curriculum_ref: str
    competencies: list[str]
    level: int
    issuing_partnership_id: str
    issued_on: date
    expires_on: date
    expires_at: datetime


class CertificationStatusChangedV1(TrainingEvent):
    """A certification was suspended, reinstated (valid again) or revoked (for good)."""

    event_type: ClassVar[str] = "training.certification_status_changed.v1"
    aggregate: ClassVar[str] = "certification"

    certification_id: str
    country_code: str
    status: Literal["valid", "suspended", "revoked"]
    reason: str
    changed_at: datetime


class CertificationRefresherStepV1(TrainingEvent):
    """Ahead of expiry: the holder was reminded, or enrolled in a refresher (CertificationRefresherWorkflow)."""

    event_type: ClassVar[str] = "training.certification_refresher_step.v1"
    aggregate: ClassVar[str] = "certification"

    certification_id: str
    country_code: str
    step: Literal["reminder", "enrolment"]
    expires_at: datetime
    taken_at: datetime


class CertificationRenewedV1(TrainingEvent):
    """The holder completed the refresher: the certification is valid for another period."""

    event_type: ClassVar[str] = "training.certification_renewed.v1"
    aggregate: ClassVar[str] = "certification"

    certification_id: str
    country_code: str
    refresher_completed_on: date
    expires_on: date
    expires_at: datetime


class CertificationExpiredV1(TrainingEvent):
    """The certification reached its expiry without a refresher."""

    event_type: ClassVar[str] = "training.certification_expired.v1"
    aggregate: ClassVar[str] = "certification"

    certification_id: str
    country_code: str
    expired_at: datetime


DeliveryMode = Literal[
    "synchronous_webinar", "asynchronous", "classroom", "virtual_lab", "simulation", "field_exercise"
]
CurriculumContext = Literal["general", "urban", "rural"]


class TaughtCompetencyV1(BaseModel):
    code: str = Field(description="Stable code of the competency framework, e.g. `cf:chain-of-custody`")
    level: int = Field(ge=1, le=10)


class CurriculumModuleV1(BaseModel):
    code: str = Field(description="Stable within the curriculum, e.g. `m1-evidence-intake`")
    title: str
    delivery_mode: DeliveryMode
    competencies: list[TaughtCompetencyV1]
    duration_minutes: int = Field(ge=1)
    prerequisites: list[str] = Field(
        description="Codes of modules of the same version taught before this one"
    )


class CurriculumDiffV1(BaseModel):
    """What a revision changed against the version it replaces."""

    modules_added: list[str] = Field(description="Codes of modules the previous version did not have")
    modules_removed: list[str]
    modules_changed: dict[str, list[str]] = Field(description="Module code → names of its changed fields")
    fields_changed: list[str] = Field(description="Curriculum-level fields that changed (title, language)")


class CurriculumSubmittedV1(TrainingEvent):
    """A curriculum draft was put to the partnership's oversight body.

    The partners service opens a `curriculum_approval` decision with `subject` as its subject; the decision's
    `partners.decision_closed.v1` (carrying the same subject) approves or rejects this version.
    """

    event_type: ClassVar[str] = "training.curriculum_submitted.v1"
    aggregate: ClassVar[str] = "curriculum"

    curriculum_id: str
    version_id: str
    version: int = Field(ge=1)
    partnership_id: str
    code: str
    title: str
    language: str = Field(description="BCP 47 tag, e.g. `fr` or `pt-BR`")
    subject: str = Field(description="`training:curriculum-version:<version_id>`")
    reason: str | None = Field(default=None, description="Why it changes (every revision has one)")
    decide_by: datetime
    submitted_by_country_code: CountryCode
    submitted_at: datetime


class CurriculumApprovedV1(TrainingEvent):
    """The oversight body approved a curriculum's first version: it is immutable and cohorts may use it."""

    event_type: ClassVar[str] = "training.curriculum_approved.v1"
    aggregate: ClassVar[str] = "curriculum"

    curriculum_id: str
    version_id: str
    version: int = Field(ge=1)
    partnership_id: str
    code: str
    title: str
    language: str
    context: CurriculumContext
    context_country_code: str | None = None
    variant_of: str | None = Field(default=None, description="The curriculum this one adapts, if a variant")
    modules: list[CurriculumModuleV1]
    decision_id: str
    approved_at: datetime


class CurriculumRevisedV1(TrainingEvent):
    """A revision (a new version, with its reason and its difference to the previous one) was approved."""

    event_type: ClassVar[str] = "training.curriculum_revised.v1"
    aggregate: ClassVar[str] = "curriculum"

    curriculum_id: str
    version_id: str
    version: int = Field(ge=2)
    previous_version: int = Field(ge=1)
    partnership_id: str
    code: str
    title: str
    language: str
    modules: list[CurriculumModuleV1]
    reason: str
    diff: CurriculumDiffV1
    decision_id: str
    approved_at: datetime


class CurriculumRejectedV1(TrainingEvent):
    """The oversight body did not approve a submitted version (rejected, vetoed or expired)."""

    event_type: ClassVar[str] = "training.curriculum_rejected.v1"
    aggregate: ClassVar[str] = "curriculum"

    curriculum_id: str
    version_id: str
    version: int = Field(ge=1)
    partnership_id: str
    outcome: Literal["rejected", "vetoed", "expired"]
    decision_id: str
    decided_at: datetime


class CohortSeatsV1(BaseModel):
    country_code: CountryCode
    seats: int = Field(ge=0)


class CohortScheduledV1(TrainingEvent):
    """A cohort of an approved curriculum version was scheduled, its seats shared among the partner countries."""

    event_type: ClassVar[str] = "training.cohort_scheduled.v1"
    aggregate: ClassVar[str] = "cohort"

    cohort_id: str
    partnership_id: str
    curriculum_id: str
    curriculum_version: int = Field(ge=1)
    organiser_country_code: CountryCode
    facility_id: str | None = Field(default=None, description="Null for a remote cohort")
    starts_at: datetime
    ends_at: datetime
    language: str
    seats: list[CohortSeatsV1]
    scheduled_at: datetime


EnrollmentStatus = Literal["nominated", "enrolled", "waitlisted", "rejected", "withdrawn"]


class EnrollmentChangedV1(TrainingEvent):
    """A nomination moved: nominated, enrolled (a seat), waitlisted, rejected by the national coordination unit,
    or withdrawn. A withdrawal from a seat may enrol the next waitlisted trainee of the same country."""

    event_type: ClassVar[str] = "training.enrollment_changed.v1"
    aggregate: ClassVar[str] = "cohort"

    cohort_id: str
    nomination_id: str
    trainee_id: str = Field(description="The officer's id in their agency (no name: the event is shared)")
    agency_id: str
    country_code: CountryCode
    status: EnrollmentStatus
    previous_status: EnrollmentStatus | None = None
    reason: str | None = None
    changed_at: datetime


class CohortStatusChangedV1(TrainingEvent):
    """A cohort was paused (e.g. an incident in its facility), resumed, cancelled or completed."""

    event_type: ClassVar[str] = "training.cohort_status_changed.v1"
    aggregate: ClassVar[str] = "cohort"

    cohort_id: str
    partnership_id: str
    status: Literal["scheduled", "paused", "cancelled", "completed"]
    previous_status: Literal["scheduled", "paused", "cancelled", "completed"]
    reason: str | None = None
    changed_at: datetime


class ModuleCompletedV1(TrainingEvent):
    """An enrolled trainee completed a module of their cohort (first completion only), as their learning
    platform reported it; the assessment service reads the results."""

    event_type: ClassVar[str] = "training.module_completed.v1"
    aggregate: ClassVar[str] = "cohort"

    cohort_id: str
    nomination_id: str
    trainee_id: str
    country_code: CountryCode
    curriculum_id: str
    curriculum_version: int = Field(ge=1)
    module_code: str
    passed: bool | None = Field(default=None, description="Null when the module has no pass mark")
    score: float | None = Field(default=None, ge=-1, le=1, description="Best scaled score, if scored")
    minutes_spent: int = Field(ge=0)
    completed_at: datetime


class CertificationRecognisedV1(TrainingEvent):
    """A partner country recognises a certification of another country under their recognition agreement."""

    event_type: ClassVar[str] = "training.certification_recognised.v1"
    aggregate: ClassVar[str] = "certification"

    recognition_id: str
    agreement_id: str
    certification_id: str
    issuing_country_code: CountryCode
    recognising_country_code: CountryCode
    competencies: list[str]
    level: int
    expires_on: date
    recognised_at: datetime


RecognitionEnd = Literal["certification_revoked", "certification_expired", "agreement_ended", "withdrawn"]


class RecognitionRevokedV1(TrainingEvent):
    """A recognition ended: its certification was revoked or expired, its agreement ended, or it was withdrawn."""

    event_type: ClassVar[str] = "training.recognition_revoked.v1"
    aggregate: ClassVar[str] = "certification"

    recognition_id: str
    agreement_id: str
    certification_id: str
    issuing_country_code: CountryCode
    recognising_country_code: CountryCode
    cause: RecognitionEnd
    revoked_at: datetime


class InstructorAssignmentDeliveredV1(TrainingEvent):
    """A cohort completed with this instructor assigned: the teaching was delivered (finance makes the stipend
    payable, priced per role and day)."""

    event_type: ClassVar[str] = "training.instructor_assignment_delivered.v1"
    aggregate: ClassVar[str] = "cohort"

    assignment_id: str
    cohort_id: str
    partnership_id: str
    instructor_id: str = Field(description="An id only: the event is shared, the name stays in training")
    instructor_country_code: CountryCode
    organiser_country_code: CountryCode
    role: Literal["lead", "co"]
    days: int = Field(ge=1, description="Calendar days of the assignment's period, started days counted")
    delivered_at: datetime


class TraineeAttendedV1(TrainingEvent):
    """A cohort completed with this trainee enrolled: finance owes a trainee who travelled (the venue is in
    another country) a travel and subsistence allowance."""

    event_type: ClassVar[str] = "training.trainee_attended.v1"
    aggregate: ClassVar[str] = "cohort"

    nomination_id: str
    cohort_id: str
    partnership_id: str
    trainee_id: str = Field(description="The officer's id in their agency (no name: the event is shared)")
    trainee_country_code: CountryCode
    venue_country_code: CountryCode = Field(
        description="Where the cohort met: its facility's host, else the organiser's country"
    )
    days: int = Field(ge=1, description="Calendar days of the cohort, started days counted")
    attended_at: datetime


class CohortSeatsReleasedV1(TrainingEvent):
    """A partner's seat pledge lapsed or shrank: in a cohort starting after it, the country's unfilled seats were
    released (its enrolled trainees keep theirs; its trainees waiting were told no seat will come)."""

    event_type: ClassVar[str] = "training.cohort_seats_released.v1"
    aggregate: ClassVar[str] = "cohort"

    cohort_id: str
    partnership_id: str
    country_code: CountryCode
    commitment_id: str
    released: int = Field(ge=0, description="Seats given up (none when its trainees fill them all)")
    seats: int = Field(ge=0, description="The country's seats in the cohort now")
    waitlist_closed: int = Field(ge=0, description="Its trainees who were waiting for a seat")
    released_at: datetime
