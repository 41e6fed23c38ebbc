"""Learning analytics: per cohort (completion, time, scores per module and per country) and per partner country
across a partnership's cohorts. Only aggregates leave here: no trainee is named. They are computed for the
platform (all countries' rows) once the route's policy has admitted the caller to the cohort or partnership."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backbone.errors import NotFound
from services.training.learning import rules
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


def _outcomes(
    country: str,
    rows: list[Nomination],
    counted: list[Nomination] | None,
    progress: dict[uuid.UUID, list[ModuleProgress]],
    modules_of: dict[uuid.UUID, int],
) -> CountryFigures:
    """Counts of all `rows`; outcomes of the `counted` ones only (None: withheld)."""
    figures = CountryFigures(
        country_code=country,
        cohorts=len({n.cohort_id for n in rows}),
        nominated=len(rows),
        enrolled=sum(1 for n in rows if n.status == "enrolled"),
        withdrawn=sum(1 for n in rows if n.status == "withdrawn"),
        completed_all=None,
        completion_rate=None,
        average_score=None,
        average_minutes=None,
        suppressed=counted is None,
    )
    if counted is None:
        return figures
    enrolled = [n for n in counted if n.status == "enrolled"]
    done = [n for n in enrolled if _completed(progress[n.id]) >= modules_of[n.cohort_id]]
    figures.completed_all = len(done)
    figures.completion_rate = _rate(len(done), len(enrolled))
    figures.average_score = _mean(
        p.best_score for n in enrolled for p in progress[n.id] if p.best_score is not None
    )
    figures.average_minutes = _mean(
        sum(p.seconds for p in progress[n.id]) / 60 for n in enrolled if progress[n.id]
    )
    return figures


def _per_country(nominations: list[Nomination]) -> dict[str, list[Nomination]]:
    per: dict[str, list[Nomination]] = defaultdict(list)
    for n in nominations:
        per[n.country_code].append(n)
    return dict(sorted(per.items()))


def _enrolled_by_cohort(rows: list[Nomination]) -> dict[uuid.UUID, int]:
    counts: dict[uuid.UUID, int] = defaultdict(int)
    for n in rows:
        counts[n.cohort_id] += n.status == "enrolled"
    return counts


def _completed(rows: list[ModuleProgress]) -> int:
    return sum(1 for p in rows if p.status == "completed")


async def of_cohort(session: AsyncSession, *, cohort_id: uuid.UUID, viewer: str) -> CohortAnalytics:
    """The organiser sees every country's outcomes (it sees the nominations already); a partner sees its own,
    and another country's only for groups of `MIN_GROUP` or more, and the totals only when it sees every group."""
    async with session.begin():
        cohort = await session.get(Cohort, cohort_id)
        if cohort is None:
            raise NotFound(f"No cohort with id {cohort_id}.", code="cohort_not_found")
        version = await session.get(CurriculumVersion, cohort.curriculum_version_id)
        assert version is not None
        codes = [m["code"] for m in version.modules]
        nominations, progress = await _facts(session, [cohort.id])
    per = _per_country(nominations)
    visible = {
        country: rules.group_visible(
            enrolled=sum(n.status == "enrolled" for n in rows),
            country=country,
            viewer=viewer,
            organiser=cohort.organiser_country_code,
        )
        for country, rows in per.items()
    }
    shown = rules.totals_shown(visible)
    enrolled = [n for n in nominations if n.status == "enrolled"]
    rows = [p for n in enrolled for p in progress[n.id]]
    modules = []
    for code in codes:
        of_module = [p for p in rows if p.module_code == code]
        completed = [p for p in of_module if p.status == "completed"]
        modules.append(
            ModuleFigures(
                code=code,
                completed=len(completed) if shown else None,
                completion_rate=_rate(len(completed), len(enrolled)) if shown else None,
                average_score=_mean(p.best_score for p in of_module if p.best_score is not None)
                if shown
                else None,
                average_minutes=_mean(p.seconds / 60 for p in of_module if p.seconds) if shown else None,
            )
        )
    done = [n for n in enrolled if _completed(progress[n.id]) >= len(codes)]
    modules_of = {cohort.id: len(codes)}
    return CohortAnalytics(
        cohort_id=cohort.id,
        modules_total=len(codes),
        enrolled=len(enrolled),
        completed_all=len(done) if shown else None,
        completion_rate=_rate(len(done), len(enrolled)) if shown else None,
        average_score=_mean(p.best_score for p in rows if p.best_score is not None) if shown else None,
        average_minutes_per_trainee=_mean(
            sum(p.seconds for p in progress[n.id]) / 60 for n in enrolled if progress[n.id]
        )
        if shown
        else None,
        modules=modules,
        by_country=[
            _outcomes(country, rows_, rows_ if visible[country] else None, progress, modules_of)
            for country, rows_ in per.items()
        ],
        totals_suppressed=not shown,
    )


async def of_partnership(
    session: AsyncSession, *, partnership_id: uuid.UUID, viewer: str
) -> PartnershipAnalytics:
    """Per country across cohorts, adding up only what no difference with the cohorts' own figures can give away
    (rules.cohorts_counted); another country's outcomes only for groups of `MIN_GROUP` or more."""
    async with session.begin():
        if await session.get(KnownPartnership, partnership_id) is None:
            raise NotFound(f"No partnership with id {partnership_id}.", code="partnership_not_found")
        rows = (
            await session.execute(
                select(Cohort.id, Cohort.organiser_country_code, CurriculumVersion.modules)
                .join(CurriculumVersion, CurriculumVersion.id == Cohort.curriculum_version_id)
                .where(Cohort.partnership_id == partnership_id, Cohort.status != "cancelled")
            )
        ).tuples()
        modules_of: dict[uuid.UUID, int] = {}
        organiser_of: dict[uuid.UUID, str] = {}
        for cohort_id, organiser, modules in rows:
            modules_of[cohort_id], organiser_of[cohort_id] = len(modules), organiser
        nominations, progress = await _facts(session, list(modules_of))
    by_country = []
    for country, of_country in _per_country(nominations).items():
        enrolled = _enrolled_by_cohort(of_country)
        visible = {
            cohort: rules.group_visible(
                enrolled=n, country=country, viewer=viewer, organiser=organiser_of[cohort]
            )
            for cohort, n in enrolled.items()
        }
        counted = rules.cohorts_counted(enrolled, visible, own=country == viewer)
        figures = _outcomes(
            country,
            of_country,
            None if counted is None else [n for n in of_country if n.cohort_id in counted],
            progress,
            modules_of,
        )
        figures.outcome_cohorts = None if counted is None else len(counted)
        by_country.append(figures)
    return PartnershipAnalytics(partnership_id=partnership_id, cohorts=len(modules_of), by_country=by_country)
