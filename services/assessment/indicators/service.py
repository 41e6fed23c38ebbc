"""Indicator use cases: the lead defines a partnership's indicators; a member country's national system reports
measurements of them as aggregates; each measurement is announced (`assessment.indicator_measured.v1`), and finance's
results-gated tranches judge it against their own targets."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backbone.errors import Conflict, DomainError, field_problem
from backbone.idempotency import Outcome
from backbone.outbox import add_event
from contracts.events.assessment import IndicatorMeasuredV1
from services.assessment import SOURCE
from services.assessment.indicators import rules
from services.assessment.indicators.models import Indicator, Measurement
from services.assessment.indicators.schemas import IndicatorIn, IndicatorOut, MeasurementIn, MeasurementOut
from services.assessment.partnerships import partnership_of, release


def measurement_view(row: Measurement, indicator: Indicator) -> MeasurementOut:
    return MeasurementOut(
        id=row.id,
        indicator_id=row.indicator_id,
        country_code=row.country_code,
        value=row.value,
        period_start=row.period_start,
        period_end=row.period_end,
        source=row.source,
        measured_at=row.measured_at,
        target_met=rules.meets(row.value, indicator.target, indicator.direction),  # type: ignore[arg-type]
    )


async def _view(session: AsyncSession, row: Indicator) -> IndicatorOut:
    latest = await session.scalar(
        select(Measurement)
        .where(Measurement.indicator_id == row.id)
        .order_by(Measurement.period_end.desc(), Measurement.measured_at.desc())
        .limit(1)
    )
    return IndicatorOut(
        id=row.id,
        partnership_id=row.partnership_id,
        code=row.code,
        name=row.name,
        unit=row.unit,
        direction=row.direction,
        baseline=row.baseline,
        target=row.target,
        handling_code=row.handling_code,
        latest=measurement_view(latest, row) if latest else None,
        progress=rules.progress(latest.value, row.baseline, row.target) if latest else None,
    )


async def define(session: AsyncSession, *, partnership_id: uuid.UUID, body: IndicatorIn) -> Outcome:
    """201; the same again 200; the same id or code otherwise 409."""
    async with session.begin():
        await partnership_of(session, partnership_id)
        wanted = body.model_dump(exclude={"id"})
        found = await session.get(Indicator, body.id)
        if found is not None:
            if found.partnership_id != partnership_id or any(
                getattr(found, k) != v for k, v in wanted.items()
            ):
                raise Conflict(f"Indicator {body.id} was defined otherwise.", code="indicator_id_reused")
            return Outcome(200, (await _view(session, found)).model_dump(mode="json"))
        taken = await session.scalar(
            select(Indicator.id).where(
                Indicator.partnership_id == partnership_id, Indicator.code == body.code
            )
        )
        if taken is not None:
            raise field_problem(
                "code", "indicator_code_taken", "The partnership has an indicator with this code."
            )
        row = Indicator(
            id=body.id,
            partnership_id=partnership_id,
            created_at=datetime.now(UTC),
            **wanted,
        )
        session.add(row)
        await session.flush()
        return Outcome(201, (await _view(session, row)).model_dump(mode="json"))


async def indicators(session: AsyncSession, *, partnership_id: uuid.UUID) -> list[IndicatorOut]:
    async with session.begin():
        await partnership_of(session, partnership_id)
        rows = await session.scalars(
            select(Indicator).where(Indicator.partnership_id == partnership_id).order_by(Indicator.code)
        )
        return [await _view(session, r) for r in rows]


async def report(
    session: AsyncSession, *, indicator_id: uuid.UUID, country: str, reporter: str, body: MeasurementIn
) -> Outcome:
    """A member country's national system reports its aggregate: 201; the same again 200; the same id
    otherwise 409."""
    async with session.begin():
        indicator = await session.get(Indicator, indicator_id)
        if indicator is None:
            raise DomainError(f"No indicator with id {indicator_id}.", status=404, code="indicator_not_found")
        row, created = await record(session, indicator, country=country, reporter=reporter, body=body)
        return Outcome(201 if created else 200, measurement_view(row, indicator).model_dump(mode="json"))


async def record(
    session: AsyncSession, indicator: Indicator, *, country: str, reporter: str, body: MeasurementIn
) -> tuple[Measurement, bool]:
    """Store and announce a measurement of `country` (whatever channel it came by); (it, whether new). The same
    id again with the same content is the same measurement; otherwise 409."""
    found = await session.get(Measurement, body.id)
    if found is not None:
        same = (
            found.indicator_id,
            found.value,
            found.period_start,
            found.period_end,
            found.country_code,
        ) == (
            indicator.id,
            body.value,
            body.period_start,
            body.period_end,
            country,
        )
        if not same:
            raise Conflict(f"Measurement {body.id} was reported otherwise.", code="measurement_id_reused")
        return found, False
    if body.period_end > datetime.now(UTC).date():
        raise field_problem("period_end", "in_the_future", "A measurement covers a period that has ended.")
    partnership = await partnership_of(session, indicator.partnership_id)
    now = datetime.now(UTC)
    row = Measurement(
        id=body.id,
        indicator_id=indicator.id,
        partnership_id=indicator.partnership_id,
        country_code=country,
        value=body.value,
        period_start=body.period_start,
        period_end=body.period_end,
        source=body.source,
        reported_by=reporter,
        handling_code=indicator.handling_code,
        measured_at=now,
    )
    session.add(row)
    await session.flush()
    await add_event(
        session,
        IndicatorMeasuredV1(
            measurement_id=str(row.id),
            partnership_id=str(indicator.partnership_id),
            indicator=indicator.code,
            value=row.value,
            unit=indicator.unit,
            period_start=row.period_start,
            period_end=row.period_end,
            evaluator=None,
            measured_at=now,
        ),
        aggregate_id=str(indicator.partnership_id),
        source=SOURCE,
        release=release(partnership),
    )
    return row, True


async def measurements(session: AsyncSession, *, indicator_id: uuid.UUID) -> list[MeasurementOut]:
    async with session.begin():
        indicator = await session.get(Indicator, indicator_id)
        if indicator is None:
            raise DomainError(f"No indicator with id {indicator_id}.", status=404, code="indicator_not_found")
        rows = await session.scalars(
            select(Measurement)
            .where(Measurement.indicator_id == indicator_id)
            .order_by(Measurement.period_end, Measurement.measured_at)
        )
        return [measurement_view(r, indicator) for r in rows]
