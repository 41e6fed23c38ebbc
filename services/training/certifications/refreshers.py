"""Refreshers of certifications: what CertificationRefresherWorkflow asks training to do, and starting it.

The training consumer starts one workflow per certification when its issue is announced (so a certification
committed to the database always gets its refresher, even if the API died right after the commit). The id comes
from the certification, a running one is reused and a finished one never started again: redelivery does nothing.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Literal

from sqlalchemy.ext.asyncio import AsyncSession

from backbone.errors import Conflict, NotFound, field_problem
from backbone.idempotency import IdempotentRequest, Outcome, answer_once
from backbone.outbox import add_event
from contracts.events.training import (
    CertificationExpiredV1,
    CertificationRefresherStepV1,
    CertificationRenewedV1,
)
from services.training import SOURCE
from services.training.certifications.rules import expiry
from services.training.certifications.service import release_of
from services.training.models import Certification
from services.training.recognition import service as recognition


async def _locked(session: AsyncSession, certification_id: uuid.UUID) -> Certification:
    certification = await session.get(Certification, certification_id, with_for_update=True)
    if certification is None:
        raise NotFound(f"No certification with id {certification_id}.", code="certification_not_found")
    return certification


async def take_step(
    session: AsyncSession,
    *,
    certification_id: uuid.UUID,
    kind: Literal["reminder", "enrolment"],
    idempotency: IdempotentRequest | None,
) -> Outcome:
    async def step() -> Outcome:
        certification = await _locked(session, certification_id)
        now = datetime.now(UTC)
        if kind == "reminder":
            certification.reminded_at, certification.refresher_state = now, "reminded"
        else:
            certification.enrolled_at, certification.refresher_state = now, "enrolled"
        await session.flush()
        await add_event(
            session,
            CertificationRefresherStepV1(
                certification_id=str(certification.id),
                country_code=certification.country_code,
                step=kind,
                expires_at=certification.expires_at,
                taken_at=now,
            ),
            aggregate_id=str(certification.id),
            source=SOURCE,
            release=release_of(certification),
        )
        return Outcome(200, {"refresher_state": certification.refresher_state})

    async with session.begin():
        return await answer_once(session, idempotency, step)


async def renew(
    session: AsyncSession,
    *,
    certification_id: uuid.UUID,
    completed_on: date,
    idempotency: IdempotentRequest | None,
) -> Outcome:
    """Another validity period, counted from the refresher's completion."""

    async def extend() -> Outcome:
        certification = await _locked(session, certification_id)
        if certification.status == "revoked":
            raise Conflict("A revoked certification is not renewed.", code="certification_revoked")
        if completed_on < certification.issued_on:
            raise field_problem(
                "completed_on",
                "completed_before_issue",
                f"A refresher for this certification is completed on or after its issue ({certification.issued_on}).",
            )
        certification.expires_on, certification.expires_at = expiry(
            completed_on, validity_months=certification.validity_months, time_zone=certification.time_zone
        )
        certification.refresher_state, certification.renewals = "none", certification.renewals + 1
        await session.flush()
        await add_event(
            session,
            CertificationRenewedV1(
                certification_id=str(certification.id),
                country_code=certification.country_code,
                refresher_completed_on=completed_on,
                expires_on=certification.expires_on,
                expires_at=certification.expires_at,
            ),
            aggregate_id=str(certification.id),
            source=SOURCE,
            release=release_of(certification),
        )
        return Outcome(
            200,
            {
                "expires_on": certification.expires_on.isoformat(),
                "expires_at": certification.expires_at.isoformat(),
            },
        )

    async with session.begin():
        return await answer_once(session, idempotency, extend)


async def expire(
    session: AsyncSession, *, certification_id: uuid.UUID, idempotency: IdempotentRequest | None
) -> Outcome:
    async def lapse() -> Outcome:
        certification = await _locked(session, certification_id)
        now = datetime.now(UTC)
        if certification.expired_at is None:
            certification.expired_at = now
            await session.flush()
            await add_event(
                session,
                CertificationExpiredV1(
                    certification_id=str(certification.id),
                    country_code=certification.country_code,
                    expired_at=now,
                ),
                aggregate_id=str(certification.id),
                source=SOURCE,
                release=release_of(certification),
            )
            await recognition.revoke_for_certification(session, certification.id, "certification_expired")
        return Outcome(200, {"status": "expired"})

    async with session.begin():
        return await answer_once(session, idempotency, lapse)
