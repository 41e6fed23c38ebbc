"""Curricula co-designed by a partnership: a draft discussed by the member agencies (proposals, comments), put
to the oversight body through the partners service (event-driven both ways), approved as an immutable version;
revisions are later versions with a reason and a diff; variants adapt a curriculum to a context or language."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any, Literal

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from backbone.auth.policy import require_country
from backbone.auth.principal import Principal
from backbone.errors import Conflict, DomainError, NotFound, field_problem
from backbone.idempotency import IdempotentRequest, Outcome, answer_once
from rules.releasability import Release
from services.kernel import partnership_members
from services.training.competencies import service as competencies
from services.training.curricula import rules as curriculum_rules
from services.training.curricula.schemas import (
    CommentIn,
    CommentOut,
    CurriculumIn,
    CurriculumOut,
    DraftIn,
    ModuleIn,
    ProposalIn,
    ProposalOut,
    RevisionIn,
    VariantIn,
    VersionOut,
    VersionSummary,
)
from services.training.models import (
    Curriculum,
    CurriculumComment,
    CurriculumProposal,
    CurriculumVersion,
    KnownPartnership,
)

DRAFT = frozenset({"national_coordinator", "programme_coordinator"})
Verdict = Literal["acceptance", "decline"]
OPEN = ("draft", "submitted")


def release(curriculum: Curriculum) -> Release:
    return Release.of(
        "partnership", originator=curriculum.drafting_country_code, partnership_countries=curriculum.countries
    )


async def member_partnership(
    session: AsyncSession, partnership_id: uuid.UUID, country: str
) -> KnownPartnership:
    """The partnership, if the caller's country is a member (row-level security hides the others)."""
    unknown = f"Training knows no partnership {partnership_id} with {country} as a member (yet)."
    return await partnership_members.member_partnership(
        session, KnownPartnership, partnership_id, country, unknown=unknown
    )


async def check_modules(
    session: AsyncSession, modules: list[dict[str, Any]], *, proposed: int | None = None
) -> None:
    """422 naming every problem's field; a proposal's module (at index `proposed`) is named `change.module`."""
    known = {c.code: c.levels for c in await competencies.current(session)}
    problems = curriculum_rules.module_problems(modules, known)
    if problems:
        raise DomainError(
            "The modules are not valid: " + "; ".join(p.message for p in problems[:5]),
            status=422,
            code=problems[0].code,
            errors=[
                {
                    "field": _field(p.field, proposed),
                    "in": "body",
                    "code": p.code,
                    "message": p.message,
                }
                for p in problems
            ],
        )


def _field(field: str, proposed: int | None) -> str:
    at = f"modules.{proposed}"
    if proposed is not None and (field == at or field.startswith(at + ".")):
        return "change.module" + field.removeprefix(at)
    return field


def dump_modules(modules: list[ModuleIn]) -> list[dict[str, Any]]:
    return [m.model_dump(mode="json") for m in modules]


async def get(session: AsyncSession, curriculum_id: uuid.UUID, *, lock: bool = False) -> Curriculum:
    found = await session.get(Curriculum, curriculum_id, with_for_update=lock)
    if found is None:
        raise NotFound(f"No curriculum with id {curriculum_id}.", code="curriculum_not_found")
    return found


def require_drafter(principal: Principal | None, curriculum: Curriculum) -> None:
    """Only the drafting country's coordinators edit, settle proposals, submit, withdraw and revise."""
    require_country(principal, curriculum.drafting_country_code, roles=DRAFT, field="curriculum_id")


async def open_version(
    session: AsyncSession, curriculum: Curriculum, *, status: str = "draft"
) -> CurriculumVersion:
    found = await session.scalar(
        select(CurriculumVersion)
        .where(CurriculumVersion.curriculum_id == curriculum.id, CurriculumVersion.status.in_(OPEN))
        .with_for_update()
    )
    if found is None or found.status != status:
        state = found.status if found else "none"
        raise Conflict(
            f"Curriculum {curriculum.code} has no {status} version (open version: {state}).",
            code=f"no_{status}",
        )
    return found


def _new_version(
    curriculum: Curriculum,
    number: int,
    *,
    title: str,
    modules: list[dict[str, Any]],
    author: str,
    reason: str | None,
) -> CurriculumVersion:
    return CurriculumVersion(
        id=uuid.uuid4(),
        curriculum_id=curriculum.id,
        number=number,
        status="draft",
        title=title,
        language=curriculum.language,
        modules=modules,
        reason=reason,
        created_by=author,
        created_at=datetime.now(UTC),
    )


async def create(
    session: AsyncSession,
    *,
    body: CurriculumIn,
    country: str,
    author: str,
    idempotency: IdempotentRequest | None,
) -> Outcome:
    async def record() -> Outcome:
        partnership = await member_partnership(session, body.partnership_id, country)
        modules = dump_modules(body.modules)
        await check_modules(session, modules)
        curriculum = Curriculum(
            id=uuid.uuid4(),
            partnership_id=partnership.partnership_id,
            code=body.code,
            language=body.language,
            context=body.context,
            context_country_code=body.context_country_code,
            drafting_agency_id=body.agency_id,
            drafting_country_code=country,
            countries=list(partnership.member_countries),
            created_at=datetime.now(UTC),
        )
        await _add_curriculum(session, curriculum)
        session.add(
            _new_version(curriculum, 1, title=body.title, modules=modules, author=author, reason=None)
        )
        await session.flush()
        return Outcome(
            201,
            (await view(session, curriculum)).model_dump(mode="json"),
            {"Location": f"/curricula/{curriculum.id}"},
        )

    async with session.begin():
        return await answer_once(session, idempotency, record)


async def _add_curriculum(session: AsyncSession, curriculum: Curriculum) -> None:
    clash = await session.scalar(
        select(Curriculum.id).where(
            Curriculum.partnership_id == curriculum.partnership_id,
            Curriculum.code == curriculum.code,
            Curriculum.language == curriculum.language,
            Curriculum.context == curriculum.context,
            func.coalesce(Curriculum.context_country_code, "") == (curriculum.context_country_code or ""),
        )
    )
    if clash is not None:
        raise Conflict(
            f"The partnership has curriculum {curriculum.code} in {curriculum.language} for that context "
            f"already ({clash}).",
            code="curriculum_exists",
        )
    session.add(curriculum)
    await session.flush()


async def create_variant(
    session: AsyncSession,
    *,
    origin_id: uuid.UUID,
    body: VariantIn,
    country: str,
    author: str,
    idempotency: IdempotentRequest | None,
) -> Outcome:
    """A variant starts as a draft copy of the origin's approved version, in its own language and context."""

    async def record() -> Outcome:
        origin = await get(session, origin_id)
        if origin.current_version is None:
            raise Conflict(
                "A variant adapts an approved curriculum; this one has none yet.", code="not_approved"
            )
        if country not in origin.countries:
            raise NotFound(f"No curriculum with id {origin_id}.", code="curriculum_not_found")
        approved = await _version(session, origin.id, origin.current_version)
        variant = Curriculum(
            id=uuid.uuid4(),
            partnership_id=origin.partnership_id,
            code=origin.code,
            language=body.language,
            context=body.context,
            context_country_code=body.context_country_code,
            variant_of_id=origin.id,
            drafting_agency_id=body.agency_id,
            drafting_country_code=country,
            countries=list(origin.countries),
            created_at=datetime.now(UTC),
        )
        await _add_curriculum(session, variant)
        title = body.title or approved.title
        session.add(
            _new_version(variant, 1, title=title, modules=list(approved.modules), author=author, reason=None)
        )
        await session.flush()
        return Outcome(
            201,
            (await view(session, variant)).model_dump(mode="json"),
            {"Location": f"/curricula/{variant.id}"},
        )

    async with session.begin():
        return await answer_once(session, idempotency, record)


async def _version(session: AsyncSession, curriculum_id: uuid.UUID, number: int) -> CurriculumVersion:
    found = await session.scalar(
        select(CurriculumVersion).where(
            CurriculumVersion.curriculum_id == curriculum_id, CurriculumVersion.number == number
        )
    )
    if found is None:
        raise NotFound(f"Curriculum {curriculum_id} has no version {number}.", code="version_not_found")
    return found


async def edit_draft(
    session: AsyncSession, *, curriculum_id: uuid.UUID, body: DraftIn, principal: Principal | None
) -> VersionOut:
    async with session.begin():
        curriculum = await get(session, curriculum_id)
        require_drafter(principal, curriculum)
        draft = await open_version(session, curriculum)
        modules = dump_modules(body.modules)
        await check_modules(session, modules)
        draft.title, draft.modules = body.title, modules
        await session.flush()
        return VersionOut.model_validate(draft)


async def propose(
    session: AsyncSession,
    *,
    curriculum_id: uuid.UUID,
    body: ProposalIn,
    country: str,
    author: str,
    idempotency: IdempotentRequest | None,
) -> Outcome:
    async def record() -> Outcome:
        curriculum = await get(session, curriculum_id)
        draft = await open_version(session, curriculum)
        change = body.change.model_dump(mode="json")
        try:
            result = curriculum_rules.apply_change(draft.modules, change)
        except curriculum_rules.NotApplicable as exc:
            raise Conflict(
                f"The proposal does not apply to the draft: {exc}.", code="proposal_not_applicable"
            ) from exc
        if "module" in change:
            codes = [m["code"] for m in result]
            await check_modules(session, result, proposed=codes.index(change["module"]["code"]))
        proposal = CurriculumProposal(
            id=uuid.uuid4(),
            version_id=draft.id,
            agency_id=body.agency_id,
            country_code=country,
            author=author,
            summary=body.summary,
            change=change,
            status="open",
            created_at=datetime.now(UTC),
        )
        session.add(proposal)
        await session.flush()
        return Outcome(201, ProposalOut.model_validate(proposal).model_dump(mode="json"))

    async with session.begin():
        return await answer_once(session, idempotency, record)


async def settle(
    session: AsyncSession,
    *,
    curriculum_id: uuid.UUID,
    proposal_id: uuid.UUID,
    accept: bool,
    reason: str | None,
    principal: Principal | None,
) -> ProposalOut:
    """The drafting country accepts a proposal (its change is applied to the draft) or declines it."""
    async with session.begin():
        curriculum = await get(session, curriculum_id)
        require_drafter(principal, curriculum)
        draft = await open_version(session, curriculum)
        proposal = await session.get(CurriculumProposal, proposal_id, with_for_update=True)
        if proposal is None or proposal.version_id != draft.id:
            raise NotFound(f"No proposal {proposal_id} on this draft.", code="proposal_not_found")
        if proposal.status != "open":
            raise Conflict(f"The proposal was {proposal.status} already.", code="proposal_settled")
        if accept:
            try:
                modules = curriculum_rules.apply_change(draft.modules, proposal.change)
            except curriculum_rules.NotApplicable as exc:
                raise Conflict(
                    f"The proposal no longer applies: {exc}.", code="proposal_not_applicable"
                ) from exc
            await check_modules(session, modules)
            draft.modules = modules
        proposal.status = "accepted" if accept else "declined"
        proposal.settled_at, proposal.settled_reason = datetime.now(UTC), reason
        await session.flush()
        return ProposalOut.model_validate(proposal)


async def comment(
    session: AsyncSession, *, curriculum_id: uuid.UUID, body: CommentIn, country: str, author: str
) -> CommentOut:
    async with session.begin():
        curriculum = await get(session, curriculum_id)
        draft = await open_version(session, curriculum)
        if body.proposal_id is not None:
            proposal = await session.get(CurriculumProposal, body.proposal_id)
            if proposal is None or proposal.version_id != draft.id:
                raise field_problem("proposal_id", "proposal_unknown", "No such proposal on this draft.")
        row = CurriculumComment(
            id=uuid.uuid4(),
            version_id=draft.id,
            proposal_id=body.proposal_id,
            agency_id=body.agency_id,
            country_code=country,
            author=author,
            body=body.body,
            created_at=datetime.now(UTC),
        )
        session.add(row)
        await session.flush()
        return CommentOut.model_validate(row)


async def revise(
    session: AsyncSession, *, curriculum_id: uuid.UUID, body: RevisionIn, principal: Principal | None
) -> Outcome:
    """A new draft version, copied from the latest version (approved or rejected), with the reason it changes."""
    async with session.begin():
        curriculum = await get(session, curriculum_id, lock=True)
        require_drafter(principal, curriculum)
        author = principal.subject if principal else "system"
        draft = await start_revision(session, curriculum, author=author, reason=body.reason)
        return Outcome(201, VersionOut.model_validate(draft).model_dump(mode="json"))


async def start_revision(
    session: AsyncSession, curriculum: Curriculum, *, author: str, reason: str
) -> CurriculumVersion:
    """The next version as a draft, copied from the latest; 409 while a version is open. The caller holds the
    curriculum's lock."""
    every = await versions(session, curriculum.id)
    if any(v.status in OPEN for v in every):
        raise Conflict("A version is open already: change that draft instead.", code="open_version_exists")
    latest = every[-1]
    draft = _new_version(
        curriculum,
        latest.number + 1,
        title=latest.title,
        modules=list(latest.modules),
        author=author,
        reason=reason,
    )
    session.add(draft)
    await session.flush()
    return draft


async def view(session: AsyncSession, curriculum: Curriculum) -> CurriculumOut:
    out = CurriculumOut.model_validate(curriculum)
    out.versions = [VersionSummary.model_validate(v) for v in await versions(session, curriculum.id)]
    return out


async def versions(session: AsyncSession, curriculum_id: uuid.UUID) -> list[CurriculumVersion]:
    return list(
        await session.scalars(
            select(CurriculumVersion)
            .where(CurriculumVersion.curriculum_id == curriculum_id)
            .order_by(CurriculumVersion.number)
        )
    )
