"""Attendance and progress reported by learning platforms as xAPI statements, folded into module progress per
enrolled trainee; a module's first completion is announced for the assessment service."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backbone.errors import Conflict, DomainError, NotFound, field_problem
from backbone.outbox import add_event
from backbone.pagination import keyset_page_by
from contracts.events.training import ModuleCompletedV1
from services.training import SOURCE
from services.training.cohorts import service as cohorts
from services.training.incident_effects import service as incident_effects
from services.training.learning.schemas import COMPLETING, Statement
from services.training.models import (
    Cohort,
    CurriculumVersion,
    LearningStatement,
    ModuleProgress,
    Nomination,
)

ATTEMPTS = frozenset({"attempted", "completed", "passed", "failed"})


SECONDS_COLUMN_MAX = 2**31 - 1
"""Time spent on a module saturates at what its column holds (68 years)."""


def _problem(index: int | None, field: str, code: str, message: str) -> DomainError:
    at = f"{index}.{field}" if index is not None else field
    return field_problem(at, code, message)


def canonical(statement: Statement) -> dict[str, Any]:
    return statement.model_dump(mode="json", by_alias=True, exclude_none=True)


async def record(
    session: AsyncSession, *, statements: list[Statement], caller_country: str, author: str, batch: bool
) -> list[str]:
    """All statements of a request are stored, or none. A statement id seen before with the same content is
    stored once (a platform's retry); with other content it is refused (409), as xAPI says."""
    ids: list[str] = []
    async with session.begin():
        versions: dict[uuid.UUID, tuple[Cohort, CurriculumVersion]] = {}
        for i, statement in enumerate(statements):
            index = i if batch else None
            statement_id = statement.id or uuid.uuid4()
            ids.append(str(statement_id))
            body = canonical(statement) | {"id": str(statement_id)}
            known = await session.get(LearningStatement, statement_id)
            if known is not None:
                if known.statement != body:
                    raise Conflict(
                        f"Statement {statement_id} was stored with other content.", code="statement_conflict"
                    )
                continue
            if statement.cohort_id not in versions:
                try:
                    cohort = await cohorts.get(session, statement.cohort_id)
                except NotFound as exc:
                    raise _problem(index, "object.id", "cohort_unknown", str(exc)) from exc
                version = await session.get(CurriculumVersion, cohort.curriculum_version_id)
                assert version is not None
                versions[statement.cohort_id] = (cohort, version)
            cohort, version = versions[statement.cohort_id]
            if statement.module_code not in {m["code"] for m in version.modules}:
                raise _problem(
                    index,
                    "object.id",
                    "module_unknown",
                    f"The cohort's curriculum has no module {statement.module_code}.",
                )
            if await incident_effects.suspended(session, cohort.curriculum_id, statement.module_code):
                raise Conflict(
                    f"Access to module {statement.module_code} is suspended while an incident about it is open.",
                    code="module_suspended",
                )
            nomination = await _enrollment(session, cohort, statement, caller_country, index)
            session.add(
                LearningStatement(
                    id=statement_id,
                    cohort_id=cohort.id,
                    nomination_id=nomination.id,
                    country_code=nomination.country_code,
                    organiser_country_code=cohort.organiser_country_code,
                    module_code=statement.module_code,
                    verb=statement.verb_name,
                    score=_score(statement),
                    success=statement.result.success if statement.result else None,
                    seconds=statement.seconds,
                    timestamp=statement.timestamp,
                    statement=body,
                    reported_by=author,
                    stored_at=datetime.now(UTC),
                )
            )
            await session.flush()
            await _fold(session, cohort, version, nomination, statement)
    return ids


def _score(statement: Statement) -> Decimal | None:
    scaled = statement.scaled_score
    return None if scaled is None else Decimal(str(round(scaled, 4)))


async def _enrollment(
    session: AsyncSession, cohort: Cohort, statement: Statement, caller_country: str, index: int | None
) -> Nomination:
    """The enrolled trainee the actor names: among the caller's country's (the organiser's platform: anyone's)."""
    query = select(Nomination).where(
        Nomination.cohort_id == cohort.id,
        Nomination.trainee_id == statement.actor.account.name,
        Nomination.status == "enrolled",
    )
    if caller_country != cohort.organiser_country_code:
        query = query.where(Nomination.country_code == caller_country)
    found = list(await session.scalars(query))
    if not found:
        raise _problem(
            index,
            "actor.account.name",
            "actor_not_enrolled",
            f"No enrolled trainee {statement.actor.account.name} in cohort {cohort.id} that you report for.",
        )
    if len(found) > 1:
        raise _problem(
            index,
            "actor.account.name",
            "actor_ambiguous",
            "Trainees of several countries have this id; report through the trainee's country.",
        )
    return found[0]


async def _fold(
    session: AsyncSession,
    cohort: Cohort,
    version: CurriculumVersion,
    nomination: Nomination,
    statement: Statement,
) -> None:
    progress = await session.get(ModuleProgress, (nomination.id, statement.module_code), with_for_update=True)
    if progress is None:
        progress = ModuleProgress(
            nomination_id=nomination.id,
            module_code=statement.module_code,
            cohort_id=cohort.id,
            country_code=nomination.country_code,
            organiser_country_code=cohort.organiser_country_code,
            status="started",
            attempts=0,
            seconds=0,
            first_seen_at=statement.timestamp,
        )
        session.add(progress)
    verb = statement.verb_name
    progress.attempts += 1 if verb in ATTEMPTS else 0
    progress.seconds = min(progress.seconds + (statement.seconds or 0), SECONDS_COLUMN_MAX)
    score = _score(statement)
    if score is not None and (progress.best_score is None or score > progress.best_score):
        progress.best_score = score
    success = statement.result.success if statement.result else None
    completes = verb in COMPLETING and success is not False
    if verb == "failed" and progress.status != "completed":
        progress.status = "failed"
    await session.flush()
    if not completes or progress.status == "completed":
        return
    progress.status, progress.completed_at = "completed", statement.timestamp
    await session.flush()
    await add_event(
        session,
        ModuleCompletedV1(
            cohort_id=str(cohort.id),
            nomination_id=str(nomination.id),
            trainee_id=nomination.trainee_id,
            country_code=nomination.country_code,
            curriculum_id=str(cohort.curriculum_id),
            curriculum_version=version.number,
            module_code=statement.module_code,
            passed=True if verb == "passed" or success else None,
            score=float(progress.best_score) if progress.best_score is not None else None,
            minutes_spent=progress.seconds // 60,
            completed_at=statement.timestamp,
        ),
        aggregate_id=str(cohort.id),
        source=SOURCE,
        release=cohorts.enrollment_release(cohort, nomination),
    )


async def trainee_progress(
    session: AsyncSession, *, nomination_id: uuid.UUID, limit: int, cursor: str | None
) -> tuple[list[ModuleProgress], str | None]:
    async with session.begin():
        await cohorts.nomination_row(session, nomination_id)
        return await keyset_page_by(
            session,
            select(ModuleProgress).where(ModuleProgress.nomination_id == nomination_id),
            order=ModuleProgress.first_seen_at,
            position=lambda row: row.first_seen_at,
            key=ModuleProgress.module_code,
            parse_key=str,
            limit=limit,
            cursor=cursor,
        )
