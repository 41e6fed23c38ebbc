"""Certifications: issue on a passed assessment, read with their current status, suspend, reinstate, revoke."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from backbone.errors import Conflict, DomainError, NotFound
from backbone.idempotency import IdempotentRequest, Outcome, answer_once
from backbone.outbox import add_event
from contracts.events.training import CertificationIssuedV1, CertificationStatusChangedV1
from rules.releasability import Release
from services.training import SOURCE
from services.training.certifications.evidence import passed_assessment
from services.training.certifications.rules import NotEligible, check_eligible, expiry, status_at
from services.training.certifications.schemas import CertificationIn, CertificationOut, CredentialStatusOut
from services.training.models import Certification
from services.training.recognition import service as recognition


def view(certification: Certification, now: datetime | None = None) -> CertificationOut:
    return CertificationOut(
        id=certification.id,
        trainee_id=certification.trainee_id,
        trainee_name=certification.trainee_name,
        agency_id=certification.agency_id,
        country_code=certification.country_code,
        curriculum_ref=certification.curriculum_ref,
        competencies=list(certification.competencies),
        level=certification.level,
        issuing_partnership_id=certification.issuing_partnership_id,
        score=certification.score,
        assessment_id=certification.assessment_id,
        issued_on=certification.issued_on,
        expires_on=certification.expires_on,
        expires_at=certification.expires_at,
        time_zone=certification.time_zone,
        status=status_at(
            recorded=certification.status, expires_at=certification.expires_at, now=now or datetime.now(UTC)
        ),
        status_reason=certification.status_reason,
        refresher_state=certification.refresher_state,  # a check constraint holds it to the three
        renewals=certification.renewals,
    )


def release_of(certification: Certification) -> Release:
    # The holder's country decides who else learns of it (recognition shares it further).
    return Release.of("originator", originator=certification.country_code)


async def issue(
    session: AsyncSession,
    *,
    request: CertificationIn,
    country: str,
    idempotency: IdempotentRequest | None,
) -> Outcome:
    try:
        check_eligible(completed=request.curriculum_completed)
    except NotEligible as exc:
        raise DomainError(
            f"Not eligible for a certification: {exc}.",
            status=422,
            code="not_eligible",
            errors=[
                {"field": "curriculum_completed", "in": "body", "code": "not_eligible", "message": str(exc)}
            ],
        ) from exc
    expires_on, expires_at = expiry(
        request.issued_on, validity_months=request.validity_months, time_zone=request.time_zone
    )

    async def award() -> Outcome:
        evidence = await passed_assessment(session, request, country)
        now = datetime.now(UTC)
        row = Certification(
            id=uuid.uuid4(),
            trainee_id=request.trainee_id,
            trainee_name=request.trainee_name,
            trainee_subject=request.trainee_subject,
            agency_id=request.agency_id,
            country_code=country,
            curriculum_ref=request.curriculum_ref,
            competencies=sorted(set(request.competencies)),
            level=request.level,
            issuing_partnership_id=request.issuing_partnership_id,
            score=evidence.percent,
            assessment_id=evidence.assessment_id,
            issued_on=request.issued_on,
            expires_on=expires_on,
            expires_at=expires_at,
            time_zone=request.time_zone,
            status="valid",
            issued_at=now,
            validity_months=request.validity_months,
            refresher_state="none",
            renewals=0,
        )
        session.add(row)
        await session.flush()
        await add_event(
            session,
            CertificationIssuedV1(
                certification_id=str(row.id),
                trainee_id=row.trainee_id,
                agency_id=str(row.agency_id),
                country_code=country,
                curriculum_ref=row.curriculum_ref,
                competencies=list(row.competencies),
                level=row.level,
                issuing_partnership_id=str(row.issuing_partnership_id),
                issued_on=row.issued_on,
                expires_on=row.expires_on,
                expires_at=row.expires_at,
            ),
            aggregate_id=str(row.id),
            source=SOURCE,
            release=release_of(row),
        )
        return Outcome(201, view(row).model_dump(mode="json"), {"Location": f"/certifications/{row.id}"})

    async with session.begin():
        return await answer_once(session, idempotency, award)


async def get(session: AsyncSession, *, certification_id: uuid.UUID) -> Certification:
    found = await session.get(Certification, certification_id)
    if found is None:
        raise NotFound(f"No certification with id {certification_id}.", code="certification_not_found")
    return found


TRANSITIONS = {
    "suspension": ("valid", "suspended"),
    "reinstatement": ("suspended", "valid"),
    "revocation": (None, "revoked"),
}


async def change_status(
    session: AsyncSession, *, certification_id: uuid.UUID, change: str, reason: str
) -> CertificationOut:
    """Suspend (valid → suspended), reinstate (suspended → valid) or revoke (anything but revoked → revoked)."""
    source_status, target = TRANSITIONS[change]
    async with session.begin():
        certification = await session.get(Certification, certification_id, with_for_update=True)
        if certification is None:
            raise NotFound(f"No certification with id {certification_id}.", code="certification_not_found")
        if certification.status == target:
            return view(certification)  # the same change again: nothing to do
        if certification.status == "revoked" or (source_status and certification.status != source_status):
            raise Conflict(
                f"A {certification.status} certification cannot go to {target}.",
                code="invalid_status_change",
                current_status=certification.status,
            )
        now = datetime.now(UTC)
        certification.status, certification.status_reason, certification.status_changed_at = (
            target,
            reason,
            now,
        )
        await session.flush()
        await add_event(
            session,
            CertificationStatusChangedV1(
                certification_id=str(certification.id),
                country_code=certification.country_code,
                status=target,
                reason=reason,
                changed_at=now,
            ),
            aggregate_id=str(certification.id),
            source=SOURCE,
            release=release_of(certification),
        )
        if target == "revoked":
            await recognition.revoke_for_certification(session, certification.id, "certification_revoked")
        return view(certification)


async def public_status(session: AsyncSession, *, certification_id: uuid.UUID) -> CredentialStatusOut:
    """What a verifier may learn online: the status, nothing about the person."""
    async with session.begin():
        certification = await get(session, certification_id=certification_id)
        now = datetime.now(UTC)
        return CredentialStatusOut(
            id=certification.id,
            status=status_at(recorded=certification.status, expires_at=certification.expires_at, now=now),
            expires_at=certification.expires_at,
            checked_at=now,
        )
