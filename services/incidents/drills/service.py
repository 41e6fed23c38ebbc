"""Drills: a cycle rehearses one protocol in one environment every `cadence_days` (DrillCycleWorkflow). Each
drill is announced ahead to its participants, runs as an exercise incident under the protocol's current version
(participants acknowledge its steps), releases its injects on timers, and is timed against the protocol's limits.
Its debrief (after-action report) rates findings; each finding becomes an improvement action with an owner and a
due date, followed to completion; findings about training go to training, findings about the protocol open its
next version. Drills are exercises everywhere: their incidents and events say so."""

from __future__ import annotations

import contextlib
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backbone.auth.principal import Principal
from backbone.errors import Conflict, NotFound, field_problem
from backbone.outbox import add_event
from contracts.envelope import EventEnvelope
from contracts.events.incidents import (
    DrillEventV1,
    DrillParticipantV1,
    ImprovementActionV1,
    StepTimingV1,
    TrainingRevisionRequestedV1,
)
from contracts.events.revisions import RevisionRequestDecidedV1
from rules.releasability import Release
from services.incidents import SOURCE
from services.incidents.drills.schemas import (
    ActionOut,
    CycleIn,
    CycleOut,
    DebriefIn,
    DoneIn,
    DrillOut,
    FindingOut,
    StartedOut,
)
from services.incidents.incidents import metrics as statistics
from services.incidents.incidents import response
from services.incidents.incidents import service as incidents
from services.incidents.incidents.schemas import EnvironmentIn, IncidentIn
from services.incidents.models import (
    Drill,
    DrillCycle,
    Finding,
    ImprovementAction,
    IncidentStep,
    Protocol,
)
from services.incidents.protocols import service as protocols
from services.incidents.protocols.service import who

Stage = Literal["scheduled", "announced", "started", "inject_released", "completed", "debriefed"]


def drill_view(drill: Drill) -> DrillOut:
    out = DrillOut.model_validate(drill)
    if drill.timings:
        out.total_minutes = sum(t["minutes"] or 0 for t in drill.timings)
        out.late_steps = sum(1 for t in drill.timings if t["late"])
    return out


def _release(cycle: DrillCycle) -> Release:
    return Release.of(
        "partnership", originator=cycle.owner_country_code, partnership_countries=cycle.countries
    )


async def _announce(
    session: AsyncSession, cycle: DrillCycle, drill: Drill, stage: Stage, **extra: Any
) -> None:
    await add_event(
        session,
        DrillEventV1(
            drill_id=str(drill.id),
            protocol_id=str(drill.protocol_id),
            partnership_id=str(cycle.partnership_id),
            stage=stage,
            cycle_id=str(cycle.id),
            number=drill.number,
            scheduled_for=drill.scheduled_for,
            at=datetime.now(UTC),
            **extra,
        ),
        aggregate_id=str(drill.id),
        source=SOURCE,
        release=_release(cycle),
    )


async def get_cycle(session: AsyncSession, cycle_id: uuid.UUID, *, lock: bool = False) -> DrillCycle:
    found = await session.get(DrillCycle, cycle_id, with_for_update=lock)
    if found is None:
        raise NotFound(f"No drill cycle with id {cycle_id}.", code="drill_cycle_not_found")
    return found


async def get_drill(
    session: AsyncSession, drill_id: uuid.UUID, *, lock: bool = False
) -> tuple[Drill, DrillCycle]:
    drill = await session.get(Drill, drill_id, with_for_update=lock)
    if drill is None:
        raise NotFound(f"No drill with id {drill_id}.", code="drill_not_found")
    return drill, await get_cycle(session, drill.cycle_id)


async def cycle_view(session: AsyncSession, cycle: DrillCycle) -> CycleOut:
    out = CycleOut.model_validate(cycle)
    rows = await session.scalars(select(Drill).where(Drill.cycle_id == cycle.id).order_by(Drill.number))
    out.drills = [drill_view(d) for d in rows]
    return out


async def create_cycle(
    session: AsyncSession, *, body: CycleIn, country: str, principal: Principal | None
) -> CycleOut:
    async with session.begin():
        protocol = await session.get(Protocol, body.protocol_id)
        if protocol is None:
            raise field_problem("protocol_id", "protocol_unknown", "No such protocol in your partnerships.")
        if protocol.current_version is None:
            raise field_problem(
                "protocol_id", "protocol_not_approved", "Drills rehearse an approved protocol."
            )
        if body.environment.kind != protocol.environment_kind:
            raise field_problem(
                "environment.kind",
                "environment_mismatch",
                f"The protocol is for a {protocol.environment_kind}.",
            )
        if body.first_at <= datetime.now(UTC):
            raise field_problem("first_at", "in_the_past", "The first drill is in the future.")
        cycle = DrillCycle(
            id=uuid.uuid4(),
            protocol_id=protocol.id,
            partnership_id=protocol.partnership_id,
            environment_kind=body.environment.kind,
            environment_id=body.environment.id,
            cadence_days=body.cadence_days,
            notice_hours=body.notice_hours,
            injects=[i.model_dump() for i in sorted(body.injects, key=lambda i: i.after_minutes)],
            participants=[p.model_dump() for p in body.participants],
            owner_country_code=country,
            countries=list(protocol.countries),
            status="active",
            created_by=who(principal),
            created_at=datetime.now(UTC),
        )
        session.add(cycle)
        await session.flush()
        await _schedule(session, cycle, number=1, at=body.first_at)
        return await cycle_view(session, cycle)


async def _schedule(session: AsyncSession, cycle: DrillCycle, *, number: int, at: datetime) -> Drill:
    drill = Drill(
        id=uuid.uuid4(),
        cycle_id=cycle.id,
        protocol_id=cycle.protocol_id,
        number=number,
        countries=list(cycle.countries),
        status="scheduled",
        scheduled_for=at,
    )
    session.add(drill)
    await session.flush()
    await _announce(session, cycle, drill, "scheduled")
    return drill


async def stop_cycle(session: AsyncSession, *, cycle_id: uuid.UUID) -> CycleOut:
    async with session.begin():
        cycle = await get_cycle(session, cycle_id, lock=True)
        cycle.status = "stopped"
        await session.flush()
        return await cycle_view(session, cycle)


# The workflow's steps (idempotent: each answers the same when repeated).


async def announce(session: AsyncSession, *, drill_id: uuid.UUID) -> DrillOut:
    drill, cycle = await get_drill(session, drill_id, lock=True)
    if drill.status == "scheduled":
        drill.status, drill.announced_at = "announced", datetime.now(UTC)
        await session.flush()
        participants = [DrillParticipantV1.model_validate(p) for p in cycle.participants]
        await _announce(session, cycle, drill, "announced", participants=participants)
    return drill_view(drill)


async def start(session: AsyncSession, *, drill_id: uuid.UUID) -> StartedOut:
    """The drill's exercise incident opens under the protocol's current version, its participants in their roles."""
    drill, cycle = await get_drill(session, drill_id, lock=True)
    if drill.incident_id is None:
        protocol = await session.get(Protocol, cycle.protocol_id)
        assert protocol is not None
        incident = await incidents.open_incident(
            session,
            body=IncidentIn(
                partnership_id=cycle.partnership_id,
                environment=EnvironmentIn(kind=cycle.environment_kind, id=cycle.environment_id),
                kind=protocol.kind,
                severity="moderate",
                description=f"EXERCISE — drill {drill.number} of protocol {protocol.name}",
                handling_code="partnership",
                affected_countries=sorted({p["country_code"] for p in cycle.participants}),
            ),
            country=cycle.owner_country_code,
            author="drill-cycle",
            exercise=True,
            drill_id=drill.id,
        )
        statistics.declared(incident)
        for participant in cycle.participants:
            await response.assign_role_in(
                session,
                incident,
                role=participant["role"],
                holder=participant["holder"],
                country=participant["country_code"],
                actor="drill-cycle",
            )
        drill.incident_id, drill.status, drill.started_at = incident.id, "running", datetime.now(UTC)
        drill.protocol_version = protocol.current_version
        await session.flush()
        await _announce(session, cycle, drill, "started")
    steps = await session.scalars(
        select(IncidentStep)
        .where(IncidentStep.incident_id == drill.incident_id)
        .order_by(IncidentStep.position)
    )
    assert drill.started_at is not None and drill.incident_id is not None
    return StartedOut(
        incident_id=drill.incident_id,
        steps=[{"code": s.code, "limit_minutes": s.limit_minutes} for s in steps],
        started_at=drill.started_at,
    )


async def release_inject(session: AsyncSession, *, drill_id: uuid.UUID, index: int) -> DrillOut:
    drill, cycle = await get_drill(session, drill_id)
    if not 0 <= index < len(cycle.injects):
        raise NotFound(f"The cycle has no inject {index}.", code="inject_not_found")
    inject = cycle.injects[index]["message"]
    await _announce(session, cycle, drill, "inject_released", inject=inject)
    if drill.incident_id:
        incident = await incidents.get(session, drill.incident_id)
        incidents.note(session, incident, "inject_released", "drill-cycle", index=index, message=inject)
        await session.flush()
    return drill_view(drill)


async def complete(session: AsyncSession, *, drill_id: uuid.UUID) -> DrillOut:
    """Timings from the exercise incident's steps (the database is the truth), then the incident closes."""
    drill, cycle = await get_drill(session, drill_id, lock=True)
    if drill.status != "running" or drill.incident_id is None:
        return drill_view(drill)
    incident = await incidents.get(session, drill.incident_id, lock=True)
    steps = list(
        await session.scalars(
            select(IncidentStep)
            .where(IncidentStep.incident_id == incident.id)
            .order_by(IncidentStep.position)
        )
    )
    timings = [
        StepTimingV1(
            code=s.code,
            minutes=s.minutes_taken,
            limit_minutes=s.limit_minutes,
            late=s.completed_at is None or bool(s.late),
        )
        for s in steps
    ]
    now = datetime.now(UTC)
    drill.timings = [t.model_dump() for t in timings]
    drill.status, drill.completed_at = "completed", now
    await incidents.finish_exercise(session, incident, summary=f"Drill {drill.number} completed")
    await session.flush()
    await _announce(session, cycle, drill, "completed", timings=timings)
    return drill_view(drill)


async def debrief(
    session: AsyncSession, *, drill_id: uuid.UUID, body: DebriefIn, principal: Principal | None
) -> DrillOut:
    async with session.begin():
        drill, cycle = await get_drill(session, drill_id, lock=True)
        if drill.status == "debriefed":
            raise Conflict("The drill was debriefed already.", code="already_debriefed")
        if drill.status != "completed":
            raise Conflict("A drill is debriefed once it is completed.", code="drill_not_completed")
        now = datetime.now(UTC)
        drill.report = {k: getattr(body, k) for k in ("expected", "happened", "why", "change")}
        drill.status, drill.debriefed_at = "debriefed", now
        for item in body.findings:
            finding = Finding(
                id=uuid.uuid4(),
                drill_id=drill.id,
                about=item.about,
                summary=item.summary,
                rating=item.rating,
                rated_by=who(principal),
                curriculum_id=str(item.curriculum_id) if item.curriculum_id else None,
                competency=item.competency,
                countries=sorted({c.upper() for c in item.countries}),
            )
            session.add(finding)
            await session.flush()
            action = ImprovementAction(
                id=uuid.uuid4(),
                finding_id=finding.id,
                drill_id=drill.id,
                title=item.action.title,
                owner=item.action.owner,
                owner_country_code=item.action.owner_country_code,
                due_at=item.action.due_at,
                status="open",
            )
            session.add(action)
            await session.flush()
            await _action_event(session, cycle, action, "opened")
            if item.about == "training":
                await add_event(
                    session,
                    TrainingRevisionRequestedV1(
                        finding_id=str(finding.id),
                        drill_id=str(drill.id),
                        partnership_id=str(cycle.partnership_id),
                        request="curriculum_revision" if item.curriculum_id else "refresher",
                        curriculum_id=finding.curriculum_id,
                        competency=item.competency,
                        countries=finding.countries or list(cycle.countries),
                        summary=item.summary,
                        rating=item.rating,
                        requested_at=now,
                    ),
                    aggregate_id=str(drill.id),
                    source=SOURCE,
                    release=_release(cycle),
                )
            elif item.about == "protocol":
                protocol = await protocols.get(session, cycle.protocol_id, lock=True)
                with contextlib.suppress(Conflict):  # a revision is open already: the finding is on record
                    await protocols.start_revision(
                        session,
                        protocol,
                        reason=f"Drill {drill.number} finding: {item.summary}",
                        author=who(principal),
                    )
        await session.flush()
        await _announce(session, cycle, drill, "debriefed")
        return drill_view(drill)


async def _action_event(
    session: AsyncSession,
    cycle: DrillCycle,
    action: ImprovementAction,
    status: Literal["opened", "reminded", "escalated", "done"],
) -> None:
    await add_event(
        session,
        ImprovementActionV1(
            action_id=str(action.id),
            drill_id=str(action.drill_id),
            finding_id=str(action.finding_id),
            owner_country_code=action.owner_country_code,
            owner=action.owner,
            status=status,
            due_at=action.due_at,
            at=datetime.now(UTC),
        ),
        aggregate_id=str(action.drill_id),
        source=SOURCE,
        release=_release(cycle),
    )


async def actions_of(session: AsyncSession, *, drill_id: uuid.UUID) -> list[ActionOut]:
    await get_drill(session, drill_id)
    rows = await session.scalars(
        select(ImprovementAction)
        .where(ImprovementAction.drill_id == drill_id)
        .order_by(ImprovementAction.due_at)
    )
    return [ActionOut.model_validate(a) for a in rows]


async def findings_of(session: AsyncSession, *, drill_id: uuid.UUID) -> list[FindingOut]:
    """The debrief's findings, with training's answer on those about training."""
    await get_drill(session, drill_id)
    rows = await session.scalars(select(Finding).where(Finding.drill_id == drill_id).order_by(Finding.id))
    return [FindingOut.model_validate(f) for f in rows]


async def on_revision_request_decided(session: AsyncSession, envelope: EventEnvelope) -> None:
    """Training accepted or declined a drill finding's revision request: kept once on the finding, if it is one of
    the partnership the answer names (another service's ids are checked, never trusted)."""
    event = RevisionRequestDecidedV1.model_validate(envelope.data)
    if event.source != "drill":
        return
    finding = await session.get(Finding, uuid.UUID(event.finding_id), with_for_update=True)
    if finding is None or finding.training_outcome is not None:
        return
    drill = await session.get(Drill, finding.drill_id)
    cycle = await session.get(DrillCycle, drill.cycle_id) if drill else None
    if cycle is None or str(cycle.partnership_id) != event.partnership_id:
        return
    finding.training_outcome, finding.training_reason = event.outcome, event.reason
    finding.training_draft_version, finding.training_decided_at = event.draft_version, event.decided_at
    await session.flush()


async def chase(
    session: AsyncSession, *, action_id: uuid.UUID, kind: Literal["reminded", "escalated"]
) -> ActionOut:
    """The workflow reminds the owner ahead of the due date, and escalates when it passes (once each)."""
    action = await session.get(ImprovementAction, action_id, with_for_update=True)
    if action is None:
        raise NotFound(f"No improvement action {action_id}.", code="action_not_found")
    if action.status == "open":
        field = "reminded_at" if kind == "reminded" else "escalated_at"
        if getattr(action, field) is None:
            setattr(action, field, datetime.now(UTC))
            await session.flush()
            _, cycle = await get_drill(session, action.drill_id)
            await _action_event(session, cycle, action, kind)
    return ActionOut.model_validate(action)


async def finish_action(
    session: AsyncSession, *, action_id: uuid.UUID, body: DoneIn, principal: Principal | None
) -> ActionOut:
    async with session.begin():
        action = await session.get(ImprovementAction, action_id, with_for_update=True)
        if action is None:
            raise NotFound(f"No improvement action {action_id}.", code="action_not_found")
        if action.status != "done":
            action.status, action.done_at, action.note = "done", datetime.now(UTC), body.note
            await session.flush()
            _, cycle = await get_drill(session, action.drill_id)
            await _action_event(session, cycle, action, "done")
        return ActionOut.model_validate(action)


async def schedule_next(session: AsyncSession, *, drill_id: uuid.UUID) -> DrillOut | None:
    """The cycle's next drill, `cadence_days` after this one (None once the cycle is stopped)."""
    drill, cycle = await get_drill(session, drill_id)
    if cycle.status != "active":
        return None
    existing = await session.scalar(
        select(Drill).where(Drill.cycle_id == cycle.id, Drill.number == drill.number + 1)
    )
    if existing is not None:
        return drill_view(existing)
    return drill_view(
        await _schedule(
            session,
            cycle,
            number=drill.number + 1,
            at=drill.scheduled_for + timedelta(days=cycle.cadence_days),
        )
    )
