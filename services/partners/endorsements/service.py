"""Endorsements: a regional body or an international organisation validates a partnership, a standard or a
curriculum, and may withdraw it.

A partnership is checked here (this service owns partnerships); standards and curricula belong to the
training service, so they are named by its reference (e.g. `competency-framework:2026.1`) and not checked.
"""

from __future__ import annotations

import contextlib
import uuid
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from backbone.errors import Conflict, NotFound
from backbone.idempotency import IdempotentRequest, Outcome, answer_once
from backbone.outbox import add_event
from backbone.pagination import keyset_page
from contracts.events.partners import EndorsementGrantedV1, EndorsementWithdrawnV1
from rules.releasability import PLATFORM, Release
from services.partners import SOURCE
from services.partners.endorsements.schemas import EndorsementIn, EndorsementOut, EndorsementWithdrawal
from services.partners.models import Endorsement, Partnership
from services.partners.problems import _field_error

PUBLIC_STATEMENT = Release.of("public", originator=PLATFORM)
"""Endorsements are public statements, whoever endorses."""


async def grant_endorsement(
    session: AsyncSession, *, endorsement: EndorsementIn, idempotency: IdempotentRequest | None
) -> Outcome:
    async with session.begin():
        return await answer_once(session, idempotency, lambda: _grant(session, endorsement))


async def _partnership_subject(session: AsyncSession, subject_id: str) -> uuid.UUID:
    try:
        partnership_id = uuid.UUID(subject_id)
    except ValueError as exc:
        raise _field_error(
            "invalid_partnership_id", "For a partnership, subject_id is the partnership's id.", "subject_id"
        ) from exc
    if await session.get(Partnership, partnership_id) is None:
        raise _field_error("unknown_partnership", f"No partnership with id {partnership_id}.", "subject_id")
    return partnership_id


async def _grant(session: AsyncSession, endorsement: EndorsementIn) -> Outcome:
    partnership_id = None
    subject_id = endorsement.subject_id
    if endorsement.subject_kind == "partnership":
        partnership_id = await _partnership_subject(session, subject_id)
        subject_id = str(partnership_id)
    existing = await session.scalar(
        select(Endorsement.id).where(
            func.lower(Endorsement.endorser_name) == endorsement.endorser_name.lower(),
            Endorsement.subject_kind == endorsement.subject_kind,
            Endorsement.subject_id == subject_id,
            Endorsement.status == "active",
        )
    )
    if existing is not None:
        raise Conflict(
            f"{endorsement.endorser_name} already endorses this {endorsement.subject_kind}.",
            code="endorsement_exists",
            endorsement_id=str(existing),
        )
    now = datetime.now(UTC)
    row = Endorsement(
        id=uuid.uuid4(),
        endorser_name=endorsement.endorser_name,
        endorser_kind=endorsement.endorser_kind,
        subject_kind=endorsement.subject_kind,
        subject_id=subject_id,
        partnership_id=partnership_id,
        scope=endorsement.scope,
        endorsed_on=endorsement.endorsed_on,
        granted_at=now,
        status="active",
    )
    session.add(row)
    try:
        await session.flush()
    except IntegrityError as exc:  # a concurrent request won the unique index of active endorsements
        raise Conflict(
            f"{endorsement.endorser_name} already endorses this {endorsement.subject_kind}.",
            code="endorsement_exists",
        ) from exc
    await add_event(
        session,
        EndorsementGrantedV1(
            endorsement_id=str(row.id),
            endorser_name=row.endorser_name,
            endorser_kind=endorsement.endorser_kind,
            subject_kind=endorsement.subject_kind,
            subject_id=row.subject_id,
            scope=row.scope,
            endorsed_on=row.endorsed_on,
            granted_at=now,
        ),
        aggregate_id=str(row.id),
        source=SOURCE,
        release=PUBLIC_STATEMENT,
    )
    return Outcome(
        201,
        EndorsementOut.model_validate(row).model_dump(mode="json"),
        {"Location": f"/endorsements/{row.id}"},
    )


async def withdraw_endorsement(
    session: AsyncSession,
    *,
    endorsement_id: uuid.UUID,
    withdrawal: EndorsementWithdrawal,
    idempotency: IdempotentRequest | None,
) -> Outcome:
    async with session.begin():
        return await answer_once(session, idempotency, lambda: _withdraw(session, endorsement_id, withdrawal))


async def _withdraw(
    session: AsyncSession, endorsement_id: uuid.UUID, withdrawal: EndorsementWithdrawal
) -> Outcome:
    row = await session.get(Endorsement, endorsement_id, with_for_update=True)
    if row is None:
        raise NotFound(f"No endorsement with id {endorsement_id}.", code="endorsement_not_found")
    if row.status == "withdrawn":
        assert row.withdrawn_at is not None
        raise Conflict(
            f"The endorsement was withdrawn on {row.withdrawn_at.date().isoformat()}.",
            code="endorsement_already_withdrawn",
        )
    now = datetime.now(UTC)
    row.status, row.withdrawn_at, row.withdrawal_reason = "withdrawn", now, withdrawal.reason
    await session.flush()
    await add_event(
        session,
        EndorsementWithdrawnV1(
            endorsement_id=str(row.id),
            endorser_name=row.endorser_name,
            subject_kind=row.subject_kind,
            subject_id=row.subject_id,
            reason=withdrawal.reason,
            withdrawn_at=now,
        ),
        aggregate_id=str(row.id),
        source=SOURCE,
        release=PUBLIC_STATEMENT,
    )
    return Outcome(200, EndorsementOut.model_validate(row).model_dump(mode="json"))


async def get_endorsement(session: AsyncSession, *, endorsement_id: uuid.UUID) -> EndorsementOut:
    row = await session.get(Endorsement, endorsement_id)
    if row is None:
        raise NotFound(f"No endorsement with id {endorsement_id}.", code="endorsement_not_found")
    return EndorsementOut.model_validate(row)


async def list_endorsements(
    session: AsyncSession,
    *,
    limit: int,
    cursor: str | None,
    subject_kind: str | None,
    subject_id: str | None,
    status: str | None,
    endorser: str | None,
) -> tuple[list[EndorsementOut], str | None]:
    """Endorsements, oldest first; `endorser` matches the endorser's name regardless of case."""
    query = select(Endorsement)
    if subject_kind:
        query = query.where(Endorsement.subject_kind == subject_kind)
    if subject_id:
        with contextlib.suppress(ValueError):  # a partnership is stored by its canonical id
            subject_id = str(uuid.UUID(subject_id))
        query = query.where(Endorsement.subject_id == subject_id)
    if status:
        query = query.where(Endorsement.status == status)
    if endorser:
        query = query.where(func.lower(Endorsement.endorser_name) == endorser.lower())
    rows, next_cursor = await keyset_page(
        session, query, created=Endorsement.granted_at, key=Endorsement.id, limit=limit, cursor=cursor
    )
    return [EndorsementOut.model_validate(r) for r in rows], next_cursor
