"""Second marking: under the partnership's policy every trainee is marked twice, independently; when the two
markings are within the moderation threshold (percentage points) the agreed result is the one their averaged
levels give, otherwise an external moderator's marking decides. A single marking is its own agreed result.

The markers may be of different countries, and a marker neither sees nor changes another's marking: settling runs
inside `record`, which works as the platform once the assignment names the caller."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from fractions import Fraction
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from backbone.errors import Conflict
from services.assessment.evaluators.models import AssessmentPolicy
from services.assessment.models import Assessment
from services.assessment.rubrics import rules


def agree(row: Assessment, version: Mapping[str, Any], levels: Mapping[str, Fraction | int]) -> None:
    result = rules.result(version, levels)  # type: ignore[arg-type]
    row.status = "final"
    row.agreed_percent = Decimal(rules.shown(result.percent))
    row.agreed_passed = result.passed
    row.agreed_dimensions = [
        {"key": d.key, "percent": rules.shown(d.percent), "minimum": d.minimum, "passed": d.passed}
        for d in result.dimensions
    ]


async def settle(
    session: AsyncSession,
    row: Assessment,
    version: Mapping[str, Any],
    marking: str,
    scores: Mapping[str, int],
) -> Assessment | None:
    """The marking whose agreed result is now the trainee's (to announce), or None while it waits. A single
    marking was agreed before it was stored (`agree`); a pair's are settled here."""
    if marking == "single":
        return row
    await session.execute(
        select(func.pg_advisory_xact_lock(func.hashtext(f"{row.trainee_id}:{row.rubric_version_id}")))
    )
    others = {
        m.marking: m
        for m in await session.scalars(
            select(Assessment)
            .where(
                Assessment.trainee_id == row.trainee_id,
                Assessment.rubric_version_id == row.rubric_version_id,
                Assessment.marking.in_(("first", "second")),
                Assessment.id != row.id,
            )
            .with_for_update()
        )
    }
    settled = _settle(row, version, marking, scores, others, await _threshold(session, row))
    await session.flush()
    return settled


async def _threshold(session: AsyncSession, row: Assessment) -> int:
    policy = await session.get(AssessmentPolicy, row.partnership_id)
    return policy.moderation_threshold if policy else 10


def _settle(
    row: Assessment,
    version: Mapping[str, Any],
    marking: str,
    scores: Mapping[str, int],
    others: Mapping[str, Assessment],
    threshold: int,
) -> Assessment | None:
    if marking == "moderation":
        if sorted(m.status for m in others.values()) != ["awaiting_moderation", "awaiting_moderation"]:
            raise Conflict("The markings do not await a moderator.", code="moderation_not_needed")
        agree(row, version, scores)
        for pair in others.values():
            pair.status = "moderated"
        return row
    other = others.get("second" if marking == "first" else "first")
    if other is None:
        row.status = "awaiting_second"
        return None
    if abs(row.percent - other.percent) <= threshold:
        theirs = {s["criterion_id"]: int(s["level"]) for s in other.scores}
        agree(row, version, {c: Fraction(level + theirs[c], 2) for c, level in scores.items()})
        other.status = "second_marked"
        return row
    row.status = other.status = "awaiting_moderation"
    return None
