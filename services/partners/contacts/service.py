"""Agency contacts: the people partners reach at an agency.

Contact details (e-mail, phone, languages) are personal data: they stay in this service and never travel on
the event stream, whose events carry a contact's name and function only. Removing a contact erases its
details and keeps name and function, so past events still make sense. An agency has at most one primary
contact: naming a new one demotes the previous one (and announces that too).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from backbone.errors import Conflict, NotFound
from backbone.idempotency import IdempotentRequest, Outcome, answer_once
from backbone.outbox import add_event
from backbone.pagination import keyset_page
from contracts.events.partners import AgencyContactAddedV1, AgencyContactRemovedV1, AgencyContactUpdatedV1
from services.partners import SOURCE
from services.partners.agencies.service import get_agency
from services.partners.contacts.schemas import ContactIn, ContactOut, ContactPatch, normalise_languages
from services.partners.handling.audiences import of_agency
from services.partners.models import Agency, AgencyContact


async def _agency_for_update(session: AsyncSession, agency_id: uuid.UUID) -> Agency:
    """Locks the agency: changes to its contacts (one primary, unique e-mails) are serialised per agency."""
    agency = (
        await session.execute(select(Agency).where(Agency.id == agency_id).with_for_update())
    ).scalar_one_or_none()
    if agency is None:
        raise NotFound(f"No agency with id {agency_id}.", code="agency_not_found")
    return agency


async def _current_contact(
    session: AsyncSession, agency_id: uuid.UUID, contact_id: uuid.UUID
) -> AgencyContact:
    contact = await session.scalar(
        select(AgencyContact).where(
            AgencyContact.id == contact_id,
            AgencyContact.agency_id == agency_id,
            AgencyContact.removed_at.is_(None),
        )
    )
    if contact is None:
        raise NotFound(f"Agency {agency_id} has no contact with id {contact_id}.", code="contact_not_found")
    return contact


async def _refuse_taken_email(
    session: AsyncSession, agency_id: uuid.UUID, email: str, *, other_than: uuid.UUID | None = None
) -> None:
    query = select(AgencyContact.id).where(
        AgencyContact.agency_id == agency_id,
        AgencyContact.removed_at.is_(None),
        func.lower(AgencyContact.email) == email.lower(),
    )
    if other_than is not None:
        query = query.where(AgencyContact.id != other_than)
    if (taken := await session.scalar(query)) is not None:
        raise Conflict(
            f"The agency already has a contact with the e-mail address {email}.",
            code="contact_email_taken",
            contact_id=str(taken),
            errors=[{"field": "email", "in": "body", "code": "contact_email_taken", "message": "in use"}],
        )


def _updated_event(agency: Agency, contact: AgencyContact, changed: list[str]) -> AgencyContactUpdatedV1:
    assert contact.updated_at is not None
    return AgencyContactUpdatedV1(
        agency_id=str(agency.id),
        contact_id=str(contact.id),
        country_code=agency.country_code,
        name=contact.name,
        function=contact.function,
        is_primary=contact.is_primary,
        is_national_coordination_contact=contact.is_national_coordination_contact,
        changed=changed,
        updated_at=contact.updated_at,
    )


async def _demote_primary(
    session: AsyncSession, agency: Agency, *, keep: uuid.UUID | None, now: datetime
) -> None:
    current = await session.scalar(
        select(AgencyContact).where(
            AgencyContact.agency_id == agency.id,
            AgencyContact.is_primary,
            AgencyContact.removed_at.is_(None),
        )
    )
    if current is None or current.id == keep:
        return
    current.is_primary = False
    current.updated_at = now
    await session.flush()  # before the new primary is written: the partial unique index allows one
    await add_event(
        session,
        _updated_event(agency, current, ["is_primary"]),
        aggregate_id=str(agency.id),
        source=SOURCE,
        release=of_agency(agency.country_code),
    )


async def _flush(session: AsyncSession) -> None:
    try:
        await session.flush()
    except IntegrityError as exc:  # only reachable if the agency lock were bypassed
        raise Conflict("The contacts changed concurrently; retry.", code="contact_conflict") from exc


async def add_contact(
    session: AsyncSession, *, agency_id: uuid.UUID, contact: ContactIn, idempotency: IdempotentRequest | None
) -> Outcome:
    async with session.begin():
        return await answer_once(session, idempotency, lambda: _add_contact(session, agency_id, contact))


async def _add_contact(session: AsyncSession, agency_id: uuid.UUID, contact: ContactIn) -> Outcome:
    agency = await _agency_for_update(session, agency_id)
    await _refuse_taken_email(session, agency.id, contact.email)
    now = datetime.now(UTC)
    if contact.is_primary:
        await _demote_primary(session, agency, keep=None, now=now)
    row = AgencyContact(
        id=uuid.uuid4(),
        agency_id=agency.id,
        name=contact.name,
        function=contact.function,
        email=contact.email,
        phone=contact.phone,
        languages=contact.languages,
        is_primary=contact.is_primary,
        is_national_coordination_contact=contact.is_national_coordination_contact,
        added_at=now,
    )
    session.add(row)
    await _flush(session)
    await add_event(
        session,
        AgencyContactAddedV1(
            agency_id=str(agency.id),
            contact_id=str(row.id),
            country_code=agency.country_code,
            name=row.name,
            function=row.function,
            is_primary=row.is_primary,
            is_national_coordination_contact=row.is_national_coordination_contact,
            added_at=now,
        ),
        aggregate_id=str(agency.id),
        source=SOURCE,
        release=of_agency(agency.country_code),
    )
    return Outcome(
        201,
        ContactOut.model_validate(row).model_dump(mode="json"),
        {"Location": f"/agencies/{agency.id}/contacts/{row.id}"},
    )


async def update_contact(
    session: AsyncSession,
    *,
    agency_id: uuid.UUID,
    contact_id: uuid.UUID,
    patch: ContactPatch,
    idempotency: IdempotentRequest | None,
) -> Outcome:
    async with session.begin():
        return await answer_once(
            session, idempotency, lambda: _update_contact(session, agency_id, contact_id, patch)
        )


async def _update_contact(
    session: AsyncSession, agency_id: uuid.UUID, contact_id: uuid.UUID, patch: ContactPatch
) -> Outcome:
    agency = await _agency_for_update(session, agency_id)
    contact = await _current_contact(session, agency.id, contact_id)
    changes: dict[str, Any] = {
        name: value for name, value in patch.changes().items() if getattr(contact, name) != value
    }
    if not changes:  # nothing differs: no event
        return Outcome(200, ContactOut.model_validate(contact).model_dump(mode="json"))
    if "email" in changes:
        await _refuse_taken_email(session, agency.id, changes["email"], other_than=contact.id)
    now = datetime.now(UTC)
    if changes.get("is_primary"):
        await _demote_primary(session, agency, keep=contact.id, now=now)
    for name, value in changes.items():
        setattr(contact, name, value)
    contact.updated_at = now
    await _flush(session)
    await add_event(
        session,
        _updated_event(agency, contact, sorted(changes)),
        aggregate_id=str(agency.id),
        source=SOURCE,
        release=of_agency(agency.country_code),
    )
    return Outcome(200, ContactOut.model_validate(contact).model_dump(mode="json"))


async def remove_contact(session: AsyncSession, *, agency_id: uuid.UUID, contact_id: uuid.UUID) -> Outcome:
    """Removes the contact and erases its details; removing it again changes nothing (still 204)."""
    async with session.begin():
        agency = await _agency_for_update(session, agency_id)
        contact = await session.scalar(
            select(AgencyContact).where(AgencyContact.id == contact_id, AgencyContact.agency_id == agency.id)
        )
        if contact is None:
            raise NotFound(
                f"Agency {agency_id} has no contact with id {contact_id}.", code="contact_not_found"
            )
        if contact.removed_at is None:
            now = datetime.now(UTC)
            contact.removed_at = now
            contact.email = contact.phone = None
            contact.languages = []
            contact.is_primary = False
            await session.flush()
            await add_event(
                session,
                AgencyContactRemovedV1(
                    agency_id=str(agency.id),
                    contact_id=str(contact.id),
                    country_code=agency.country_code,
                    removed_at=now,
                ),
                aggregate_id=str(agency.id),
                source=SOURCE,
                release=of_agency(agency.country_code),
            )
        return Outcome(204, None)


async def get_contact(session: AsyncSession, *, agency_id: uuid.UUID, contact_id: uuid.UUID) -> ContactOut:
    await get_agency(session, agency_id=agency_id)
    return ContactOut.model_validate(await _current_contact(session, agency_id, contact_id))


async def list_contacts(
    session: AsyncSession,
    *,
    agency_id: uuid.UUID,
    limit: int,
    cursor: str | None,
    primary: bool | None,
    national_coordination: bool | None,
    language: str | None,
) -> tuple[list[ContactOut], str | None]:
    """The agency's current contacts, oldest first."""
    await get_agency(session, agency_id=agency_id)
    query = select(AgencyContact).where(
        AgencyContact.agency_id == agency_id, AgencyContact.removed_at.is_(None)
    )
    if primary is not None:
        query = query.where(AgencyContact.is_primary.is_(primary))
    if national_coordination is not None:
        query = query.where(AgencyContact.is_national_coordination_contact.is_(national_coordination))
    if language:
        query = query.where(AgencyContact.languages.contains(normalise_languages([language])))
    rows, next_cursor = await keyset_page(
        session, query, created=AgencyContact.added_at, key=AgencyContact.id, limit=limit, cursor=cursor
    )
    return [ContactOut.model_validate(r) for r in rows], next_cursor
