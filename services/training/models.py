"""Tables of the training service."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Boolean, Date, DateTime, ForeignKey, Integer, Numeric, String, Text
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, TSTZRANGE, UUID, Range
from sqlalchemy.orm import Mapped, mapped_column

from backbone.db import Base
from services.kernel.partnership_members import PartnershipMembers


class TrainingBase(Base):
    __abstract__ = True


class Facility(TrainingBase):
    """A classroom, simulator, field site or virtual lab owned by a partner agency and shared with countries."""

    __tablename__ = "facilities"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    owner_agency_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    owner_country_code: Mapped[str] = mapped_column(String(2))
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))
    location: Mapped[str] = mapped_column(String(300))
    capacity: Mapped[int] = mapped_column(Integer)
    time_zone: Mapped[str] = mapped_column(String(60))
    shared_with: Mapped[list[str]] = mapped_column(ARRAY(String(2)), default=list)
    registered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class FacilityBooking(TrainingBase):
    """A facility held for a period (never two active bookings of one facility overlapping: the database says)."""

    __tablename__ = "facility_bookings"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    facility_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("facilities.id"))
    period: Mapped[Range[datetime]] = mapped_column(TSTZRANGE)
    purpose: Mapped[str] = mapped_column(String(300))
    cohort_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    booked_by_agency_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    booked_by_country_code: Mapped[str] = mapped_column(String(2))
    status: Mapped[str] = mapped_column(String(20), default="active")
    booked_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    cancelled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    used_hours: Mapped[Decimal | None] = mapped_column(Numeric(8, 2))
    attendees: Mapped[int | None] = mapped_column(Integer)
    usage_recorded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Certification(TrainingBase):
    """Awarded on a completed curriculum and a passed assessment; expires, may be suspended or revoked."""

    __tablename__ = "certifications"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    trainee_id: Mapped[str] = mapped_column(String(100))
    trainee_name: Mapped[str] = mapped_column(String(200))
    trainee_subject: Mapped[str | None] = mapped_column(String(200))
    """The holder's account at the identity provider, when the issuer named it."""
    agency_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    country_code: Mapped[str] = mapped_column(String(2))
    curriculum_ref: Mapped[str] = mapped_column(String(200))
    competencies: Mapped[list[str]] = mapped_column(ARRAY(String(100)))
    level: Mapped[int] = mapped_column(Integer)
    issuing_partnership_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    score: Mapped[Decimal] = mapped_column(Numeric(6, 2))
    assessment_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    """The assessment it was issued on (none for those issued before assessments were contracted)."""
    issued_on: Mapped[date] = mapped_column(Date)
    expires_on: Mapped[date] = mapped_column(Date)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    time_zone: Mapped[str] = mapped_column(String(60))
    status: Mapped[str] = mapped_column(String(20))
    status_reason: Mapped[str | None] = mapped_column(Text)
    status_changed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    issued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    validity_months: Mapped[int] = mapped_column(Integer, default=36)
    refresher_state: Mapped[str] = mapped_column(String(20), default="none")
    reminded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    enrolled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    renewals: Mapped[int] = mapped_column(Integer, default=0)
    expired_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ExchangeVisit(TrainingBase):
    """An officer's rotation to another country's programme or a regional hub; its completion feeds reciprocity."""

    __tablename__ = "exchange_visits"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    partnership_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    officer_id: Mapped[str] = mapped_column(String(100))
    officer_agency_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    officer_country_code: Mapped[str] = mapped_column(String(2))
    host_agency_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    host_country_code: Mapped[str] = mapped_column(String(2))
    kind: Mapped[str] = mapped_column(String(20))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20))
    planned_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Competency(TrainingBase):
    """One version of a competency of the framework; a change is a new version, the old ones stay."""

    __tablename__ = "competencies"

    code: Mapped[str] = mapped_column(String(100), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    levels: Mapped[int] = mapped_column(Integer)
    framework_version: Mapped[str] = mapped_column(String(40))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class KnownPartnership(PartnershipMembers, TrainingBase):
    """Read model of the partners service's partnerships: who is a member, who leads."""


class Curriculum(TrainingBase):
    """A curriculum co-designed by a partnership; its content lives in versions. A variant adapts another
    curriculum to a local context (urban, rural, a country) or a language, and is approved on its own."""

    __tablename__ = "curricula"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    partnership_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), index=True)
    code: Mapped[str] = mapped_column(String(80))
    language: Mapped[str] = mapped_column(String(20))
    context: Mapped[str] = mapped_column(String(10))
    context_country_code: Mapped[str | None] = mapped_column(String(2))
    variant_of_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("curricula.id"))
    drafting_agency_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    drafting_country_code: Mapped[str] = mapped_column(String(2))
    countries: Mapped[list[str]] = mapped_column(ARRAY(String(2)))
    """The partnership's member countries: who sees and discusses it (kept current from partners events)."""
    current_version: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class CurriculumVersion(TrainingBase):
    """One version: a draft while discussed, then submitted, then approved (immutable, a trigger sees to it)
    or rejected. A revision is a later version with its reason and its difference to the approved one."""

    __tablename__ = "curriculum_versions"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    curriculum_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("curricula.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(12))
    title: Mapped[str] = mapped_column(String(300))
    language: Mapped[str] = mapped_column(String(20))
    modules: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    reason: Mapped[str | None] = mapped_column(Text)
    diff: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    submission_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True), unique=True)
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decide_by: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decision_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class CurriculumProposal(TrainingBase):
    """A member agency's proposed change to a draft: add, replace or remove a module."""

    __tablename__ = "curriculum_proposals"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    version_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("curriculum_versions.id"), index=True)
    agency_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    country_code: Mapped[str] = mapped_column(String(2))
    author: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text)
    change: Mapped[dict[str, Any]] = mapped_column(JSONB)
    status: Mapped[str] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    settled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    settled_reason: Mapped[str | None] = mapped_column(Text)


class CurriculumComment(TrainingBase):
    __tablename__ = "curriculum_comments"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    version_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("curriculum_versions.id"), index=True)
    proposal_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("curriculum_proposals.id"))
    agency_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    country_code: Mapped[str] = mapped_column(String(2))
    author: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Cohort(TrainingBase):
    """A run of an approved curriculum version: at a facility (booked with it) or remote, for dates, in a
    language, with its seats shared among the partner countries from their seat commitments."""

    __tablename__ = "cohorts"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    partnership_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), index=True)
    curriculum_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("curricula.id"))
    curriculum_version_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("curriculum_versions.id"))
    organiser_agency_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    organiser_country_code: Mapped[str] = mapped_column(String(2))
    facility_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("facilities.id"))
    booking_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("facility_bookings.id"))
    starts_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ends_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    language: Mapped[str] = mapped_column(String(20))
    capacity: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(12))
    status_reason: Mapped[str | None] = mapped_column(Text)
    paused_by_incident: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    """The incident that paused it, which resumes it when resolved (a pause by hand waits for a hand)."""
    countries: Mapped[list[str]] = mapped_column(ARRAY(String(2)))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class CohortSeats(TrainingBase):
    """A country's share of a cohort; its counters change only under this row's lock."""

    __tablename__ = "cohort_seats"

    cohort_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cohorts.id"), primary_key=True)
    country_code: Mapped[str] = mapped_column(String(2), primary_key=True)
    seats: Mapped[int] = mapped_column(Integer)
    enrolled: Mapped[int] = mapped_column(Integer, default=0)
    waitlisted: Mapped[int] = mapped_column(Integer, default=0)


class Nomination(TrainingBase):
    """An agency nominates an officer; the country's national coordination unit approves (a seat, or the
    waiting list) or rejects; the nominating country may withdraw."""

    __tablename__ = "nominations"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    cohort_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cohorts.id"), index=True)
    trainee_id: Mapped[str] = mapped_column(String(100))
    trainee_name: Mapped[str] = mapped_column(String(200))
    trainee_subject: Mapped[str | None] = mapped_column(String(200))
    agency_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    country_code: Mapped[str] = mapped_column(String(2))
    organiser_country_code: Mapped[str] = mapped_column(String(2))
    status: Mapped[str] = mapped_column(String(12))
    status_reason: Mapped[str | None] = mapped_column(Text)
    nominated_by: Mapped[str] = mapped_column(String(200))
    nominated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    decided_by: Mapped[str | None] = mapped_column(String(200))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Accommodation(TrainingBase):
    """Captioning, translation, disability access...: requested for a trainee, confirmed by the organiser."""

    __tablename__ = "accommodations"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    nomination_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("nominations.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    detail: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10))
    note: Mapped[str | None] = mapped_column(Text)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class LearningStatement(TrainingBase):
    """An xAPI statement as received (kept whole), tied to the enrollment it reports on."""

    __tablename__ = "learning_statements"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    cohort_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cohorts.id"), index=True)
    nomination_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("nominations.id"), index=True)
    country_code: Mapped[str] = mapped_column(String(2))
    organiser_country_code: Mapped[str] = mapped_column(String(2))
    module_code: Mapped[str] = mapped_column(String(60))
    verb: Mapped[str] = mapped_column(String(12))
    score: Mapped[Decimal | None] = mapped_column(Numeric(5, 4))
    success: Mapped[bool | None] = mapped_column(Boolean)
    seconds: Mapped[int | None] = mapped_column(Integer)
    timestamp: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    statement: Mapped[dict[str, Any]] = mapped_column(JSONB)
    reported_by: Mapped[str] = mapped_column(String(200))
    stored_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ModuleProgress(TrainingBase):
    """Where an enrolled trainee stands in one module, folded from their statements."""

    __tablename__ = "module_progress"

    nomination_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("nominations.id"), primary_key=True)
    module_code: Mapped[str] = mapped_column(String(60), primary_key=True)
    cohort_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cohorts.id"), index=True)
    country_code: Mapped[str] = mapped_column(String(2))
    organiser_country_code: Mapped[str] = mapped_column(String(2))
    status: Mapped[str] = mapped_column(String(12))
    attempts: Mapped[int] = mapped_column(Integer)
    best_score: Mapped[Decimal | None] = mapped_column(Numeric(5, 4))
    seconds: Mapped[int] = mapped_column(Integer)
    first_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Instructor(TrainingBase):
    """A subject-matter instructor of a partner agency, shared with the countries it names."""

    __tablename__ = "instructors"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    agency_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    country_code: Mapped[str] = mapped_column(String(2))
    person_id: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(200))
    qualifications: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    languages: Mapped[list[str]] = mapped_column(ARRAY(String(20)))
    teaching_skills: Mapped[list[str]] = mapped_column(ARRAY(String(40)))
    shared_with: Mapped[list[str]] = mapped_column(ARRAY(String(2)))
    status: Mapped[str] = mapped_column(String(10))
    source: Mapped[str] = mapped_column(String(20))
    certification_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("certifications.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    activated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class InstructorAvailability(TrainingBase):
    __tablename__ = "instructor_availability"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    instructor_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("instructors.id"), index=True)
    period: Mapped[Range[datetime]] = mapped_column(TSTZRANGE)
    note: Mapped[str | None] = mapped_column(Text)


class InstructorAssignment(TrainingBase):
    """An instructor teaching a cohort for its period; never two active ones overlapping (an exclusion
    constraint in PostgreSQL)."""

    __tablename__ = "instructor_assignments"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    instructor_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("instructors.id"), index=True)
    cohort_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cohorts.id"), index=True)
    instructor_country_code: Mapped[str] = mapped_column(String(2))
    organiser_country_code: Mapped[str] = mapped_column(String(2))
    period: Mapped[Range[datetime]] = mapped_column(TSTZRANGE)
    role: Mapped[str] = mapped_column(String(4))
    status: Mapped[str] = mapped_column(String(10))
    assigned_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    released_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class RecognitionAgreement(TrainingBase):
    """A country's standing consent to recognise another country's certifications (all, or some competencies)."""

    __tablename__ = "recognition_agreements"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    partnership_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    recognising_country_code: Mapped[str] = mapped_column(String(2))
    issuing_country_code: Mapped[str] = mapped_column(String(2))
    competencies: Mapped[list[str]] = mapped_column(ARRAY(String(100)))
    """Empty: every competency."""
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(10))
    ended_reason: Mapped[str | None] = mapped_column(Text)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Recognition(TrainingBase):
    __tablename__ = "recognitions"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    agreement_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("recognition_agreements.id"), index=True)
    certification_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("certifications.id"), index=True)
    recognising_country_code: Mapped[str] = mapped_column(String(2))
    issuing_country_code: Mapped[str] = mapped_column(String(2))
    status: Mapped[str] = mapped_column(String(10))
    cause: Mapped[str | None] = mapped_column(String(30))
    recognised_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Community(TrainingBase):
    """A community of practice of a partnership, per specialty: members, mentors and their posts."""

    __tablename__ = "communities"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    partnership_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), index=True)
    specialty: Mapped[str] = mapped_column(String(80))
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    countries: Mapped[list[str]] = mapped_column(ARRAY(String(2)))
    created_by_country_code: Mapped[str] = mapped_column(String(2))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class CommunityMember(TrainingBase):
    __tablename__ = "community_members"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    community_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("communities.id"), index=True)
    subject: Mapped[str] = mapped_column(String(200))
    display_name: Mapped[str] = mapped_column(String(200))
    country_code: Mapped[str] = mapped_column(String(2))
    role: Mapped[str] = mapped_column(String(10))
    joined_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    left_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class CommunityPost(TrainingBase):
    __tablename__ = "community_posts"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    community_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("communities.id"), index=True)
    member_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("community_members.id"))
    reply_to: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("community_posts.id"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ModuleSuspension(TrainingBase):
    """Access to a module suspended while an incident about its content (e.g. exposure) is not resolved."""

    __tablename__ = "module_suspensions"

    incident_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    curriculum_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("curricula.id"), index=True)
    module_code: Mapped[str] = mapped_column(String(60))
    suspended_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    lifted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class RevisionRequest(TrainingBase):
    """A finding about training, from a drill's debrief (revise a curriculum, or refresh a competency's holders)
    or from assessments (a criterion often failed: revise the curriculum); a curriculum revision is accepted
    into a draft or declined by the curriculum's drafting country."""

    __tablename__ = "revision_requests"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    finding_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), unique=True)
    source: Mapped[str] = mapped_column(String(10))
    drill_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    partnership_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), index=True)
    request: Mapped[str] = mapped_column(String(20))
    curriculum_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True), index=True)
    competency: Mapped[str | None] = mapped_column(String(100))
    countries: Mapped[list[str]] = mapped_column(ARRAY(String(2)))
    summary: Mapped[str] = mapped_column(Text)
    rating: Mapped[str | None] = mapped_column(String(10))
    evidence: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    status: Mapped[str] = mapped_column(String(10))
    requested_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    decision_reason: Mapped[str | None] = mapped_column(Text)
    draft_version: Mapped[int | None] = mapped_column(Integer)
    decided_by: Mapped[str | None] = mapped_column(String(200))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class RefresherAssignment(TrainingBase):
    """A holder of a competency assigned a refresher because a drill found that competency wanting."""

    __tablename__ = "refresher_assignments"

    certification_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("certifications.id"), primary_key=True)
    revision_request_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("revision_requests.id"), primary_key=True
    )
    country_code: Mapped[str] = mapped_column(String(2))
    assigned_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
