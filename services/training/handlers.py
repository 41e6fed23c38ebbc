"""Events the training service acts on: each handler maps an event to a change of its read model."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import cast

from sqlalchemy import Table, any_, bindparam, func, literal, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from backbone.consumer import Handler, Subscription
from backbone.handling import batched
from backbone.settings import ServiceSettings
from backbone.temporal import LazyClient
from contracts.envelope import EventEnvelope
from contracts.events.assessment import CurriculumRevisionRequestedV1, TraineeAssessedV1
from contracts.events.commitments import CommitmentRegisteredV1, CommitmentRenewalConcludedV1
from contracts.events.evaluation import SurveyRevisionRequestedV1
from contracts.events.incidents import IncidentDeclaredV1, IncidentResolvedV1, TrainingRevisionRequestedV1
from contracts.events.partners import (
    AgencyActivatedV1,
    AgencyOnboardingLapsedV1,
    AgencyRegisteredV1,
    DecisionClosedV1,
    PartnershipMemberAddedV1,
    PartnershipMemberRemovedV1,
    PartnershipRegisteredV1,
)
from contracts.events.training import CertificationIssuedV1, CertificationStatusChangedV1
from services.kernel import partnership_members
from services.training import processes
from services.training.agencies.models import KnownAgency
from services.training.certifications import evidence
from services.training.cohorts import renewals
from services.training.cohorts.models import KnownCommitment
from services.training.curricula import approval as curriculum_approval
from services.training.incident_effects import service as incident_effects
from services.training.models import Cohort, Community, Curriculum, KnownPartnership, RevisionRequest
from services.training.revision_requests import service as revision_requests

_AGENCY_FIELDS = (
    "country_code",
    "country_name",
    "name",
    "agency_type",
    "is_national_coordination_unit",
    "registered_at",
    "updated_at",
    "last_event_id",
)
_agencies = cast(Table, KnownAgency.__table__)
_register_agency = pg_insert(_agencies).values(
    agency_id=bindparam("agency_id"), status="pending", version=1, **{f: bindparam(f) for f in _AGENCY_FIELDS}
)
UPSERT_AGENCY = _register_agency.on_conflict_do_update(
    index_elements=[_agencies.c.agency_id],
    set_={**{f: _register_agency.excluded[f] for f in _AGENCY_FIELDS}, "version": _agencies.c.version + 1},
)
"""Built once: a statement built per event costs more CPU than the database spends on it."""


@batched
async def on_agency_registered(session: AsyncSession, envelopes: list[EventEnvelope]) -> None:
    """Registrations come in bursts (an onboarding wave, a replay): a run of them is one pipelined write."""
    now = datetime.now(UTC)
    rows = []
    for envelope in envelopes:
        event = AgencyRegisteredV1.model_validate(envelope.data)
        rows.append(
            {
                "agency_id": uuid.UUID(event.agency_id),
                "country_code": event.country_code,
                "country_name": event.country_name,
                "name": event.name,
                "agency_type": event.agency_type,
                "is_national_coordination_unit": event.is_national_coordination_unit,
                "registered_at": event.registered_at,
                "updated_at": now,
                "last_event_id": envelope.id,
            }
        )
    await session.execute(UPSERT_AGENCY, rows)


async def _set_status(session: AsyncSession, envelope: EventEnvelope, agency_id: str, status: str) -> None:
    result = await session.execute(
        update(KnownAgency)
        .where(KnownAgency.agency_id == uuid.UUID(agency_id))
        .values(
            status=status,
            updated_at=datetime.now(UTC),
            last_event_id=envelope.id,
            version=KnownAgency.version + 1,
        )
    )
    if result.rowcount == 0:  # type: ignore[attr-defined]
        # Per-aggregate order makes this impossible unless the registration was lost: worth a retry, then DLT.
        raise LookupError(f"agency {agency_id} is unknown to training; its registration has not arrived")


async def on_agency_activated(session: AsyncSession, envelope: EventEnvelope) -> None:
    event = AgencyActivatedV1.model_validate(envelope.data)
    await _set_status(session, envelope, event.agency_id, "active")


async def on_agency_onboarding_lapsed(session: AsyncSession, envelope: EventEnvelope) -> None:
    event = AgencyOnboardingLapsedV1.model_validate(envelope.data)
    await _set_status(session, envelope, event.agency_id, "lapsed")


async def on_partnership_registered(session: AsyncSession, envelope: EventEnvelope) -> None:
    await partnership_members.on_registered(session, envelope, KnownPartnership)


async def on_partnership_member_added(session: AsyncSession, envelope: EventEnvelope) -> None:
    """A new member country sees (and discusses) the partnership's curricula and cohorts from now on."""
    partnership, new_country = await partnership_members.on_member_added(session, envelope, KnownPartnership)
    if not new_country:
        return
    country = PartnershipMemberAddedV1.model_validate(envelope.data).country_code
    for model in (Curriculum, Cohort, Community):
        await session.execute(
            update(model)
            .where(model.partnership_id == partnership.partnership_id)
            .where(~(literal(country) == any_(model.countries)))
            .values(countries=func.array_append(model.countries, country))
        )


async def on_partnership_member_removed(session: AsyncSession, envelope: EventEnvelope) -> None:
    """A country that is no longer a member stops seeing (and discussing) the partnership's curricula, cohorts,
    communities and the drills' revision requests from now on."""
    partnership, gone = await partnership_members.on_member_removed(session, envelope, KnownPartnership)
    if gone is None:
        return
    for model in (Curriculum, Cohort, Community, RevisionRequest):
        await session.execute(
            update(model)
            .where(model.partnership_id == partnership.partnership_id)
            .where(literal(gone) == any_(model.countries))
            .values(countries=func.array_remove(model.countries, gone))
        )


async def on_decision_closed(session: AsyncSession, envelope: EventEnvelope) -> None:
    """The oversight body decided about a curriculum submission: the version is approved or rejected."""
    event = DecisionClosedV1.model_validate(envelope.data)
    if event.kind == "curriculum_approval" and (event.subject or "").startswith(
        curriculum_approval.SUBJECT_PREFIX
    ):
        await curriculum_approval.settle_decision(session, event)


async def on_commitment_registered(session: AsyncSession, envelope: EventEnvelope) -> None:
    """Seats pledged to a partnership share its cohorts among the countries (other kinds are kept too)."""
    event = CommitmentRegisteredV1.model_validate(envelope.data)
    await session.execute(
        pg_insert(KnownCommitment)
        .values(
            commitment_id=uuid.UUID(event.commitment_id),
            partnership_id=uuid.UUID(event.partnership_id),
            agency_id=uuid.UUID(event.agency_id),
            country_code=event.country_code,
            kind=event.kind,
            amount=event.amount,
            starts_on=event.starts_on,
            ends_on=event.ends_on,
            lapsed=False,
        )
        .on_conflict_do_nothing(index_elements=[KnownCommitment.commitment_id])
    )


async def on_commitment_renewal_concluded(session: AsyncSession, envelope: EventEnvelope) -> None:
    """A lapsed commitment pledges nothing after its last day (a renewal arrives as a new registered one); what it
    paid for in later cohorts goes with it (seats, the host's facility)."""
    event = CommitmentRenewalConcludedV1.model_validate(envelope.data)
    if event.outcome == "lapsed":
        await session.execute(
            update(KnownCommitment)
            .where(KnownCommitment.commitment_id == uuid.UUID(event.commitment_id))
            .values(lapsed=True, ends_on=event.ends_on)
        )
    await renewals.apply(session, event)


class Refreshers:
    """Training's own certification events start and end the refresher workflows."""

    def __init__(self, settings: ServiceSettings) -> None:
        self.client = LazyClient(settings)
        self.task_queue = settings.temporal_task_queue

    async def on_certification_issued(self, session: AsyncSession, envelope: EventEnvelope) -> None:
        event = CertificationIssuedV1.model_validate(envelope.data)
        if event.expires_at > datetime.now(UTC) - timedelta(days=1):
            await processes.start_refresher(
                await self.client(),
                task_queue=self.task_queue,
                certification_id=event.certification_id,
                expires_at=event.expires_at,
            )

    async def on_status_changed(self, session: AsyncSession, envelope: EventEnvelope) -> None:
        event = CertificationStatusChangedV1.model_validate(envelope.data)
        if event.status == "revoked":
            await processes.end_refresher(await self.client(), event.certification_id)


def subscription(settings: ServiceSettings | None = None) -> Subscription:
    handlers: dict[str, Handler] = {
        AgencyRegisteredV1.event_type: on_agency_registered,
        AgencyActivatedV1.event_type: on_agency_activated,
        AgencyOnboardingLapsedV1.event_type: on_agency_onboarding_lapsed,
        PartnershipRegisteredV1.event_type: on_partnership_registered,
        PartnershipMemberAddedV1.event_type: on_partnership_member_added,
        PartnershipMemberRemovedV1.event_type: on_partnership_member_removed,
        DecisionClosedV1.event_type: on_decision_closed,
        CommitmentRegisteredV1.event_type: on_commitment_registered,
        CommitmentRenewalConcludedV1.event_type: on_commitment_renewal_concluded,
        IncidentDeclaredV1.event_type: incident_effects.on_incident_declared,
        IncidentResolvedV1.event_type: incident_effects.on_incident_resolved,
        TrainingRevisionRequestedV1.event_type: incident_effects.on_revision_requested,
        TraineeAssessedV1.event_type: evidence.on_trainee_assessed,
        CurriculumRevisionRequestedV1.event_type: revision_requests.on_curriculum_revision_requested,
        SurveyRevisionRequestedV1.event_type: revision_requests.on_survey_revision_requested,
    }
    if settings is not None and settings.uses_temporal:  # training's own events start its workflows
        refreshers = Refreshers(settings)
        handlers[CertificationIssuedV1.event_type] = refreshers.on_certification_issued
        handlers[CertificationStatusChangedV1.event_type] = refreshers.on_status_changed
    topics = (
        AgencyRegisteredV1.topic,
        CertificationIssuedV1.topic,
        IncidentDeclaredV1.topic,
        TraineeAssessedV1.topic,
    )
    return Subscription(topics=topics, handlers=handlers)
