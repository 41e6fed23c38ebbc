"""Incidents in training environments: declared by operations staff under the matching protocol's current
version, triaged, re-rated, staffed (roles handed over), worked step by step, escalated (by the response
workflow when a step is late or the severity rises), resolved and closed. Everything lands on the incident's
timeline and is announced; affected partners are notified with what the incident's handling code allows."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backbone.auth.principal import Principal
from backbone.errors import Conflict, NotFound, field_problem
from backbone.idempotency import IdempotentRequest, Outcome, answer_once
from backbone.outbox import add_event
from contracts.envelope import Event
from contracts.events.incidents import (
    EnvironmentV1,
    IncidentChangedV1,
    IncidentClosedV1,
    IncidentDeclaredV1,
    IncidentResolvedV1,
    PartnerNotifiedV1,
)
from rules.releasability import Audience, Release
from services.incidents import SOURCE
from services.incidents.incidents import environments
from services.incidents.incidents import metrics as statistics
from services.incidents.incidents import rules as incident_rules
from services.incidents.incidents.schemas import (
    IncidentIn,
    IncidentOut,
    ResolutionIn,
    RoleOut,
    StepOut,
)
from services.incidents.models import (
    Incident,
    IncidentRole,
    IncidentStep,
    KnownPartnership,
    Notification,
    ProtocolVersion,
    TimelineEntry,
)
from services.incidents.protocols import service as protocols
from services.incidents.protocols.service import who

Reason = Literal["declared", "escalated", "resolved"]
Change = Literal["triaged", "severity_changed", "role_assigned", "step_completed", "escalated"]


async def get(session: AsyncSession, incident_id: uuid.UUID, *, lock: bool = False) -> Incident:
    found = await session.get(Incident, incident_id, with_for_update=lock)
    if found is None:
        raise NotFound(f"No incident with id {incident_id}.", code="incident_not_found")
    return found


async def members(session: AsyncSession, incident: Incident) -> list[str]:
    partnership = await session.get(KnownPartnership, incident.partnership_id)
    return list(partnership.member_countries) if partnership else []


async def release(session: AsyncSession, incident: Incident) -> Release:
    return Release.of(
        incident.handling_code,
        originator=incident.originator_country_code,
        partnership_countries=await members(session, incident),
    )


def environment(incident: Incident) -> EnvironmentV1:
    return EnvironmentV1(kind=incident.environment_kind, id=incident.environment_id)


async def view(session: AsyncSession, incident: Incident) -> IncidentOut:
    out = IncidentOut.model_validate(incident)
    steps = await session.scalars(
        select(IncidentStep).where(IncidentStep.incident_id == incident.id).order_by(IncidentStep.position)
    )
    roles = await session.scalars(
        select(IncidentRole).where(IncidentRole.incident_id == incident.id).order_by(IncidentRole.assigned_at)
    )
    out.steps = [StepOut.model_validate(s) for s in steps]
    out.roles = [RoleOut.model_validate(r) for r in roles]
    return out


async def _announce(session: AsyncSession, incident: Incident, event: Event) -> None:
    await add_event(
        session, event, aggregate_id=str(incident.id), source=SOURCE, release=await release(session, incident)
    )


def note(session: AsyncSession, incident: Incident, what: str, actor: str, **details: Any) -> None:
    session.add(
        TimelineEntry(incident_id=incident.id, at=datetime.now(UTC), what=what, actor=actor, details=details)
    )


async def notify(session: AsyncSession, incident: Incident, version: ProtocolVersion, reason: Reason) -> int:
    """Tell the partners the protocol names for this moment, each only what the handling code releases to it."""
    targets: set[str] = set()
    for rule in version.notifications:
        if reason in rule["on"]:
            targets |= set(incident.affected_countries)
            if rule["audience"] == "partnership":
                targets |= set(await members(session, incident))
    targets.discard(incident.originator_country_code)
    audience = (await release(session, incident)).audience
    now = datetime.now(UTC)
    for country in sorted(targets):
        notice = incident_rules.notice_for(country, audience=audience, description=incident.description)
        content = {
            "kind": incident.kind,
            "severity": incident.severity,
            "environment": {"kind": incident.environment_kind, "id": incident.environment_id},
            "description": notice.description,
            "contact_country_code": incident.originator_country_code,
        }
        session.add(
            Notification(
                id=uuid.uuid4(),
                incident_id=incident.id,
                country_code=country,
                reason=reason,
                details_released=notice.details_released,
                content=content,
                notified_at=now,
            )
        )
        await add_event(
            session,
            PartnerNotifiedV1(
                incident_id=str(incident.id),
                country_code=country,
                reason=reason,
                kind=incident.kind,
                severity=incident.severity,
                environment=environment(incident),
                details_released=notice.details_released,
                description=notice.description,
                contact_country_code=incident.originator_country_code,
                exercise=incident.exercise,
                notified_at=now,
            ),
            aggregate_id=str(incident.id),
            source=SOURCE,
            release=Release.of(f"countries:{country}", originator=incident.originator_country_code),
        )
    if targets:
        note(session, incident, "notified", "system", reason=reason, countries=sorted(targets))
    await session.flush()
    return len(targets)


async def declare(
    session: AsyncSession,
    *,
    body: IncidentIn,
    country: str,
    principal: Principal | None,
    idempotency: IdempotentRequest | None = None,
) -> Outcome:
    """201 with the incident; the same request again under its Idempotency-Key answers the same, so a client
    whose answer was lost does not declare a second incident (and start a second response) by retrying."""
    opened: list[Incident] = []

    async def declared() -> Outcome:
        incident = await open_incident(
            session, body=body, country=country, author=who(principal), exercise=False, drill_id=None
        )
        opened.append(incident)
        return Outcome(201, (await view(session, incident)).model_dump(mode="json"))

    async with session.begin():
        outcome = await answer_once(session, idempotency, declared)
    for incident in opened:  # none on a replay: it was counted when it was declared
        statistics.declared(incident)
    return outcome


async def open_incident(
    session: AsyncSession,
    *,
    body: IncidentIn,
    country: str,
    author: str,
    exercise: bool,
    drill_id: uuid.UUID | None,
) -> Incident:
    """Inside the caller's transaction (a drill opens its exercise incident with it)."""
    await protocols.member_partnership(session, body.partnership_id, country)
    if not exercise:  # a drill rehearses in its cycle's environment and changes nothing in training
        await environments.require_known(
            session,
            partnership_id=body.partnership_id,
            kind=body.environment.kind,
            environment_id=body.environment.id,
        )
    protocol, version = await protocols.current_for(
        session, partnership_id=body.partnership_id, kind=body.kind, environment_kind=body.environment.kind
    )
    affected = sorted({c.strip().upper() for c in body.affected_countries})
    if any(len(c) != 2 or not c.isalpha() for c in affected):
        raise field_problem("affected_countries", "not_a_country", "Countries are ISO 3166-1 alpha-2 codes.")
    now = datetime.now(UTC)
    incident = Incident(
        id=uuid.uuid4(),
        partnership_id=body.partnership_id,
        protocol_version_id=version.id,
        kind=body.kind,
        environment_kind=body.environment.kind,
        environment_id=body.environment.id,
        severity=body.severity,
        description=body.description,
        handling_code=body.handling_code,
        originator_country_code=country,
        audience=[],
        affected_countries=affected,
        exercise=exercise,
        drill_id=drill_id,
        status="declared",
        declared_by=author,
        declared_at=now,
    )
    incident.audience = sorted(
        ["*"] if (a := (await release(session, incident)).audience).everyone else a.countries
    )
    session.add(incident)
    await session.flush()
    session.add_all(
        IncidentStep(
            incident_id=incident.id,
            code=step["code"],
            position=i,
            title=step["title"],
            role=step["role"],
            limit_minutes=step["limit_minutes"],
        )
        for i, step in enumerate(version.steps)
    )
    note(
        session,
        incident,
        "declared",
        author,
        severity=body.severity,
        protocol=str(protocol.id),
        version=version.number,
    )
    await session.flush()
    await _announce(
        session,
        incident,
        IncidentDeclaredV1(
            incident_id=str(incident.id),
            partnership_id=str(incident.partnership_id),
            protocol_id=str(protocol.id),
            protocol_version=version.number,
            kind=body.kind,
            environment=environment(incident),
            severity=body.severity,
            affected_countries=affected,
            exercise=exercise,
            drill_id=str(drill_id) if drill_id else None,
            declared_at=now,
        ),
    )
    await notify(session, incident, version, "declared")
    return incident


async def _changed(
    session: AsyncSession,
    incident: Incident,
    change: Change,
    *,
    step_code: str | None = None,
    role: str | None = None,
    reason: str | None = None,
) -> None:
    await _announce(
        session,
        incident,
        IncidentChangedV1(
            incident_id=str(incident.id),
            change=change,
            severity=incident.severity,
            step_code=step_code,
            role=role,
            reason=reason,
            exercise=incident.exercise,
            drill_id=str(incident.drill_id) if incident.drill_id else None,
            changed_at=datetime.now(UTC),
        ),
    )


def _active(incident: Incident) -> None:
    if incident.status in ("resolved", "closed"):
        raise Conflict(f"The incident is {incident.status}.", code="incident_over")


async def resolve(
    session: AsyncSession, *, incident_id: uuid.UUID, body: ResolutionIn, principal: Principal | None
) -> IncidentOut:
    async with session.begin():
        incident = await get(session, incident_id, lock=True)
        if incident.status == "resolved":
            return await view(session, incident)
        _active(incident)
        await resolve_in(session, incident, summary=body.summary, actor=who(principal))
        out = await view(session, incident)
    statistics.resolved(incident)
    return out


async def resolve_in(session: AsyncSession, incident: Incident, *, summary: str, actor: str) -> None:
    now = datetime.now(UTC)
    incident.status, incident.resolved_at, incident.resolution = "resolved", now, summary
    note(session, incident, "resolved", actor, summary=summary)
    await session.flush()
    await _announce(
        session,
        incident,
        IncidentResolvedV1(
            incident_id=str(incident.id),
            partnership_id=str(incident.partnership_id),
            kind=incident.kind,
            environment=environment(incident),
            exercise=incident.exercise,
            minutes_to_resolve=incident_rules.minutes_between(incident.declared_at, now),
            resolved_at=now,
        ),
    )
    version = await session.get(ProtocolVersion, incident.protocol_version_id)
    assert version is not None
    await notify(session, incident, version, "resolved")


async def close_in(session: AsyncSession, incident: Incident, *, actor: str) -> None:
    incident.status, incident.closed_at = "closed", datetime.now(UTC)
    note(session, incident, "closed", actor)
    await session.flush()
    await _announce(
        session,
        incident,
        IncidentClosedV1(
            incident_id=str(incident.id), exercise=incident.exercise, closed_at=incident.closed_at
        ),
    )


async def finish_exercise(session: AsyncSession, incident: Incident, *, summary: str) -> None:
    """A drill's incident ends with its drill: resolved and closed at once."""
    if incident.status not in ("resolved", "closed"):
        await resolve_in(session, incident, summary=summary, actor="drill-cycle")
    if incident.status != "closed":
        await close_in(session, incident, actor="drill-cycle")


async def close(session: AsyncSession, *, incident_id: uuid.UUID, principal: Principal | None) -> IncidentOut:
    async with session.begin():
        incident = await get(session, incident_id, lock=True)
        if incident.status == "closed":
            return await view(session, incident)
        if incident.status != "resolved":
            raise Conflict("An incident is resolved before it is closed.", code="not_resolved")
        await close_in(session, incident, actor=who(principal))
        return await view(session, incident)


def audience_of(incident: Incident) -> Audience:
    return Audience(everyone=True) if "*" in incident.audience else Audience(frozenset(incident.audience))
