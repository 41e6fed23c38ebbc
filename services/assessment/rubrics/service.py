"""Rubric use cases: a member creates a rubric and proposes versions (drafts, checked against the rubric rules);
the lead submits one to the partnership's oversight body, whose decision publishes it (immutable from then on,
announced) or rejects it, as curricula are co-designed; members read them."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from backbone.errors import Conflict, DomainError, body_field, field_problem
from backbone.idempotency import Outcome
from backbone.outbox import add_event
from contracts.envelope import EventEnvelope
from contracts.events.assessment import RUBRIC_SUBJECT_PREFIX, RubricPublishedV1, RubricSubmittedV1
from contracts.events.partners import DecisionClosedV1
from contracts.events.training import CurriculumApprovedV1, CurriculumRevisedV1
from services.assessment import SOURCE
from services.assessment.models import KnownCurriculumModule, Rubric, RubricVersion
from services.assessment.partnerships import HANDLING, partnership_of, release
from services.assessment.rubrics import rules
from services.assessment.rubrics.schemas import RubricIn, RubricOut, SubmissionIn, VersionIn, VersionOut


def rubric_view(row: Rubric) -> RubricOut:
    return RubricOut.model_validate(row, from_attributes=True)


def version_view(row: RubricVersion) -> VersionOut:
    return VersionOut.model_validate(row, from_attributes=True)


async def get_rubric(session: AsyncSession, rubric_id: uuid.UUID) -> Rubric:
    found = await session.get(Rubric, rubric_id)
    if found is None:
        raise DomainError(f"No rubric with id {rubric_id}.", status=404, code="rubric_not_found")
    return found


async def get_version(session: AsyncSession, version_id: uuid.UUID, *, lock: bool = False) -> RubricVersion:
    found = await session.get(RubricVersion, version_id, with_for_update=lock)
    if found is None:
        raise DomainError(
            f"No rubric version with id {version_id}.", status=404, code="rubric_version_not_found"
        )
    return found


async def published_version(session: AsyncSession, version_id: uuid.UUID) -> RubricVersion:
    """A version named in a body: one of the caller's partnerships', published; else 422 naming
    `rubric_version_id`."""
    try:
        version = await get_version(session, version_id)
    except DomainError:
        raise field_problem(
            "rubric_version_id", "rubric_version_unknown", "No such rubric version you may see."
        ) from None
    if version.status != "published":
        raise field_problem(
            "rubric_version_id", "rubric_version_draft", "Trainees are assessed against published versions."
        )
    return version


async def create(
    session: AsyncSession, *, partnership_id: uuid.UUID, country: str, body: RubricIn
) -> Outcome:
    """201; the same id and body again 200; the same id otherwise 409."""
    async with session.begin():
        await partnership_of(session, partnership_id)
        wanted = body.model_dump(mode="json", exclude={"id"})
        found = await session.get(Rubric, body.id)
        if found is not None:
            if (
                found.partnership_id != partnership_id
                or rubric_view(found).model_dump(mode="json", include=set(wanted)) != wanted
            ):
                raise Conflict(f"Rubric {body.id} was created otherwise.", code="rubric_id_reused")
            return Outcome(200, rubric_view(found).model_dump(mode="json"))
        await check_curriculum(session, partnership_id, body.curriculum_id, body.module_ids)
        row = Rubric(
            id=body.id,
            partnership_id=partnership_id,
            competency=body.competency,
            title=body.title,
            curriculum_id=body.curriculum_id,
            module_ids=body.module_ids,
            created_by_country_code=country,
            handling_code=HANDLING,
            created_at=datetime.now(UTC),
        )
        session.add(row)
        await session.flush()
        return Outcome(201, rubric_view(row).model_dump(mode="json"))


async def check_curriculum(
    session: AsyncSession, partnership_id: uuid.UUID, curriculum_id: uuid.UUID | None, module_ids: list[str]
) -> None:
    """A curriculum training announced is checked: the partnership's own, and modules it has. One not approved yet
    is taken as it is (training checks it again when a finding names it)."""
    if curriculum_id is None:
        if module_ids:
            raise field_problem("module_ids", "modules_without_curriculum", "Modules belong to a curriculum.")
        return
    known = list(
        await session.scalars(
            select(KnownCurriculumModule).where(KnownCurriculumModule.curriculum_id == curriculum_id)
        )
    )
    if not known:
        return
    if known[0].partnership_id != partnership_id:
        raise field_problem(
            "curriculum_id", "curriculum_of_another_partnership", "The curriculum is another partnership's."
        )
    codes = {m.module_code for m in known}
    for index, module in enumerate(module_ids):
        if module not in codes:
            raise field_problem(
                f"module_ids.{index}", "unknown_module", f"The curriculum has no module {module}."
            )


async def on_curriculum_version(session: AsyncSession, envelope: EventEnvelope) -> None:
    """Training approved a curriculum's first version or a revision: its modules are known from now on."""
    model = CurriculumApprovedV1 if envelope.type == CurriculumApprovedV1.event_type else CurriculumRevisedV1
    event = model.model_validate(envelope.data)
    rows = [
        {
            "curriculum_id": uuid.UUID(event.curriculum_id),
            "module_code": m.code,
            "partnership_id": uuid.UUID(event.partnership_id),
        }
        for m in event.modules
    ]
    if rows:
        await session.execute(pg_insert(KnownCurriculumModule).values(rows).on_conflict_do_nothing())


async def propose(
    session: AsyncSession, *, rubric_id: uuid.UUID, country: str, body: VersionIn
) -> VersionOut:
    """A new draft version, numbered after the last; refused (422, each problem naming its field) unless it
    assesses the four mandatory dimensions, each with criteria, on ascending levels."""
    content = body.model_dump(mode="json")
    found = rules.problems(content)
    if found:
        raise DomainError(
            found[0].message,
            status=422,
            code=found[0].code,
            title="The rubric version is not well formed",
            errors=[body_field(p.field, p.code, p.message) for p in found],
        )
    async with session.begin():
        rubric = await get_rubric(session, rubric_id)
        # Versions are numbered one after another: two proposals at once take turns (a member may not lock the
        # rubric's row, which only the lead steers).
        await session.execute(select(func.pg_advisory_xact_lock(func.hashtext(str(rubric_id)))))
        last = await session.scalar(
            select(func.max(RubricVersion.version)).where(RubricVersion.rubric_id == rubric_id)
        )
        row = RubricVersion(
            id=uuid.uuid4(),
            rubric_id=rubric_id,
            partnership_id=rubric.partnership_id,
            version=(last or 0) + 1,
            status="draft",
            content=content,
            proposed_by_country_code=country,
            handling_code=HANDLING,
            proposed_at=datetime.now(UTC),
        )
        session.add(row)
        await session.flush()
        return version_view(row)


async def submit(
    session: AsyncSession, *, version_id: uuid.UUID, country: str, body: SubmissionIn
) -> VersionOut:
    """The lead puts a draft to the partnership's oversight body (partners opens the decision, by event); one
    version of a rubric at a time. Submitting it again changes nothing."""
    async with session.begin():
        version = await get_version(session, version_id, lock=True)
        if version.status == "submitted":
            return version_view(version)
        if version.status != "draft":
            raise Conflict(
                f"Version {version.version} is {version.status}: only a draft is submitted.",
                code="not_a_draft",
            )
        rubric = await get_rubric(session, version.rubric_id)
        pending = await session.scalar(
            select(RubricVersion.version).where(
                RubricVersion.rubric_id == rubric.id, RubricVersion.status == "submitted"
            )
        )
        if pending is not None:
            raise Conflict(
                f"Version {pending} of the rubric is before the oversight body already.",
                code="version_under_decision",
            )
        partnership = await partnership_of(session, rubric.partnership_id)
        now = datetime.now(UTC)
        version.status, version.submitted_at, version.decide_by = "submitted", now, body.decide_by
        await session.flush()
        await add_event(
            session,
            RubricSubmittedV1(
                rubric_id=str(rubric.id),
                rubric_version_id=str(version.id),
                partnership_id=str(rubric.partnership_id),
                competency=rubric.competency,
                title=rubric.title,
                version=version.version,
                subject=f"{RUBRIC_SUBJECT_PREFIX}{version.id}",
                decide_by=body.decide_by,
                submitted_by_country_code=country,
                submitted_at=now,
            ),
            aggregate_id=str(rubric.id),
            source=SOURCE,
            release=release(partnership),
        )
        return version_view(version)


async def on_decision_closed(session: AsyncSession, envelope: EventEnvelope) -> None:
    """The oversight body decided about a submitted version: approved publishes it (trainees are assessed
    against it from then on, and it never changes), anything else rejects it. Applied once; a decision about
    another partnership's version changes nothing."""
    event = DecisionClosedV1.model_validate(envelope.data)
    if event.kind != "curriculum_approval" or not (event.subject or "").startswith(RUBRIC_SUBJECT_PREFIX):
        return
    key = (event.subject or "").removeprefix(RUBRIC_SUBJECT_PREFIX)
    try:
        version_id = uuid.UUID(key)
    except ValueError:
        return
    version = await session.get(RubricVersion, version_id, with_for_update=True)
    if (
        version is None
        or version.status != "submitted"
        or str(version.partnership_id) != event.partnership_id
    ):
        return
    version.decision_id, version.decision_outcome = uuid.UUID(event.decision_id), event.outcome
    if event.outcome != "approved":
        version.status = "rejected"
        await session.flush()
        return
    rubric = await get_rubric(session, version.rubric_id)
    partnership = await partnership_of(session, rubric.partnership_id)
    version.status, version.published_at = "published", event.closed_at
    await session.flush()
    await add_event(
        session,
        RubricPublishedV1(
            rubric_id=str(rubric.id),
            rubric_version_id=str(version.id),
            partnership_id=str(rubric.partnership_id),
            competency=rubric.competency,
            version=version.version,
            dimensions=[d["key"] for d in version.content["dimensions"]],
            criteria=len(version.content["criteria"]),
            overall_minimum=version.content["pass_rule"]["overall_minimum"],
            published_at=event.closed_at,
        ),
        aggregate_id=str(rubric.id),
        source=SOURCE,
        release=release(partnership),
    )


async def rubrics(session: AsyncSession, *, partnership_id: uuid.UUID) -> list[RubricOut]:
    async with session.begin():
        await partnership_of(session, partnership_id)
        rows = await session.scalars(
            select(Rubric)
            .where(Rubric.partnership_id == partnership_id)
            .order_by(Rubric.created_at, Rubric.id)
        )
        return [rubric_view(r) for r in rows]


async def versions(session: AsyncSession, *, rubric_id: uuid.UUID) -> list[VersionOut]:
    async with session.begin():
        await get_rubric(session, rubric_id)
        rows = await session.scalars(
            select(RubricVersion).where(RubricVersion.rubric_id == rubric_id).order_by(RubricVersion.version)
        )
        return [version_view(r) for r in rows]


async def rubric(session: AsyncSession, *, rubric_id: uuid.UUID) -> RubricOut:
    async with session.begin():
        return rubric_view(await get_rubric(session, rubric_id))
