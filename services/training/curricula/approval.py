"""A curriculum version put to the oversight body: submitted, withdrawn, settled when the decision closes."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from backbone.auth.principal import Principal
from backbone.errors import Conflict
from backbone.outbox import add_event
from contracts.events.partners import DecisionClosedV1
from contracts.events.training import (
    CurriculumApprovedV1,
    CurriculumDiffV1,
    CurriculumModuleV1,
    CurriculumRejectedV1,
    CurriculumRevisedV1,
    CurriculumSubmittedV1,
)
from services.training import SOURCE
from services.training.curricula import rules as curriculum_rules
from services.training.curricula.schemas import (
    SubmissionIn,
    VersionOut,
)
from services.training.curricula.service import (
    _version,
    check_modules,
    get,
    open_version,
    release,
    require_drafter,
)
from services.training.models import (
    CurriculumProposal,
    CurriculumVersion,
)

SUBJECT_PREFIX = "training:curriculum-submission:"


async def submit(
    session: AsyncSession, *, curriculum_id: uuid.UUID, body: SubmissionIn, principal: Principal | None
) -> VersionOut:
    """The draft goes to the oversight body: partners opens a decision about this submission (by event)."""
    async with session.begin():
        curriculum = await get(session, curriculum_id, lock=True)
        require_drafter(principal, curriculum)
        draft = await open_version(session, curriculum)
        if not draft.modules:
            raise Conflict("A curriculum needs at least one module before approval.", code="no_modules")
        await check_modules(session, draft.modules)
        open_proposals = await session.scalar(
            select(func.count())
            .select_from(CurriculumProposal)
            .where(CurriculumProposal.version_id == draft.id, CurriculumProposal.status == "open")
        )
        if open_proposals:
            raise Conflict(
                f"{open_proposals} proposal(s) on the draft are not settled yet.", code="proposals_open"
            )
        previous = (
            await _version(session, curriculum.id, curriculum.current_version)
            if curriculum.current_version
            else None
        )
        difference = curriculum_rules.diff(
            {"title": previous.title, "language": previous.language, "modules": previous.modules}
            if previous
            else None,
            {"title": draft.title, "language": draft.language, "modules": draft.modules},
        )
        if previous is not None and curriculum_rules.is_empty(difference):
            raise Conflict("The revision changes nothing in the approved version.", code="revision_unchanged")
        now = datetime.now(UTC)
        draft.status, draft.diff = "submitted", difference
        draft.submission_id, draft.submitted_at, draft.decide_by = uuid.uuid4(), now, body.decide_by
        await session.flush()
        await add_event(
            session,
            CurriculumSubmittedV1(
                curriculum_id=str(curriculum.id),
                version_id=str(draft.id),
                version=draft.number,
                partnership_id=str(curriculum.partnership_id),
                code=curriculum.code,
                title=draft.title,
                language=draft.language,
                subject=f"{SUBJECT_PREFIX}{draft.submission_id}",
                reason=draft.reason,
                decide_by=body.decide_by,
                submitted_by_country_code=curriculum.drafting_country_code,
                submitted_at=now,
            ),
            aggregate_id=str(curriculum.id),
            source=SOURCE,
            release=release(curriculum),
        )
        return VersionOut.model_validate(draft)


async def withdraw(
    session: AsyncSession, *, curriculum_id: uuid.UUID, principal: Principal | None
) -> VersionOut:
    """Back to draft; the decision already opened about that submission no longer changes anything."""
    async with session.begin():
        curriculum = await get(session, curriculum_id, lock=True)
        require_drafter(principal, curriculum)
        submitted = await open_version(session, curriculum, status="submitted")
        submitted.status, submitted.submission_id = "draft", None
        submitted.submitted_at = submitted.decide_by = None
        await session.flush()
        return VersionOut.model_validate(submitted)


async def settle_decision(session: AsyncSession, event: DecisionClosedV1) -> None:
    """The oversight body decided about a submission (consumer of partners.decision_closed.v1)."""
    assert event.subject is not None
    submission_id = uuid.UUID(event.subject.removeprefix(SUBJECT_PREFIX))
    version = await session.scalar(
        select(CurriculumVersion).where(CurriculumVersion.submission_id == submission_id).with_for_update()
    )
    if version is None or version.status != "submitted":
        return  # withdrawn since, or this decision was applied already
    curriculum = await get(session, version.curriculum_id, lock=True)
    version.decision_id, version.decided_at = uuid.UUID(event.decision_id), event.closed_at
    if event.outcome != "approved":
        version.status = "rejected"
        await session.flush()
        await add_event(
            session,
            CurriculumRejectedV1(
                curriculum_id=str(curriculum.id),
                version_id=str(version.id),
                version=version.number,
                partnership_id=str(curriculum.partnership_id),
                outcome=event.outcome,
                decision_id=event.decision_id,
                decided_at=event.closed_at,
            ),
            aggregate_id=str(curriculum.id),
            source=SOURCE,
            release=release(curriculum),
        )
        return
    previous = curriculum.current_version
    if previous is not None:
        (await _version(session, curriculum.id, previous)).status = "superseded"
    version.status, curriculum.current_version = "approved", version.number
    await session.flush()
    modules = [CurriculumModuleV1.model_validate(m) for m in version.modules]
    common: dict[str, Any] = {
        "curriculum_id": str(curriculum.id),
        "version_id": str(version.id),
        "version": version.number,
        "partnership_id": str(curriculum.partnership_id),
        "code": curriculum.code,
        "title": version.title,
        "language": version.language,
        "modules": modules,
        "decision_id": event.decision_id,
        "approved_at": event.closed_at,
    }
    announcement = (
        CurriculumRevisedV1(
            **common,
            previous_version=previous,
            reason=version.reason or "",
            diff=CurriculumDiffV1.model_validate(version.diff),
        )
        if previous is not None
        else CurriculumApprovedV1(
            **common,
            context=curriculum.context,  # held to the three by a check constraint
            context_country_code=curriculum.context_country_code,
            variant_of=str(curriculum.variant_of_id) if curriculum.variant_of_id else None,
        )
    )
    await add_event(
        session, announcement, aggregate_id=str(curriculum.id), source=SOURCE, release=release(curriculum)
    )
