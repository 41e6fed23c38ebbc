"""Recognition between partner countries: a recognising country's agreement is its standing consent to recognise
another country's certifications (all competencies or some); the issuing country then puts its holders'
certifications under it. Revoking or letting a certification expire, or ending the agreement, revokes the
recognitions that depend on it, each announced. A suspension leaves recognitions in place: the credential's public
status says suspended, which is what a verifier checks."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backbone.auth.policy import require_country
from backbone.auth.principal import Principal
from backbone.errors import Conflict, NotFound, field_problem
from backbone.idempotency import IdempotentRequest, Outcome, answer_once
from backbone.outbox import add_event
from backbone.pagination import keyset_page
from contracts.events.training import CertificationRecognisedV1, RecognitionEnd, RecognitionRevokedV1
from rules.releasability import Release
from services.training import SOURCE
from services.training.certifications.rules import status_at
from services.training.curricula import service as curricula
from services.training.models import Certification, Recognition, RecognitionAgreement
from services.training.recognition.schemas import AgreementIn, AgreementOut, RecognitionIn, RecognitionOut

NCU = frozenset({"national_coordinator"})


def _release(row: Recognition) -> Release:
    return Release.of(f"countries:{row.recognising_country_code}", originator=row.issuing_country_code)


async def get_agreement(
    session: AsyncSession, agreement_id: uuid.UUID, *, lock: bool = False
) -> RecognitionAgreement:
    found = await session.get(RecognitionAgreement, agreement_id, with_for_update=lock)
    if found is None:
        raise NotFound(f"No recognition agreement with id {agreement_id}.", code="agreement_not_found")
    return found


async def make_agreement(
    session: AsyncSession, *, body: AgreementIn, country: str, idempotency: IdempotentRequest | None
) -> Outcome:
    async def record() -> Outcome:
        partnership = await curricula.member_partnership(session, body.partnership_id, country)
        if body.issuing_country_code == country:
            raise field_problem(
                "issuing_country_code", "same_country", "A country does not recognise itself."
            )
        if body.issuing_country_code not in partnership.member_countries:
            raise field_problem(
                "issuing_country_code",
                "not_a_member",
                "The issuing country is not a member of the partnership.",
            )
        row = RecognitionAgreement(
            id=uuid.uuid4(),
            partnership_id=partnership.partnership_id,
            recognising_country_code=country,
            issuing_country_code=body.issuing_country_code,
            competencies=sorted(set(body.competencies)),
            starts_on=body.starts_on,
            ends_on=body.ends_on,
            status="active",
            created_at=datetime.now(UTC),
        )
        session.add(row)
        await session.flush()
        out = AgreementOut.model_validate(row).model_dump(mode="json")
        return Outcome(201, out, {"Location": f"/recognition-agreements/{row.id}"})

    async with session.begin():
        return await answer_once(session, idempotency, record)


async def view_agreement(session: AsyncSession, *, agreement_id: uuid.UUID) -> AgreementOut:
    async with session.begin():
        return AgreementOut.model_validate(await get_agreement(session, agreement_id))


async def recognise(
    session: AsyncSession, *, agreement_id: uuid.UUID, body: RecognitionIn, principal: Principal | None
) -> Outcome:
    """The issuing country puts one of its certifications under the agreement; recognised at once if in scope."""
    async with session.begin():
        agreement = await get_agreement(session, agreement_id)
        require_country(principal, agreement.issuing_country_code, roles=NCU, field="agreement_id")
        today = datetime.now(UTC).date()
        if (
            agreement.status != "active"
            or today < agreement.starts_on
            or (agreement.ends_on and today > agreement.ends_on)
        ):
            raise Conflict("The agreement is not in force.", code="agreement_not_in_force")
        certification = await session.get(Certification, body.certification_id)
        if certification is None or certification.country_code != agreement.issuing_country_code:
            raise field_problem(
                "certification_id", "certification_unknown", "No such certification of yours."
            )
        status = status_at(
            recorded=certification.status, expires_at=certification.expires_at, now=datetime.now(UTC)
        )
        if status != "valid":
            raise field_problem("certification_id", "not_valid", f"The certification is {status}.")
        outside = (
            sorted(set(certification.competencies) - set(agreement.competencies))
            if agreement.competencies
            else []
        )
        if outside:
            raise field_problem(
                "certification_id", "out_of_scope", f"The agreement does not cover {', '.join(outside)}."
            )
        existing = await session.scalar(
            select(Recognition).where(
                Recognition.agreement_id == agreement.id, Recognition.certification_id == certification.id
            )
        )
        if existing is not None:
            if existing.status == "active":
                return Outcome(200, RecognitionOut.model_validate(existing).model_dump(mode="json"))
            raise Conflict(
                "This recognition was revoked; it is not granted again.", code="recognition_revoked"
            )
        row = Recognition(
            id=uuid.uuid4(),
            agreement_id=agreement.id,
            certification_id=certification.id,
            recognising_country_code=agreement.recognising_country_code,
            issuing_country_code=agreement.issuing_country_code,
            status="active",
            recognised_at=datetime.now(UTC),
        )
        session.add(row)
        await session.flush()
        await add_event(
            session,
            CertificationRecognisedV1(
                recognition_id=str(row.id),
                agreement_id=str(agreement.id),
                certification_id=str(certification.id),
                issuing_country_code=row.issuing_country_code,
                recognising_country_code=row.recognising_country_code,
                competencies=list(certification.competencies),
                level=certification.level,
                expires_on=certification.expires_on,
                recognised_at=row.recognised_at,
            ),
            aggregate_id=str(certification.id),
            source=SOURCE,
            release=_release(row),
        )
        return Outcome(201, RecognitionOut.model_validate(row).model_dump(mode="json"))


async def _revoke(session: AsyncSession, rows: list[Recognition], cause: RecognitionEnd) -> int:
    now = datetime.now(UTC)
    for row in rows:
        row.status, row.cause, row.revoked_at = "revoked", cause, now
        await session.flush()
        await add_event(
            session,
            RecognitionRevokedV1(
                recognition_id=str(row.id),
                agreement_id=str(row.agreement_id),
                certification_id=str(row.certification_id),
                issuing_country_code=row.issuing_country_code,
                recognising_country_code=row.recognising_country_code,
                cause=cause,
                revoked_at=now,
            ),
            aggregate_id=str(row.certification_id),
            source=SOURCE,
            release=_release(row),
        )
    return len(rows)


async def revoke_for_certification(
    session: AsyncSession, certification_id: uuid.UUID, cause: RecognitionEnd
) -> int:
    """The cascade, inside the transaction that revoked or expired the certification."""
    rows = await session.scalars(
        select(Recognition)
        .where(Recognition.certification_id == certification_id, Recognition.status == "active")
        .order_by(Recognition.recognised_at)
        .with_for_update()
    )
    return await _revoke(session, list(rows), cause)


async def end_agreement(
    session: AsyncSession, *, agreement_id: uuid.UUID, reason: str, principal: Principal | None
) -> AgreementOut:
    async with session.begin():
        agreement = await get_agreement(session, agreement_id, lock=True)
        require_country(principal, agreement.recognising_country_code, roles=NCU, field="agreement_id")
        if agreement.status == "ended":
            return AgreementOut.model_validate(agreement)
        agreement.status, agreement.ended_reason, agreement.ended_at = "ended", reason, datetime.now(UTC)
        rows = await session.scalars(
            select(Recognition)
            .where(Recognition.agreement_id == agreement.id, Recognition.status == "active")
            .order_by(Recognition.recognised_at)
            .with_for_update()
        )
        await _revoke(session, list(rows), "agreement_ended")
        return AgreementOut.model_validate(agreement)


async def withdraw(
    session: AsyncSession, *, recognition_id: uuid.UUID, principal: Principal | None
) -> RecognitionOut:
    async with session.begin():
        row = await session.get(Recognition, recognition_id, with_for_update=True)
        if row is None:
            raise NotFound(f"No recognition with id {recognition_id}.", code="recognition_not_found")
        require_country(principal, row.recognising_country_code, roles=NCU, field="recognition_id")
        if row.status == "active":
            await _revoke(session, [row], "withdrawn")
        return RecognitionOut.model_validate(row)


async def of_agreement(
    session: AsyncSession, *, agreement_id: uuid.UUID, limit: int, cursor: str | None
) -> tuple[list[RecognitionOut], str | None]:
    async with session.begin():
        await get_agreement(session, agreement_id)
        rows, next_cursor = await keyset_page(
            session,
            select(Recognition).where(Recognition.agreement_id == agreement_id),
            created=Recognition.recognised_at,
            key=Recognition.id,
            limit=limit,
            cursor=cursor,
        )
        return [RecognitionOut.model_validate(r) for r in rows], next_cursor


async def view_recognition(session: AsyncSession, *, recognition_id: uuid.UUID) -> RecognitionOut:
    async with session.begin():
        row = await session.get(Recognition, recognition_id)
        if row is None:
            raise NotFound(f"No recognition with id {recognition_id}.", code="recognition_not_found")
        return RecognitionOut.model_validate(row)
