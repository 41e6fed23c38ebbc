"""The evidence a certification is issued on: the trainee's assessment result, learnt from the assessment
service's events, checked against the request (the same trainee, of the certifying country, in the issuing
partnership, for one of the certified competencies, and passed)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from backbone.errors import DomainError
from contracts.envelope import EventEnvelope
from contracts.events.assessment import TraineeAssessedV1
from services.training.certifications.models import AssessmentResult
from services.training.certifications.schemas import CertificationIn


async def on_trainee_assessed(session: AsyncSession, envelope: EventEnvelope) -> None:
    event = TraineeAssessedV1.model_validate(envelope.data)
    await session.execute(
        pg_insert(AssessmentResult)
        .values(
            assessment_id=uuid.UUID(event.assessment_id),
            partnership_id=uuid.UUID(event.partnership_id),
            trainee_id=event.trainee_id,
            trainee_country_code=event.trainee_country_code,
            competency=event.competency,
            kind=event.kind,
            percent=event.percent,
            passed=event.passed,
            failed_dimensions=event.failed_dimensions,
            assessed_at=event.assessed_at,
            received_at=datetime.now(UTC),
        )
        .on_conflict_do_nothing(index_elements=["assessment_id"])
    )


def _refused(code: str, message: str) -> DomainError:
    return DomainError(
        f"Not eligible for a certification: {message}.",
        status=422,
        code=code,
        title="Not eligible for a certification",
        errors=[{"field": "assessment_id", "in": "body", "code": code, "message": message}],
    )


async def passed_assessment(
    session: AsyncSession, request: CertificationIn, country: str
) -> AssessmentResult:
    """The request's assessment, if it makes the trainee eligible; otherwise 422 naming `assessment_id` with why.
    Row-level security shows a country only its own trainees' results."""
    found = await session.get(AssessmentResult, request.assessment_id)
    if found is None:
        raise _refused("assessment_unknown", "no result of this assessment has reached training (yet)")
    if found.trainee_id != request.trainee_id or found.trainee_country_code != country:
        raise _refused("assessment_of_another_trainee", "the assessment is of another trainee")
    if found.partnership_id != request.issuing_partnership_id:
        raise _refused("assessment_of_another_partnership", "the assessment is of another partnership")
    if found.competency not in request.competencies:
        raise _refused(
            "assessment_of_another_competency", f"it assessed {found.competency}, not a certified competency"
        )
    if not found.passed:
        failed = ", ".join(found.failed_dimensions) or "overall"
        raise _refused(
            "not_eligible", f"the assessment was not passed ({found.percent}%; below minimum: {failed})"
        )
    return found
