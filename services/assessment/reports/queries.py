"""The public report of a partnership for a period, read across tenants (it is public) but made only of what may
be: indicators coded `public`, aggregate assessment outcomes with small groups suppressed (totals too, when they
would give one away), counts of curriculum revisions. No trainee id, no evaluator, no source dataset."""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from backbone.errors import DomainError
from services.assessment.findings.models import Finding
from services.assessment.indicators import rules as indicator_rules
from services.assessment.indicators.models import Indicator, Measurement
from services.assessment.models import Assessment, KnownPartnership, Rubric, RubricVersion
from services.assessment.reports import rules
from services.assessment.reports.schemas import (
    CompetencyOutcomesOut,
    MeasuredOut,
    OutcomeRowOut,
    PublicIndicatorOut,
    ReportOut,
    RevisionsOut,
)

PUBLIC = "public"


async def report(
    session: AsyncSession, *, partnership_id: uuid.UUID, period: rules.Period, country: str | None
) -> ReportOut:
    async with session.begin():
        partnership = await session.get(KnownPartnership, partnership_id)
        if partnership is None or (country is not None and country not in partnership.member_countries):
            raise DomainError(
                f"No partnership with id {partnership_id}" + (f" and member {country}." if country else "."),
                status=404,
                code="partnership_not_found",
            )
        return ReportOut(
            partnership_id=partnership_id,
            partnership=partnership.name,
            members=sorted(partnership.member_countries),
            level=country or "partnership",
            period=period.name,
            period_start=period.start,
            period_end=period.end,
            generated_at=datetime.now(UTC),
            indicators=await _indicators(session, partnership_id, period, country),
            outcomes=await _outcomes(session, partnership_id, period, country),
            curriculum_revisions=await _revisions(session, partnership_id, period),
        )


async def _indicators(
    session: AsyncSession, partnership_id: uuid.UUID, period: rules.Period, country: str | None
) -> list[PublicIndicatorOut]:
    indicators = list(
        await session.scalars(
            select(Indicator)
            .where(Indicator.partnership_id == partnership_id, Indicator.handling_code == PUBLIC)
            .order_by(Indicator.code)
        )
    )
    latest = (
        select(Measurement)
        .where(
            Measurement.indicator_id.in_([i.id for i in indicators]),
            Measurement.period_start >= period.start,
            Measurement.period_end <= period.end,
        )
        .distinct(Measurement.indicator_id, Measurement.country_code)
        .order_by(
            Measurement.indicator_id,
            Measurement.country_code,
            Measurement.period_end.desc(),
            Measurement.measured_at.desc(),
        )
    )
    if country:
        latest = latest.where(Measurement.country_code == country)
    per: dict[uuid.UUID, list[Measurement]] = defaultdict(list)
    for row in await session.scalars(latest):
        per[row.indicator_id].append(row)
    out = []
    for indicator in indicators:
        measured = [
            MeasuredOut(
                country_code=m.country_code,
                value=m.value,
                period_start=m.period_start,
                period_end=m.period_end,
                target_met=indicator_rules.meets(m.value, indicator.target, indicator.direction),  # type: ignore[arg-type]
            )
            for m in per[indicator.id]
        ]
        out.append(
            PublicIndicatorOut(
                code=indicator.code,
                name=indicator.name,
                unit=indicator.unit,
                direction=indicator.direction,
                baseline=indicator.baseline,
                target=indicator.target,
                measurements=measured,
                target_met_by=[m.country_code for m in measured if m.target_met],
            )
        )
    return out


def _rate(outcomes: rules.Outcomes) -> Decimal:
    return (Decimal(outcomes.passed) / Decimal(outcomes.assessed)).quantize(Decimal("0.001"))


async def _outcomes(
    session: AsyncSession, partnership_id: uuid.UUID, period: rules.Period, country: str | None
) -> list[CompetencyOutcomesOut]:
    """Computed over every country (suppression must see all the groups), then cut to the level asked."""
    rows = await session.execute(
        select(
            Rubric.competency,
            Assessment.trainee_country_code,
            func.count(),
            func.count().filter(Assessment.agreed_passed.is_(True)),
        )
        .join(RubricVersion, RubricVersion.id == Assessment.rubric_version_id)
        .join(Rubric, Rubric.id == RubricVersion.rubric_id)
        .where(
            Assessment.partnership_id == partnership_id,
            Assessment.status == "final",  # one result per trainee: the agreed one under second marking
            func.date(func.timezone("UTC", Assessment.assessed_at)).between(period.start, period.end),
        )
        .group_by(Rubric.competency, Assessment.trainee_country_code)
    )
    per: dict[str, dict[str, rules.Outcomes]] = defaultdict(dict)
    for competency, trainee_country, assessed, passed in rows:
        per[competency][trainee_country] = rules.Outcomes(int(assessed), int(passed))
    out = []
    for competency, by_country in sorted(per.items()):
        shown, total = rules.shown_outcomes(by_country)
        listed = [
            OutcomeRowOut(country_code=c, assessed=o.assessed, passed=o.passed, pass_rate=_rate(o))
            for c, o in shown.items()
            if country is None or c == country
        ]
        if total is not None and country is None:
            listed.append(
                OutcomeRowOut(
                    country_code=None, assessed=total.assessed, passed=total.passed, pass_rate=_rate(total)
                )
            )
        if country is not None and country not in by_country:
            continue
        out.append(
            CompetencyOutcomesOut(
                competency=competency,
                rows=listed,
                suppressed_countries=(
                    len(by_country) - len(shown) if country is None else int(country not in shown)
                ),
                totals_suppressed=total is None,
            )
        )
    return out


async def _revisions(session: AsyncSession, partnership_id: uuid.UUID, period: rules.Period) -> RevisionsOut:
    rows = await session.execute(
        select(Finding.status, func.count())
        .where(
            Finding.partnership_id == partnership_id,
            func.date(func.timezone("UTC", Finding.raised_at)).between(period.start, period.end),
        )
        .group_by(Finding.status)
    )
    counts = {status: int(n) for status, n in rows}
    return RevisionsOut(
        raised=sum(counts.values()), accepted=counts.get("accepted", 0), declined=counts.get("declined", 0)
    )
