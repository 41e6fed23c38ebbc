"""The topic registry: every topic the project creates, with its partitions, retention and events.

Topics are created from this registry by the stack runner and by deployments; brokers never auto-create.
A deployment may put a prefix in front of every name (tests use a unique prefix per test).
"""

from __future__ import annotations

from dataclasses import dataclass

from contracts.envelope import Event
from contracts.events.assessment import (
    CurriculumRevisionRequestedV1,
    IndicatorMeasuredV1,
    RubricPublishedV1,
    RubricSubmittedV1,
    TraineeAssessedV1,
)
from contracts.events.commitments import (
    CommitmentRegisteredV1,
    CommitmentRenewalConcludedV1,
    CommitmentRenewalReminderSentV1,
    CommitmentRenewalRequestedV1,
)
from contracts.events.communities import MentorshipRecordedV1
from contracts.events.evaluation import (
    EvaluationPlanPublishedV1,
    EvaluationRoundChasedV1,
    EvaluationRoundClosedV1,
    EvaluationRoundOpenedV1,
    SurveyRevisionRequestedV1,
)
from contracts.events.finance import (
    AllowancePaidV1,
    AllowancePayableV1,
    BudgetAdoptedV1,
    BudgetProposedV1,
    BudgetRejectedV1,
    BudgetRevisedV1,
    ContributionDueV1,
    ContributionOverdueV1,
    ContributionPaidV1,
    ContributionScaleComputedV1,
    ContributionScheduledV1,
    FacilityUsageSettledV1,
    PlatformChargedV1,
    StipendPaidV1,
    StipendPayableV1,
    TrancheExtensionDecidedV1,
    TrancheExtensionRequestedV1,
    TranchePlannedV1,
    TrancheReleasedV1,
    TrancheReservedV1,
    TrancheVoidedV1,
    TransferRecordedV1,
)
from contracts.events.grants import GrantAgreedV1, GrantConditionMetV1, GrantReceivedV1
from contracts.events.incidents import (
    DrillEventV1,
    ImprovementActionV1,
    IncidentChangedV1,
    IncidentClosedV1,
    IncidentDeclaredV1,
    IncidentResolvedV1,
    PartnerNotifiedV1,
    ProtocolVersionApprovedV1,
    TrainingRevisionRequestedV1,
)
from contracts.events.national import IndicatorMeasurementReportedV1
from contracts.events.partners import (
    AgencyActivatedV1,
    AgencyContactAddedV1,
    AgencyContactRemovedV1,
    AgencyContactUpdatedV1,
    AgencyOnboardingLapsedV1,
    AgencyRegisteredV1,
    CapacityProfileRecordedV1,
    DecisionClosedV1,
    DecisionOpenedV1,
    DecisionReminderSentV1,
    DisputeCommentedV1,
    DisputeRaisedV1,
    DisputeReopenedV1,
    DisputeResolutionOpenedV1,
    DisputeResolvedV1,
    EndorsementGrantedV1,
    EndorsementWithdrawnV1,
    HandlingChangedV1,
    OversightMemberAddedV1,
    PartnershipMemberAddedV1,
    PartnershipMemberRemovedV1,
    PartnershipPhaseAdvancedV1,
    PartnershipRegisteredV1,
    VoteCastV1,
)
from contracts.events.procurement import ProcurementStageChangedV1
from contracts.events.revisions import RevisionRequestDecidedV1
from contracts.events.training import (
    CertificationExpiredV1,
    CertificationIssuedV1,
    CertificationRecognisedV1,
    CertificationRefresherStepV1,
    CertificationRenewedV1,
    CertificationStatusChangedV1,
    CohortScheduledV1,
    CohortSeatsReleasedV1,
    CohortStatusChangedV1,
    CurriculumApprovedV1,
    CurriculumRejectedV1,
    CurriculumRevisedV1,
    CurriculumSubmittedV1,
    EnrollmentChangedV1,
    ExchangeCompletedV1,
    FacilityBookedV1,
    FacilityBookingCancelledV1,
    FacilityUsedV1,
    InstructorAssignmentDeliveredV1,
    ModuleCompletedV1,
    RecognitionRevokedV1,
    TraineeAttendedV1,
)

DAY_MS = 24 * 60 * 60 * 1000


@dataclass(frozen=True)
class TopicSpec:
    name: str
    owner: str
    description: str
    partitions: int = 6
    retention_ms: int = 30 * DAY_MS
    events: tuple[type[Event], ...] = ()
    dead_letter: bool = False
    compacted: bool = False
    """Kept as the latest record per key (cleanup.policy=compact), not by age."""

    def qualified(self, prefix: str = "") -> str:
        return f"{prefix}{self.name}"


SERVICES = ("partners", "training", "finance", "assessment", "incidents")

EVENT_TOPICS: tuple[TopicSpec, ...] = (
    TopicSpec(
        name="partners.events.v1",
        owner="partners",
        description="Countries, agencies, partnerships, phases, commitments, decisions of the partners service.",
        events=(
            AgencyRegisteredV1,
            AgencyActivatedV1,
            AgencyOnboardingLapsedV1,
            PartnershipRegisteredV1,
            OversightMemberAddedV1,
            DecisionOpenedV1,
            VoteCastV1,
            DecisionClosedV1,
            DecisionReminderSentV1,
            PartnershipPhaseAdvancedV1,
            PartnershipMemberAddedV1,
            PartnershipMemberRemovedV1,
            CapacityProfileRecordedV1,
            CommitmentRegisteredV1,
            CommitmentRenewalRequestedV1,
            CommitmentRenewalReminderSentV1,
            CommitmentRenewalConcludedV1,
            AgencyContactAddedV1,
            AgencyContactUpdatedV1,
            AgencyContactRemovedV1,
            EndorsementGrantedV1,
            EndorsementWithdrawnV1,
            DisputeRaisedV1,
            DisputeCommentedV1,
            DisputeResolutionOpenedV1,
            DisputeResolvedV1,
            DisputeReopenedV1,
            HandlingChangedV1,
        ),
    ),
    TopicSpec(
        name="training.events.v1",
        owner="training",
        description="Curricula, cohorts, enrollments, certifications and exchange visits of the training service.",
        events=(
            ExchangeCompletedV1,
            FacilityBookedV1,
            FacilityBookingCancelledV1,
            FacilityUsedV1,
            CertificationIssuedV1,
            CertificationStatusChangedV1,
            CertificationRefresherStepV1,
            CertificationRenewedV1,
            CertificationExpiredV1,
            CurriculumSubmittedV1,
            CurriculumApprovedV1,
            CurriculumRevisedV1,
            CurriculumRejectedV1,
            CohortScheduledV1,
            EnrollmentChangedV1,
            CohortStatusChangedV1,
            ModuleCompletedV1,
            CertificationRecognisedV1,
            RecognitionRevokedV1,
            InstructorAssignmentDeliveredV1,
            TraineeAttendedV1,
            CohortSeatsReleasedV1,
            RevisionRequestDecidedV1,
            MentorshipRecordedV1,
        ),
    ),
    TopicSpec(
        name="finance.events.v1",
        owner="finance",
        description="Budgets, contributions, payments and tranches of the finance service.",
        events=(
            TransferRecordedV1,
            BudgetProposedV1,
            BudgetAdoptedV1,
            BudgetRevisedV1,
            BudgetRejectedV1,
            ContributionScaleComputedV1,
            ContributionScheduledV1,
            ContributionDueV1,
            ContributionPaidV1,
            ContributionOverdueV1,
            TranchePlannedV1,
            TrancheReservedV1,
            TrancheReleasedV1,
            TrancheVoidedV1,
            TrancheExtensionRequestedV1,
            TrancheExtensionDecidedV1,
            StipendPayableV1,
            StipendPaidV1,
            AllowancePayableV1,
            AllowancePaidV1,
            FacilityUsageSettledV1,
            PlatformChargedV1,
            ProcurementStageChangedV1,
            GrantAgreedV1,
            GrantConditionMetV1,
            GrantReceivedV1,
        ),
    ),
    TopicSpec(
        name="assessment.events.v1",
        owner="assessment",
        description="Assessments, evaluations and indicators of the assessment service.",
        events=(
            IndicatorMeasuredV1,
            RubricSubmittedV1,
            RubricPublishedV1,
            TraineeAssessedV1,
            CurriculumRevisionRequestedV1,
            EvaluationPlanPublishedV1,
            EvaluationRoundOpenedV1,
            EvaluationRoundChasedV1,
            EvaluationRoundClosedV1,
            SurveyRevisionRequestedV1,
        ),
    ),
    TopicSpec(
        name="incidents.events.v1",
        owner="incidents",
        description="Incidents, drills and improvement actions of the incidents service.",
        events=(
            ProtocolVersionApprovedV1,
            IncidentDeclaredV1,
            IncidentChangedV1,
            IncidentResolvedV1,
            IncidentClosedV1,
            PartnerNotifiedV1,
            DrillEventV1,
            ImprovementActionV1,
            TrainingRevisionRequestedV1,
        ),
    ),
)

DEAD_LETTER_TOPICS: tuple[TopicSpec, ...] = tuple(
    TopicSpec(
        name=f"{service}.deadletter.v1",
        owner=service,
        description=f"Messages the {service} service's consumers could not handle, with the reason in headers.",
        partitions=1,
        retention_ms=90 * DAY_MS,
        dead_letter=True,
    )
    for service in SERVICES
)

AUDIT_ANCHOR_TOPICS: tuple[TopicSpec, ...] = tuple(
    TopicSpec(
        name=f"{service}.audit-anchors.v1",
        owner=service,
        description=(
            f"The head of the {service} service's audit chain (seq and hash), published on a schedule: kept outside "
            "its database, never deleted, so a rewrite of the chain is caught even by someone who can recompute "
            "every hash after it."
        ),
        partitions=1,
        retention_ms=-1,
    )
    for service in SERVICES
)

TOPICS: tuple[TopicSpec, ...] = EVENT_TOPICS + DEAD_LETTER_TOPICS + AUDIT_ANCHOR_TOPICS

EVENT_TYPES: dict[str, type[Event]] = {
    event.event_type: event for spec in EVENT_TOPICS for event in spec.events
}

INBOUND_TYPES: dict[str, type[Event]] = {
    event.event_type: event for event in (IndicatorMeasurementReportedV1,)
}
"""What national systems may write on their inbound topics (`inbound.<cc>.<subscriberId>.v1`)."""


def topic_for(event: type[Event] | Event) -> TopicSpec:
    for spec in EVENT_TOPICS:
        if event.event_type in {e.event_type for e in spec.events}:
            return spec
    raise KeyError(f"event type {event.event_type} is not registered on any topic")


def dead_letter_topic(service: str) -> TopicSpec:
    return next(spec for spec in DEAD_LETTER_TOPICS if spec.owner == service)


def audit_anchor_topic(service: str) -> TopicSpec:
    return next(spec for spec in AUDIT_ANCHOR_TOPICS if spec.owner == service)
