"""Working an incident: triage, severity, role handovers, steps completed against the protocol, escalation."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from backbone.auth.principal import Principal
from backbone.errors import Conflict, NotFound, field_problem
from services.incidents.incidents import rules as incident_rules
from services.incidents.incidents.schemas import (
    EscalationIn,
    IncidentOut,
    RoleIn,
    SeverityIn,
    StepDoneIn,
    TriageIn,
)
from services.incidents.incidents.service import _active, _changed, get, note, notify, view
from services.incidents.models import (
    Incident,
    IncidentRole,
    IncidentStep,
    ProtocolVersion,
)
from services.incidents.protocols.service import who


async def triage(
    session: AsyncSession, *, incident_id: uuid.UUID, body: TriageIn, principal: Principal | None
) -> IncidentOut:
    async with session.begin():
        incident = await get(session, incident_id, lock=True)
        if incident.status != "declared":
            raise Conflict(f"The incident was {incident.status} already.", code="already_triaged")
        previous = incident.severity
        incident.status = "triaged"
        if body.severity:
            incident.severity = body.severity
        note(
            session,
            incident,
            "triaged",
            who(principal),
            severity=incident.severity,
            previous=previous,
            note=body.note,
        )
        await session.flush()
        await _changed(session, incident, "triaged", reason=body.note)
        return await view(session, incident)


async def change_severity(
    session: AsyncSession, *, incident_id: uuid.UUID, body: SeverityIn, principal: Principal | None
) -> IncidentOut:
    async with session.begin():
        incident = await get(session, incident_id, lock=True)
        _active(incident)
        if body.severity == incident.severity:
            return await view(session, incident)
        previous, incident.severity = incident.severity, body.severity
        note(
            session,
            incident,
            "severity_changed",
            who(principal),
            severity=body.severity,
            previous=previous,
            reason=body.reason,
        )
        await session.flush()
        await _changed(session, incident, "severity_changed", reason=body.reason)
        return await view(session, incident)


async def assign_role(
    session: AsyncSession, *, incident_id: uuid.UUID, body: RoleIn, principal: Principal | None
) -> IncidentOut:
    """Assign a role, or hand it over: the previous holder's time in it ends now."""
    async with session.begin():
        incident = await get(session, incident_id, lock=True)
        _active(incident)
        await assign_role_in(
            session,
            incident,
            role=body.role,
            holder=body.holder,
            country=body.country_code,
            actor=who(principal),
        )
        return await view(session, incident)


async def assign_role_in(
    session: AsyncSession, incident: Incident, *, role: str, holder: str, country: str, actor: str
) -> None:
    version = await session.get(ProtocolVersion, incident.protocol_version_id)
    assert version is not None
    if role not in version.roles:
        raise field_problem("role", "role_not_in_protocol", f"The protocol has no {role}.")
    now = datetime.now(UTC)
    current = await session.scalar(
        select(IncidentRole).where(
            IncidentRole.incident_id == incident.id,
            IncidentRole.role == role,
            IncidentRole.ended_at.is_(None),
        )
    )
    if current is not None:
        if current.holder == holder:
            return
        # The transaction's own clock: row-level security lets the holder who hands over finish the handover.
        current.ended_at = func.now()
        await session.flush()
    if "*" not in incident.audience and country not in incident.audience:
        # Whoever holds a role works the incident, so it is released to the holder's country.
        incident.audience = sorted({*incident.audience, country})
    session.add(
        IncidentRole(
            id=uuid.uuid4(),
            incident_id=incident.id,
            role=role,
            holder=holder,
            country_code=country,
            assigned_at=now,
        )
    )
    note(
        session,
        incident,
        "role_assigned",
        actor,
        role=role,
        holder=holder,
        handed_over_from=current.holder if current else None,
    )
    await session.flush()
    await _changed(session, incident, "role_assigned", role=role)


async def complete_step(
    session: AsyncSession, *, incident_id: uuid.UUID, code: str, body: StepDoneIn, principal: Principal | None
) -> IncidentOut:
    async with session.begin():
        incident = await get(session, incident_id, lock=True)
        _active(incident)
        step = await session.get(IncidentStep, (incident.id, code), with_for_update=True)
        if step is None:
            raise NotFound(f"The incident's protocol has no step {code}.", code="step_not_found")
        if step.completed_at is not None:
            return await view(session, incident)
        now = datetime.now(UTC)
        started = await _step_started(session, incident, step)
        version = await session.get(ProtocolVersion, incident.protocol_version_id)
        assert version is not None
        step.completed_at, step.completed_by = now, who(principal)
        step.minutes_taken = incident_rules.minutes_between(started, now)
        step.late = incident_rules.is_late(
            started=started,
            finished=now,
            limit_minutes=step.limit_minutes,
            grace_minutes=int(version.escalation.get("late_step_grace_minutes", 0)),
        )
        note(
            session,
            incident,
            "step_completed",
            who(principal),
            step=code,
            minutes=step.minutes_taken,
            late=step.late,
            note=body.note,
        )
        await session.flush()
        await _changed(session, incident, "step_completed", step_code=code)
        return await view(session, incident)


async def _step_started(session: AsyncSession, incident: Incident, step: IncidentStep) -> datetime:
    """A step's clock starts when the step before it was completed (the first one's at declaration)."""
    before = await session.scalar(
        select(IncidentStep).where(
            IncidentStep.incident_id == incident.id, IncidentStep.position == step.position - 1
        )
    )
    if before is not None and before.completed_at is not None:
        return before.completed_at
    return incident.declared_at


async def escalate_in(session: AsyncSession, *, incident_id: uuid.UUID, body: EscalationIn) -> IncidentOut:
    """Called by the response workflow (inside the route's transaction, under its Idempotency-Key): a step is
    late, or the severity reached the protocol's threshold."""
    incident = await get(session, incident_id, lock=True)
    if incident.status in ("resolved", "closed"):
        return await view(session, incident)
    version = await session.get(ProtocolVersion, incident.protocol_version_id)
    assert version is not None
    note(session, incident, "escalated", "workflow", reason=body.reason, step=body.step_code)
    await session.flush()
    await _changed(session, incident, "escalated", step_code=body.step_code, reason=body.reason)
    await notify(session, incident, version, "escalated")
    return await view(session, incident)
