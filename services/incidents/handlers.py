"""Events the incidents service acts on: partners' partnerships (who sees protocols), training's cohorts and
curricula (where a partnership's incidents may happen), and its own incident
events, which start and steer the response workflows (so that no accepted change is lost between the API's
commit and Temporal: the outbox and the consumer's retries carry it)."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable

from sqlalchemy import any_, func, literal, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from temporalio.client import Client

from backbone.consumer import Handler, PermanentError, Subscription, in_turn
from backbone.settings import ServiceSettings
from backbone.temporal import LazyClient
from contracts.envelope import EventEnvelope
from contracts.events.incidents import (
    DrillEventV1,
    ImprovementActionV1,
    IncidentChangedV1,
    IncidentClosedV1,
    IncidentDeclaredV1,
    IncidentResolvedV1,
)
from contracts.events.partners import (
    PartnershipMemberAddedV1,
    PartnershipMemberRemovedV1,
    PartnershipRegisteredV1,
)
from contracts.events.revisions import RevisionRequestDecidedV1
from contracts.events.training import CohortScheduledV1, CurriculumApprovedV1, CurriculumRevisedV1
from services.incidents import processes
from services.incidents.drills import service as drill_findings
from services.incidents.incidents import environments
from services.incidents.models import (
    Drill,
    DrillCycle,
    Finding,
    Incident,
    KnownPartnership,
    Protocol,
    ProtocolVersion,
)
from services.kernel import partnership_members
from workflows.drill_cycle.shared import DrillCycleInput
from workflows.incident_response.shared import (
    ResponseInput,
    RoleAssignment,
    StepPlan,
)


async def on_partnership_registered(session: AsyncSession, envelope: EventEnvelope) -> None:
    await partnership_members.on_registered(session, envelope, KnownPartnership)


async def on_partnership_member_added(session: AsyncSession, envelope: EventEnvelope) -> None:
    partnership, new_country = await partnership_members.on_member_added(session, envelope, KnownPartnership)
    if new_country:
        country = PartnershipMemberAddedV1.model_validate(envelope.data).country_code
        await session.execute(
            update(Protocol)
            .where(Protocol.partnership_id == partnership.partnership_id)
            .where(~(literal(country) == any_(Protocol.countries)))
            .values(countries=func.array_append(Protocol.countries, country))
        )


async def on_partnership_member_removed(session: AsyncSession, envelope: EventEnvelope) -> None:
    """A country that is no longer a member stops seeing the partnership's protocols, drill cycles, drills and
    findings (incidents themselves follow their own handling codes)."""
    partnership, gone = await partnership_members.on_member_removed(session, envelope, KnownPartnership)
    if gone is None:
        return
    protocols = select(Protocol.id).where(Protocol.partnership_id == partnership.partnership_id)
    drills = select(Drill.id).where(Drill.protocol_id.in_(protocols))
    for model, of_partnership in (
        (Protocol, Protocol.partnership_id == partnership.partnership_id),
        (DrillCycle, DrillCycle.partnership_id == partnership.partnership_id),
        (Drill, Drill.protocol_id.in_(protocols)),
        (Finding, Finding.drill_id.in_(drills)),
    ):
        await session.execute(
            update(model)
            .where(of_partnership)
            .where(literal(gone) == any_(model.countries))
            .values(countries=func.array_remove(model.countries, gone))
        )


class ResponseSteering:
    """Start an IncidentResponseWorkflow per real incident; tell it what happened to its incident."""

    def __init__(self, client: Callable[[], Awaitable[Client]], task_queue: str) -> None:
        self.client = client
        self.task_queue = task_queue

    async def on_declared(self, session: AsyncSession, envelope: EventEnvelope) -> None:
        event = IncidentDeclaredV1.model_validate(envelope.data)
        if event.exercise:
            return  # a drill's incident: its DrillCycleWorkflow measures it
        incident = await session.get(Incident, uuid.UUID(event.incident_id))
        if incident is None:
            raise PermanentError(f"incident {event.incident_id} announced but not stored")
        version = await session.get(ProtocolVersion, incident.protocol_version_id)
        assert version is not None
        request = ResponseInput(
            incident_id=event.incident_id,
            declared_at=event.declared_at,
            severity=event.severity,
            steps=[StepPlan(code=s["code"], limit_minutes=s["limit_minutes"]) for s in version.steps],
            grace_minutes=int(version.escalation.get("late_step_grace_minutes", 0)),
            severity_threshold=version.escalation.get("severity_at_least", "high"),
            roles=[RoleAssignment.model_validate(r) for r in version.on_call],
        )
        await processes.start_response(await self.client(), task_queue=self.task_queue, request=request)

    async def on_changed(self, session: AsyncSession, envelope: EventEnvelope) -> None:
        event = IncidentChangedV1.model_validate(envelope.data)
        if event.exercise:
            return
        if event.change == "step_completed" and event.step_code:
            await processes.step_completed(
                await self.client(), event.incident_id, code=event.step_code, at=event.changed_at
            )
        elif event.change in ("severity_changed", "triaged"):
            await processes.severity_changed(await self.client(), event.incident_id, event.severity)

    async def on_resolved(self, session: AsyncSession, envelope: EventEnvelope) -> None:
        event = IncidentResolvedV1.model_validate(envelope.data)
        if not event.exercise:
            await processes.incident_resolved(await self.client(), event.incident_id)

    async def on_closed(self, session: AsyncSession, envelope: EventEnvelope) -> None:
        event = IncidentClosedV1.model_validate(envelope.data)
        if not event.exercise:
            await processes.incident_closed(await self.client(), event.incident_id)


class DrillSteering:
    """Start a DrillCycleWorkflow per cycle (its first drill's `scheduled` event); tell it what participants and
    evaluators did: steps acknowledged on the drill's incident, the debrief, improvement actions done."""

    def __init__(self, client: Callable[[], Awaitable[Client]], task_queue: str) -> None:
        self.client = client
        self.task_queue = task_queue

    async def on_drill_event(self, session: AsyncSession, envelope: EventEnvelope) -> None:
        event = DrillEventV1.model_validate(envelope.data)
        if event.stage == "scheduled" and event.number == 1:
            cycle = await session.get(DrillCycle, uuid.UUID(event.cycle_id))
            if cycle is None:
                raise PermanentError(f"drill cycle {event.cycle_id} announced but not stored")
            request = DrillCycleInput(
                cycle_id=event.cycle_id,
                drill_id=event.drill_id,
                number=1,
                scheduled_for=event.scheduled_for,
                cadence_days=cycle.cadence_days,
                notice_hours=cycle.notice_hours,
                inject_minutes=[int(i["after_minutes"]) for i in cycle.injects],
            )
            await processes.start_drill_cycle(
                await self.client(), task_queue=self.task_queue, request=request
            )
        elif event.stage == "debriefed":
            await processes.drill_debriefed(await self.client(), event.cycle_id)

    async def on_incident_changed(self, session: AsyncSession, envelope: EventEnvelope) -> None:
        event = IncidentChangedV1.model_validate(envelope.data)
        if not (event.exercise and event.drill_id and event.change == "step_completed" and event.step_code):
            return
        drill = await session.get(Drill, uuid.UUID(event.drill_id))
        if drill is not None:
            await processes.drill_step_acknowledged(
                await self.client(), str(drill.cycle_id), code=event.step_code, at=event.changed_at
            )

    async def on_action(self, session: AsyncSession, envelope: EventEnvelope) -> None:
        event = ImprovementActionV1.model_validate(envelope.data)
        if event.status != "done":
            return
        drill = await session.get(Drill, uuid.UUID(event.drill_id))
        if drill is not None:
            await processes.improvement_action_done(await self.client(), str(drill.cycle_id), event.action_id)


def subscription(settings: ServiceSettings | None = None) -> Subscription:
    handlers: dict[str, Handler] = {
        PartnershipRegisteredV1.event_type: on_partnership_registered,
        PartnershipMemberAddedV1.event_type: on_partnership_member_added,
        PartnershipMemberRemovedV1.event_type: on_partnership_member_removed,
        CohortScheduledV1.event_type: environments.on_cohort_scheduled,
        CurriculumApprovedV1.event_type: environments.on_curriculum_version,
        CurriculumRevisedV1.event_type: environments.on_curriculum_version,
        RevisionRequestDecidedV1.event_type: drill_findings.on_revision_request_decided,
    }
    if settings is not None and settings.uses_temporal:
        client = LazyClient(settings)
        steering = ResponseSteering(client, settings.temporal_task_queue)
        drills = DrillSteering(client, settings.temporal_task_queue)
        handlers |= {
            IncidentDeclaredV1.event_type: steering.on_declared,
            IncidentChangedV1.event_type: in_turn(steering.on_changed, drills.on_incident_changed),
            DrillEventV1.event_type: drills.on_drill_event,
            ImprovementActionV1.event_type: drills.on_action,
            IncidentResolvedV1.event_type: steering.on_resolved,
            IncidentClosedV1.event_type: steering.on_closed,
        }
    return Subscription(
        topics=(PartnershipRegisteredV1.topic, CohortScheduledV1.topic, IncidentDeclaredV1.topic),
        handlers=handlers,
    )
