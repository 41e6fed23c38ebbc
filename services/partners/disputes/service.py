"""Disputes between partners and their resolution by the oversight body.

A member agency raises a dispute about an allocation or a decision of its partnership; member agencies
discuss it; the resolution is put to the oversight body as a `dispute_resolution` decision (opened by the
decisions' own use case, in this transaction). The dispute learns how that decision ended from the
`partners.decision_closed.v1` event (see `relation_handlers`): approved settles it, anything else reopens it
with the outcome recorded, ready for another attempt.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backbone.errors import Conflict, NotFound
from backbone.idempotency import IdempotentRequest, Outcome, answer_once
from backbone.outbox import add_event
from backbone.pagination import keyset_page
from contracts.events.partners import (
    DisputeCommentedV1,
    DisputeRaisedV1,
    DisputeReopenedV1,
    DisputeResolutionOpenedV1,
    DisputeResolvedV1,
)
from services.partners import SOURCE
from services.partners.decisions.schemas import DecisionIn
from services.partners.decisions.service import _open_decision
from services.partners.disputes.schemas import (
    CommentIn,
    CommentOut,
    DisputeDetailOut,
    DisputeIn,
    DisputeOut,
    ResolutionDecisionIn,
    ResolutionOut,
)
from services.partners.handling.audiences import handling_countries, of_dispute
from services.partners.models import Decision, Dispute, DisputeComment, DisputeResolution, PartnershipMember
from services.partners.partnerships.service import _partnership
from services.partners.problems import _field_error


async def _member(
    session: AsyncSession, partnership_id: uuid.UUID, agency_id: uuid.UUID, *, field: str
) -> PartnershipMember:
    member = await session.get(PartnershipMember, (partnership_id, agency_id))
    if member is None:
        raise _field_error(
            "not_a_member", f"Agency {agency_id} is not a member of partnership {partnership_id}.", field
        )
    return member


async def _dispute(session: AsyncSession, dispute_id: uuid.UUID, *, lock: bool = False) -> Dispute:
    dispute = await session.get(Dispute, dispute_id, with_for_update=lock)
    if dispute is None:
        raise NotFound(f"No dispute with id {dispute_id}.", code="dispute_not_found")
    return dispute


async def dispute_view(session: AsyncSession, dispute: Dispute) -> DisputeDetailOut:
    comments = await session.scalars(
        select(DisputeComment)
        .where(DisputeComment.dispute_id == dispute.id)
        .order_by(DisputeComment.commented_at, DisputeComment.id)
    )
    resolutions = await session.scalars(
        select(DisputeResolution)
        .where(DisputeResolution.dispute_id == dispute.id)
        .order_by(DisputeResolution.opened_at)
    )
    return DisputeDetailOut(
        **DisputeOut.model_validate(dispute).model_dump(),
        comments=[CommentOut.model_validate(c) for c in comments],
        resolutions=[ResolutionOut.model_validate(r) for r in resolutions],
    )


async def raise_dispute(
    session: AsyncSession,
    *,
    partnership_id: uuid.UUID,
    dispute: DisputeIn,
    idempotency: IdempotentRequest | None,
) -> Outcome:
    async with session.begin():
        return await answer_once(session, idempotency, lambda: _raise(session, partnership_id, dispute))


async def _raise(session: AsyncSession, partnership_id: uuid.UUID, dispute: DisputeIn) -> Outcome:
    partnership = await _partnership(session, partnership_id)
    member = await _member(session, partnership.id, dispute.raised_by_agency_id, field="raised_by_agency_id")
    subject_ref, subject_decision_id = dispute.subject_ref, None
    if dispute.subject_kind == "decision":
        try:
            subject_decision_id = uuid.UUID(dispute.subject_ref)
        except ValueError as exc:
            raise _field_error(
                "invalid_decision_id", "For a decision, subject_ref is the decision's id.", "subject_ref"
            ) from exc
        decision = await session.get(Decision, subject_decision_id)
        if decision is None or decision.partnership_id != partnership.id:
            raise _field_error(
                "decision_not_in_partnership",
                f"Partnership {partnership.id} has no decision with id {subject_decision_id}.",
                "subject_ref",
            )
        subject_ref = str(subject_decision_id)
    now = datetime.now(UTC)
    row = Dispute(
        id=uuid.uuid4(),
        partnership_id=partnership.id,
        raised_by_agency_id=member.agency_id,
        raised_by_country_code=member.country_code,
        subject_kind=dispute.subject_kind,
        subject_ref=subject_ref,
        subject_decision_id=subject_decision_id,
        statement=dispute.statement,
        status="open",
        raised_at=now,
        handling_code=dispute.handling_code,
        handling_countries=handling_countries(dispute.handling_code),
    )
    session.add(row)
    await session.flush()
    await add_event(
        session,
        DisputeRaisedV1(
            partnership_id=str(partnership.id),
            dispute_id=str(row.id),
            raised_by_agency_id=str(member.agency_id),
            raised_by_country_code=member.country_code,
            subject_kind=dispute.subject_kind,
            subject_ref=subject_ref,
            statement=row.statement,
            raised_at=now,
        ),
        aggregate_id=str(partnership.id),
        source=SOURCE,
        release=await of_dispute(session, row),
    )
    view = await dispute_view(session, row)
    return Outcome(201, view.model_dump(mode="json"), {"Location": f"/disputes/{row.id}"})


async def comment_on_dispute(
    session: AsyncSession, *, dispute_id: uuid.UUID, comment: CommentIn, idempotency: IdempotentRequest | None
) -> Outcome:
    async with session.begin():
        return await answer_once(session, idempotency, lambda: _comment(session, dispute_id, comment))


async def _comment(session: AsyncSession, dispute_id: uuid.UUID, comment: CommentIn) -> Outcome:
    dispute = await _dispute(session, dispute_id, lock=True)
    if dispute.status == "resolved":
        raise Conflict("The dispute is resolved; the discussion is closed.", code="dispute_resolved")
    member = await _member(session, dispute.partnership_id, comment.agency_id, field="agency_id")
    now = datetime.now(UTC)
    row = DisputeComment(
        id=uuid.uuid4(),
        dispute_id=dispute.id,
        agency_id=member.agency_id,
        country_code=member.country_code,
        author=comment.author,
        body=comment.body,
        commented_at=now,
    )
    session.add(row)
    await session.flush()
    await add_event(
        session,
        DisputeCommentedV1(
            partnership_id=str(dispute.partnership_id),
            dispute_id=str(dispute.id),
            comment_id=str(row.id),
            agency_id=str(member.agency_id),
            country_code=member.country_code,
            author=row.author,
            body=row.body,
            commented_at=now,
        ),
        aggregate_id=str(dispute.partnership_id),
        source=SOURCE,
        release=await of_dispute(session, dispute),
    )
    return Outcome(
        201, CommentOut.model_validate(row).model_dump(mode="json"), {"Location": f"/disputes/{dispute.id}"}
    )


async def open_resolution_decision(
    session: AsyncSession,
    *,
    dispute_id: uuid.UUID,
    proposal: ResolutionDecisionIn,
    idempotency: IdempotentRequest | None,
) -> Outcome:
    async with session.begin():
        return await answer_once(
            session, idempotency, lambda: _open_resolution(session, dispute_id, proposal)
        )


async def _open_resolution(
    session: AsyncSession, dispute_id: uuid.UUID, proposal: ResolutionDecisionIn
) -> Outcome:
    dispute = await _dispute(session, dispute_id, lock=True)
    if dispute.status == "under_vote":
        raise Conflict(
            "A resolution of this dispute is already under vote.",
            code="dispute_under_vote",
            decision_id=str(dispute.resolution_decision_id),
        )
    if dispute.status == "resolved":
        raise Conflict("The dispute is resolved.", code="dispute_resolved")
    # The decision is seen by every member's oversight delegates: a dispute coded narrower than the partnership
    # lends it its reference only, never its statement, unless the proposer writes a description.
    shared = dispute.handling_code in ("public", "partnership")
    description = (
        proposal.description
        or (
            f"Resolution of dispute {dispute.id} raised by {dispute.raised_by_country_code}"
            + (f" about {dispute.subject_kind} {dispute.subject_ref}: {dispute.statement}" if shared else ".")
        )[:10_000]
    )
    opened = await _open_decision(
        session,
        dispute.partnership_id,
        DecisionIn(
            kind="dispute_resolution", title=proposal.title, description=description, due_at=proposal.due_at
        ),
    )
    decision_id = uuid.UUID(opened.body["id"])
    now = datetime.now(UTC)
    session.add(DisputeResolution(decision_id=decision_id, dispute_id=dispute.id, opened_at=now))
    dispute.status, dispute.resolution_decision_id = "under_vote", decision_id
    await session.flush()
    await add_event(
        session,
        DisputeResolutionOpenedV1(
            partnership_id=str(dispute.partnership_id),
            dispute_id=str(dispute.id),
            decision_id=str(decision_id),
            due_at=proposal.due_at,
            opened_at=now,
        ),
        aggregate_id=str(dispute.partnership_id),
        source=SOURCE,
        release=await of_dispute(session, dispute),
    )
    view = await dispute_view(session, dispute)
    return Outcome(201, view.model_dump(mode="json"), {"Location": f"/decisions/{decision_id}"})


async def settle_by_decision(
    session: AsyncSession, *, decision_id: uuid.UUID, outcome: str, closed_at: datetime
) -> bool:
    """Apply how a resolution decision ended, inside the caller's transaction; False when nothing changed.

    Idempotent: a decision already applied (or one no dispute is waiting for, e.g. a `dispute_resolution`
    decision opened directly) changes nothing.
    """
    pending = await session.get(DisputeResolution, decision_id)
    if pending is None or pending.outcome is not None:
        return False
    dispute = await _dispute(session, pending.dispute_id, lock=True)  # the dispute first, as when opening
    resolution = await session.get(
        DisputeResolution, decision_id, with_for_update=True, populate_existing=True
    )
    if resolution is None or resolution.outcome is not None:
        return False
    resolution.outcome, resolution.closed_at = outcome, closed_at
    dispute.last_outcome = outcome
    if dispute.resolution_decision_id != decision_id:  # not the attempt the dispute waits for: record only
        await session.flush()
        return True
    partnership_id = str(dispute.partnership_id)
    if outcome == "approved":
        dispute.status, dispute.resolved_at = "resolved", closed_at
        await session.flush()
        await add_event(
            session,
            DisputeResolvedV1(
                partnership_id=partnership_id,
                dispute_id=str(dispute.id),
                decision_id=str(decision_id),
                resolved_at=closed_at,
            ),
            aggregate_id=partnership_id,
            source=SOURCE,
            release=await of_dispute(session, dispute),
        )
    else:
        dispute.status, dispute.resolution_decision_id = "open", None
        await session.flush()
        await add_event(
            session,
            DisputeReopenedV1(
                partnership_id=partnership_id,
                dispute_id=str(dispute.id),
                decision_id=str(decision_id),
                outcome=outcome,
                reopened_at=closed_at,
            ),
            aggregate_id=partnership_id,
            source=SOURCE,
            release=await of_dispute(session, dispute),
        )
    return True


async def get_dispute(session: AsyncSession, *, dispute_id: uuid.UUID) -> DisputeDetailOut:
    return await dispute_view(session, await _dispute(session, dispute_id))


async def list_disputes(
    session: AsyncSession,
    *,
    partnership_id: uuid.UUID,
    limit: int,
    cursor: str | None,
    status: str | None,
    subject_kind: str | None,
) -> tuple[list[DisputeOut], str | None]:
    """The partnership's disputes, oldest first."""
    await _partnership(session, partnership_id)
    query = select(Dispute).where(Dispute.partnership_id == partnership_id)
    if status:
        query = query.where(Dispute.status == status)
    if subject_kind:
        query = query.where(Dispute.subject_kind == subject_kind)
    rows, next_cursor = await keyset_page(
        session, query, created=Dispute.raised_at, key=Dispute.id, limit=limit, cursor=cursor
    )
    return [DisputeOut.model_validate(r) for r in rows], next_cursor
