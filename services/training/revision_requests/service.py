"""Revision request use cases: an assessment finding arrives as a request to revise one of the partnership's
curricula (checked to be one: ids from another service are untrusted); the curriculum's drafting country accepts a
request into a draft version (the open draft, or a new revision copied from the latest version) or declines it
with a reason. Both are announced, so the drill or the evaluation that raised it sees the outcome. Drill requests
arrive through incident_effects; refreshers need no decision (they are assigned on arrival)."""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from backbone.auth.policy import object_id
from backbone.auth.principal import Principal
from backbone.errors import Conflict, DomainError
from backbone.outbox import add_event
from backbone.pagination import keyset_page
from contracts.envelope import EventEnvelope
from contracts.events.assessment import CurriculumRevisionRequestedV1
from contracts.events.evaluation import SurveyRevisionRequestedV1
from contracts.events.revisions import RevisionRequestDecidedV1
from rules.releasability import Release
from services.training import SOURCE
from services.training.curricula import service as curricula
from services.training.models import (
    Curriculum,
    CurriculumVersion,
    Instructor,
    KnownPartnership,
    RefresherAssignment,
    RevisionRequest,
)
from services.training.revision_requests.models import DevelopmentAction
from services.training.revision_requests.schemas import (
    AcceptanceIn,
    CompletionIn,
    DeclinationIn,
    DevelopmentActionOut,
    RevisionRequestOut,
)

log = logging.getLogger(__name__)


def view(row: RevisionRequest) -> RevisionRequestOut:
    return RevisionRequestOut.model_validate(row)


async def on_curriculum_revision_requested(session: AsyncSession, envelope: EventEnvelope) -> None:
    """An assessment finding on a criterion often failed (with the instructors concerned)."""
    event = CurriculumRevisionRequestedV1.model_validate(envelope.data)
    evidence = {**event.evidence.model_dump(mode="json"), "module_ids": event.module_ids}
    request_id = await _intake(
        session,
        finding_id=event.finding_id,
        partnership=event.partnership_id,
        curriculum=event.curriculum_id,
        competency=event.competency,
        summary=event.summary,
        evidence=evidence,
        raised_by=event.raised_by_country_code,
        raised_at=event.raised_at,
    )
    if request_id is not None:
        await _development_actions(session, request_id, event)


async def on_survey_revision_requested(session: AsyncSession, envelope: EventEnvelope) -> None:
    """An assessment finding on a survey question rated low, with the survey's figures."""
    event = SurveyRevisionRequestedV1.model_validate(envelope.data)
    evidence = event.model_dump(
        mode="json",
        include={
            "survey_id",
            "question_id",
            "question",
            "mean",
            "scale_minimum",
            "scale_maximum",
            "responses",
        },
    )
    await _intake(
        session,
        finding_id=event.finding_id,
        partnership=event.partnership_id,
        curriculum=event.curriculum_id,
        competency=None,
        summary=event.summary,
        evidence=evidence,
        raised_by=event.raised_by_country_code,
        raised_at=event.raised_at,
    )


async def _intake(
    session: AsyncSession,
    *,
    finding_id: str,
    partnership: str,
    curriculum: str,
    competency: str | None,
    summary: str,
    evidence: dict[str, Any],
    raised_by: str,
    raised_at: datetime,
) -> uuid.UUID | None:
    """Kept once per finding (the new request's id; None when seen before). A request naming no curriculum of its
    partnership is declined at once (and the declination announced), never pointed at another partnership's."""
    partnership_id = uuid.UUID(partnership)
    found = await session.get(Curriculum, uuid.UUID(curriculum))
    ours = found is not None and found.partnership_id == partnership_id
    stored = await session.execute(
        pg_insert(RevisionRequest)
        .values(
            id=uuid.uuid4(),
            finding_id=uuid.UUID(finding_id),
            source="assessment",
            partnership_id=partnership_id,
            request="curriculum_revision",
            curriculum_id=found.id if ours and found else None,
            competency=competency,
            countries=sorted(found.countries) if ours and found else [raised_by],
            summary=summary,
            evidence=evidence,
            status="open",
            requested_at=raised_at,
        )
        .on_conflict_do_nothing(index_elements=["finding_id"])
        .returning(RevisionRequest.id)
    )
    request_id = stored.scalar_one_or_none()
    if request_id is None or ours:
        return request_id if ours else None
    log.warning("finding %s names curriculum %s, not one of its partnership's", finding_id, curriculum)
    row = await session.get(RevisionRequest, request_id)
    assert row is not None
    reason = f"Curriculum {curriculum} is not a curriculum of the partnership: nothing to revise."
    await _decide(session, row, outcome="declined", reason=reason, by=None, country=None)
    return None


async def _development_actions(
    session: AsyncSession, request_id: uuid.UUID, event: CurriculumRevisionRequestedV1
) -> None:
    """One action per instructor concerned that training knows (an unknown id is not ours to act on)."""
    ids = [i for i in (object_id(value) for value in event.instructor_ids) if i is not None]
    if not ids:
        return
    now = datetime.now(UTC)
    criterion = event.evidence.criterion
    for instructor in await session.scalars(select(Instructor).where(Instructor.id.in_(ids))):
        await session.execute(
            pg_insert(DevelopmentAction)
            .values(
                id=uuid.uuid4(),
                instructor_id=instructor.id,
                revision_request_id=request_id,
                country_code=instructor.country_code,
                summary=f'Trainees often failed "{criterion}": {event.summary}'[:4000],
                status="open",
                created_at=now,
            )
            .on_conflict_do_nothing(constraint="uq_development_action")
        )


async def development_actions(
    session: AsyncSession, *, instructor_id: uuid.UUID
) -> list[DevelopmentActionOut]:
    """The instructor's actions, for its country (row-level security)."""
    async with session.begin():
        rows = await session.scalars(
            select(DevelopmentAction)
            .where(DevelopmentAction.instructor_id == instructor_id)
            .order_by(DevelopmentAction.created_at, DevelopmentAction.id)
        )
        return [DevelopmentActionOut.model_validate(r, from_attributes=True) for r in rows]


async def complete_action(
    session: AsyncSession, *, action_id: uuid.UUID, body: CompletionIn
) -> DevelopmentActionOut:
    """Done, with what was done; completing it again changes nothing."""
    async with session.begin():
        found = await session.get(DevelopmentAction, action_id, with_for_update=True)
        if found is None:
            raise DomainError(
                f"No development action with id {action_id}.", status=404, code="development_action_not_found"
            )
        if found.status != "done":
            found.status, found.completed_at, found.completion_note = "done", datetime.now(UTC), body.note
            await session.flush()
        return DevelopmentActionOut.model_validate(found, from_attributes=True)


async def _decide(
    session: AsyncSession,
    row: RevisionRequest,
    *,
    outcome: str,
    reason: str,
    by: str | None,
    country: str | None,
    draft: CurriculumVersion | None = None,
    curriculum: Curriculum | None = None,
) -> None:
    row.status, row.decision_reason, row.decided_by = outcome, reason, by
    row.draft_version = draft.number if draft else None
    row.decided_at = datetime.now(UTC)
    await session.flush()
    if curriculum is not None:
        release = curricula.release(curriculum)
    else:
        partnership = await session.get(KnownPartnership, row.partnership_id)
        members = partnership.member_countries if partnership else row.countries
        release = Release.of("partnership", originator=row.countries[0], partnership_countries=members)
    await add_event(
        session,
        RevisionRequestDecidedV1(
            revision_request_id=str(row.id),
            finding_id=str(row.finding_id),
            source=row.source,
            partnership_id=str(row.partnership_id),
            curriculum_id=str(row.curriculum_id) if row.curriculum_id else None,
            outcome=outcome,
            reason=reason,
            draft_version=row.draft_version,
            decided_by_country_code=country,
            decided_at=row.decided_at,
        ),
        aggregate_id=str(row.id),
        source=SOURCE,
        release=release,
    )


async def _open_request(
    session: AsyncSession, request_id: uuid.UUID, principal: Principal | None
) -> tuple[RevisionRequest, Curriculum]:
    row = await session.get(RevisionRequest, request_id, with_for_update=True)
    if row is None:
        raise DomainError(
            f"No revision request with id {request_id}.", status=404, code="revision_request_not_found"
        )
    if row.request == "curriculum_revision" and row.curriculum_id is None:
        raise Conflict(f"The request was {row.status} already.", code="revision_request_decided")
    if row.request != "curriculum_revision" or row.curriculum_id is None:
        raise Conflict(
            "Only a curriculum revision is decided (refreshers are assigned on arrival).",
            code="not_a_curriculum_revision",
        )
    curriculum = await curricula.get(session, row.curriculum_id, lock=True)
    curricula.require_drafter(principal, curriculum)
    return row, curriculum


def _already(row: RevisionRequest, outcome: str, reason: str) -> RevisionRequestOut | None:
    """The same decision again answers it unchanged; another one is refused."""
    if row.status == "open":
        return None
    if row.status == outcome and (outcome == "accepted" or row.decision_reason == reason):
        return view(row)
    raise Conflict(f"The request was {row.status} already.", code="revision_request_decided")


async def accept(
    session: AsyncSession, *, request_id: uuid.UUID, body: AcceptanceIn, principal: Principal | None
) -> RevisionRequestOut:
    """Into the curriculum's open draft, or a new revision draft copied from the latest version whose reason
    names the request; 409 while a version is submitted for decision."""
    async with session.begin():
        row, curriculum = await _open_request(session, request_id, principal)
        answered = _already(row, "accepted", body.note)
        if answered:
            return answered
        draft = await session.scalar(
            select(CurriculumVersion)
            .where(
                CurriculumVersion.curriculum_id == curriculum.id, CurriculumVersion.status.in_(curricula.OPEN)
            )
            .with_for_update()
        )
        if draft is not None and draft.status != "draft":
            raise Conflict(
                f"Version {draft.number} is before the oversight body: accept the request once it is decided.",
                code="version_under_decision",
            )
        author = principal.subject if principal else "system"
        if draft is None:
            draft = await curricula.start_revision(
                session, curriculum, author=author, reason=f"Revision request {row.id}: {row.summary}"[:4000]
            )
        note = body.note or f"Taken up in draft version {draft.number}."
        country = principal.country if principal else None
        await _decide(
            session,
            row,
            outcome="accepted",
            reason=note,
            by=author,
            country=country,
            draft=draft,
            curriculum=curriculum,
        )
        return view(row)


async def decline(
    session: AsyncSession, *, request_id: uuid.UUID, body: DeclinationIn, principal: Principal | None
) -> RevisionRequestOut:
    async with session.begin():
        row, curriculum = await _open_request(session, request_id, principal)
        answered = _already(row, "declined", body.reason)
        if answered:
            return answered
        await _decide(
            session,
            row,
            outcome="declined",
            reason=body.reason,
            by=principal.subject if principal else "system",
            country=principal.country if principal else None,
            curriculum=curriculum,
        )
        return view(row)


async def revision_request(session: AsyncSession, *, request_id: uuid.UUID) -> RevisionRequestOut:
    async with session.begin():
        row = await session.get(RevisionRequest, request_id)
        if row is None:
            raise DomainError(
                f"No revision request with id {request_id}.", status=404, code="revision_request_not_found"
            )
        return view(row)


async def revision_requests(
    session: AsyncSession,
    *,
    limit: int,
    cursor: str | None,
    partnership_id: uuid.UUID | None = None,
    curriculum_id: uuid.UUID | None = None,
) -> tuple[list[RevisionRequestOut], str | None]:
    async with session.begin():
        query = select(RevisionRequest)
        if partnership_id:
            query = query.where(RevisionRequest.partnership_id == partnership_id)
        if curriculum_id:
            query = query.where(RevisionRequest.curriculum_id == curriculum_id)
        rows, next_cursor = await keyset_page(
            session,
            query,
            created=RevisionRequest.requested_at,
            key=RevisionRequest.id,
            limit=limit,
            cursor=cursor,
        )
        return [view(r) for r in rows], next_cursor


async def assignments(
    session: AsyncSession, *, revision_request_id: uuid.UUID, limit: int, cursor: str | None
) -> tuple[list[uuid.UUID], str | None]:
    """The certifications (of the caller's country: row-level security) assigned a refresher by a request."""
    async with session.begin():
        rows, next_cursor = await keyset_page(
            session,
            select(RefresherAssignment).where(RefresherAssignment.revision_request_id == revision_request_id),
            created=RefresherAssignment.assigned_at,
            key=RefresherAssignment.certification_id,
            limit=limit,
            cursor=cursor,
        )
        return [row.certification_id for row in rows], next_cursor
