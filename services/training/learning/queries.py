"""Learning analytics: per cohort (completion, time, scores per module and per country) and per partner country
across a partnership's cohorts. Only aggregates leave here: no trainee is named. They are computed for the
platform (all countries' rows) once the route's policy has admitted the caller to the cohort or partnership."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backbone.errors import NotFound
from services.training.learning.rules import MIN_GROUP
from services.training.learning.schemas import (
    CohortAnalytics,
    CountryFigures,
    ModuleFigures,
    PartnershipAnalytics,
)
from services.training.models import Cohort, CurriculumVersion, KnownPartnership, ModuleProgress, Nomination


def _mean(values: Iterable[float | Decimal]) -> float | None:
    items = [float(v) for v in values]
    return round(sum(items) / len(items), 4) if items else None


def _rate(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0


async def _facts(
    session: AsyncSession, cohort_ids: list[uuid.UUID]
) -> tuple[list[Nomination], dict[uuid.UUID, list[ModuleProgress]]]:
    nominations = list(await session.scalars(select(Nomination).where(Nomination.cohort_id.in_(cohort_ids))))
    progress: dict[uuid.UUID, list[ModuleProgress]] = defaultdict(list)
    for row in await session.scalars(select(ModuleProgress).where(ModuleProgress.cohort_id.in_(cohort_ids))):
        progress[row.nomination_id].append(row)
    return nominations, progress


def _by_country(
    nominations: list[Nomination],
    progress: dict[uuid.UUID, list[ModuleProgress]],
    modules_of: dict[uuid.UUID, int],
    *,
    sees_all: Callable[[str], bool],
) -> list[CountryFigures]:
    """`sees_all(country)`: whether the viewer may see that country's outcomes however small its group."""
    per: dict[str, list[Nomination]] = defaultdict(list)
    for n in nominations:
        per[n.country_code].append(n)
    figures = []
    for country, rows in sorted(per.items()):
        enrolled = [n for n in rows if n.status == "enrolled"]
        done = [n for n in enrolled if _completed(progress[n.id]) >= modules_of[n.cohort_id]]
        if len(enrolled) < MIN_GROUP and not sees_all(country):
            figures.append(
                CountryFigures(
                    country_code=country,
                    cohorts=len({n.cohort_id for n in rows}),
                    nominated=len(rows),
                    enrolled=len(enrolled),
                    withdrawn=sum(1 for n in rows if n.status == "withdrawn"),
                    completed_all=None,
                    completion_rate=None,
                    average_score=None,
                    average_minutes=None,
                    suppressed=True,
                )
            )
            continue
        figures.append(
            CountryFigures(
                country_code=country,
                cohorts=len({n.cohort_id for n in rows}),
                nominated=len(rows),
                enrolled=len(enrolled),
                withdrawn=sum(1 for n in rows if n.status == "withdrawn"),
                completed_all=len(done),
                completion_rate=_rate(len(done), len(enrolled)),
                average_score=_mean(
                    p.best_score for n in enrolled for p in progress[n.id] if p.best_score is not None
                ),
                average_minutes=_mean(
                    sum(p.seconds for p in progress[n.id]) / 60 for n in enrolled if progress[n.id]
                ),
            )
        )
    return figures


def _completed(rows: list[ModuleProgress]) -> int:
    return sum(1 for p in rows if p.status == "completed")


async def of_cohort(session: AsyncSession, *, cohort_id: uuid.UUID, viewer: str) -> CohortAnalytics:
    """The organiser sees every country's outcomes (it sees the nominations already); a partner sees its own,
    and another country's only for groups of `MIN_GROUP` or more."""
    async with session.begin():
        cohort = await session.get(Cohort, cohort_id)
        if cohort is None:
            raise NotFound(f"No cohort with id {cohort_id}.", code="cohort_not_found")
        version = await session.get(CurriculumVersion, cohort.curriculum_version_id)
        assert version is not None
        codes = [m["code"] for m in version.modules]
        nominations, progress = await _facts(session, [cohort.id])
    enrolled = [n for n in nominations if n.status == "enrolled"]
    rows = [p for n in enrolled for p in progress[n.id]]
    modules = []
    for code in codes:
        of_module = [p for p in rows if p.module_code == code]
        completed = [p for p in of_module if p.status == "completed"]
        modules.append(
            ModuleFigures(
                code=code,
                completed=len(completed),
                completion_rate=_rate(len(completed), len(enrolled)),
                average_score=_mean(p.best_score for p in of_module if p.best_score is not None),
                average_minutes=_mean(p.seconds / 60 for p in of_module if p.seconds),
            )
        )
    done = [n for n in enrolled if _completed(progress[n.id]) >= len(codes)]
    return CohortAnalytics(
        cohort_id=cohort.id,
        modules_total=len(codes),
        enrolled=len(enrolled),
        completed_all=len(done),
        completion_rate=_rate(len(done), len(enrolled)),
        average_score=_mean(p.best_score for p in rows if p.best_score is not None),
        average_minutes_per_trainee=_mean(
            sum(p.seconds for p in progress[n.id]) / 60 for n in enrolled if progress[n.id]
        ),
        modules=modules,
        by_country=_by_country(
            nominations,
            progress,
            {cohort.id: len(codes)},
            sees_all=lambda country: viewer in (country, cohort.organiser_country_code),
        ),
    )


async def of_partnership(
    session: AsyncSession, *, partnership_id: uuid.UUID, viewer: str
) -> PartnershipAnalytics:
    """Per country across cohorts; another country's outcomes only for groups of `MIN_GROUP` or more."""
    async with session.begin():
        if await session.get(KnownPartnership, partnership_id) is None:
            raise NotFound(f"No partnership with id {partnership_id}.", code="partnership_not_found")
        rows = (
            await session.execute(
                select(Cohort.id, CurriculumVersion.modules)
                .join(CurriculumVersion, CurriculumVersion.id == Cohort.curriculum_version_id)
                .where(Cohort.partnership_id == partnership_id, Cohort.status != "cancelled")
            )
        ).tuples()
        modules_of = {cohort_id: len(modules) for cohort_id, modules in rows}
        nominations, progress = await _facts(session, list(modules_of))
    return PartnershipAnalytics(
        partnership_id=partnership_id,
        cohorts=len(modules_of),
        by_country=_by_country(nominations, progress, modules_of, sees_all=lambda country: country == viewer),
    )
