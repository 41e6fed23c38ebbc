"""What incidents and drills change in training, learnt from the incidents service's events: a real incident in
a facility, virtual lab or cohort pauses the cohorts it touches (resumed when it is resolved); one about a
module's content suspends access to that module until resolved (both only inside the declaring partnership:
its cohorts, its curricula's modules); a drill's debrief finding about training
becomes a revision request (a curriculum to revise, or a competency whose holders need a refresher).
Exercises (drills) never pause or suspend anything."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import any_, literal, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.envelope import EventEnvelope
from contracts.events.incidents import IncidentDeclaredV1, IncidentResolvedV1, TrainingRevisionRequestedV1
from services.training.cohorts import service as cohorts
from services.training.models import (
    Certification,
    Cohort,
    Curriculum,
    ModuleSuspension,
    RefresherAssignment,
    RevisionRequest,
)

SITES = ("facility", "virtual_lab")


def _uuid(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


async def on_incident_declared(session: AsyncSession, envelope: EventEnvelope) -> None:
    event = IncidentDeclaredV1.model_validate(envelope.data)
    if event.exercise:
        return
    environment = event.environment
    partnership_id = _uuid(event.partnership_id)
    if environment.kind == "module":
        curriculum, _, module = environment.id.partition(":")
        curriculum_id = _uuid(curriculum)
        owner = await session.get(Curriculum, curriculum_id) if curriculum_id else None
        # Only a module of the declaring partnership's own curricula is suspended.
        if owner is not None and owner.partnership_id == partnership_id and module:
            await session.execute(
                pg_insert(ModuleSuspension)
                .values(
                    incident_id=uuid.UUID(event.incident_id),
                    curriculum_id=curriculum_id,
                    module_code=module,
                    suspended_at=datetime.now(UTC),
                )
                .on_conflict_do_nothing(index_elements=["incident_id"])
            )
        return
    target = _uuid(environment.id)
    if target is None:
        return  # not one of training's ids: nothing of training's is there
    where = Cohort.id == target if environment.kind == "cohort" else Cohort.facility_id == target
    touched = await session.scalars(
        select(Cohort)
        # Only the declaring partnership's cohorts: another partnership's incident never pauses them.
        .where(where, Cohort.partnership_id == partnership_id)
        .where(Cohort.status == "scheduled", Cohort.ends_at > datetime.now(UTC))
        .order_by(Cohort.starts_at)
        .with_for_update()
    )
    reason = f"Incident {event.incident_id} ({event.kind}, {event.severity}) in its {environment.kind}"
    for cohort in touched:
        if await cohorts.set_status(session, cohort, "pause", reason):
            cohort.paused_by_incident = uuid.UUID(event.incident_id)
    await session.flush()


async def on_incident_resolved(session: AsyncSession, envelope: EventEnvelope) -> None:
    event = IncidentResolvedV1.model_validate(envelope.data)
    if event.exercise:
        return
    incident_id = uuid.UUID(event.incident_id)
    paused = await session.scalars(
        select(Cohort)
        .where(Cohort.paused_by_incident == incident_id, Cohort.status == "paused")
        .with_for_update()
    )
    for cohort in paused:
        await cohorts.set_status(session, cohort, "resumption", f"Incident {event.incident_id} resolved")
        cohort.paused_by_incident = None
    suspension = await session.get(ModuleSuspension, incident_id, with_for_update=True)
    if suspension is not None and suspension.lifted_at is None:
        suspension.lifted_at = datetime.now(UTC)
    await session.flush()


async def on_revision_requested(session: AsyncSession, envelope: EventEnvelope) -> None:
    """Kept once per finding; a refresher request assigns a refresher to every valid certification of the
    competency in the countries concerned."""
    event = TrainingRevisionRequestedV1.model_validate(envelope.data)
    stored = await session.execute(
        pg_insert(RevisionRequest)
        .values(
            id=uuid.uuid4(),
            finding_id=uuid.UUID(event.finding_id),
            source="drill",
            drill_id=uuid.UUID(event.drill_id),
            partnership_id=uuid.UUID(event.partnership_id),
            request=event.request,
            curriculum_id=_uuid(event.curriculum_id) if event.curriculum_id else None,
            competency=event.competency,
            countries=sorted(set(event.countries)),
            summary=event.summary,
            rating=event.rating,
            status="open",
            requested_at=event.requested_at,
        )
        .on_conflict_do_nothing(index_elements=["finding_id"])
        .returning(RevisionRequest.id)
    )
    request_id = stored.scalar_one_or_none()
    if request_id is None or event.request != "refresher" or not event.competency:
        return  # seen before, or nothing to assign
    now = datetime.now(UTC)
    holders = await session.scalars(
        select(Certification).where(
            literal(event.competency) == any_(Certification.competencies),
            Certification.country_code.in_(event.countries),
            Certification.status == "valid",
            Certification.expires_at > now,
        )
    )
    session.add_all(
        RefresherAssignment(
            certification_id=c.id,
            revision_request_id=request_id,
            country_code=c.country_code,
            assigned_at=now,
        )
        for c in holders
    )
    await session.flush()


async def suspended(session: AsyncSession, curriculum_id: uuid.UUID, module_code: str) -> bool:
    found = await session.scalar(
        select(ModuleSuspension.incident_id).where(
            ModuleSuspension.curriculum_id == curriculum_id,
            ModuleSuspension.module_code == module_code,
            ModuleSuspension.lifted_at.is_(None),
        )
    )
    return found is not None
