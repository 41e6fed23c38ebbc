"""Events published by the assessment service on `assessment.events.v1`.

`indicator_measured` was contracted ahead of the service's domain because finance acts on it: a results-gated
funding tranche is released when a measurement of its indicator meets its target. Rubrics and the assessments of
trainees against them follow.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import ClassVar, Literal

from pydantic import BaseModel, Field

from contracts.envelope import AssessmentEvent, CountryCode


class IndicatorMeasuredV1(AssessmentEvent):
    """An indicator of a partnership's results framework was measured (by an evaluator, for a period)."""

    event_type: ClassVar[str] = "assessment.indicator_measured.v1"
    aggregate: ClassVar[str] = "partnership"

    measurement_id: str = Field(description="Unique per measurement: a redelivery carries the same id")
    partnership_id: str
    indicator: str = Field(
        pattern="^[a-z][a-z0-9_.:-]*$",
        max_length=100,
        description="The indicator's code in the partnership's results framework, e.g. `share_of_officers_certified`",
    )
    value: Decimal = Field(description="The measured value, in the indicator's unit")
    unit: str = Field(max_length=40, description="e.g. `ratio`, `hours`, `officers`")
    period_start: date
    period_end: date
    evaluator: str | None = Field(
        default=None, max_length=200, description="Who measured it (an external evaluator)"
    )
    measured_at: datetime


Dimension = Literal["technical_proficiency", "ethical_judgement", "cultural_sensitivity", "human_rights"]


class RubricPublishedV1(AssessmentEvent):
    """The lead published a version of a partnership's rubric: from now on trainees are assessed against it, and
    it never changes."""

    event_type: ClassVar[str] = "assessment.rubric_published.v1"
    aggregate: ClassVar[str] = "rubric"

    rubric_id: str
    rubric_version_id: str
    partnership_id: str
    competency: str
    version: int = Field(ge=1)
    dimensions: list[str] = Field(description="Always the four mandatory ones, and any the partnership adds")
    criteria: int = Field(ge=1, description="How many criteria are scored")
    overall_minimum: int = Field(ge=0, le=100, description="The overall percentage a pass needs")
    published_at: datetime


class TraineeAssessedV1(AssessmentEvent):
    """A trainee was assessed against a published rubric version; the pass rule decided (the overall minimum and
    each dimension's). Training's certification eligibility reads `passed`. No name: the trainee's pseudonymous
    id only."""

    event_type: ClassVar[str] = "assessment.trainee_assessed.v1"
    aggregate: ClassVar[str] = "trainee"

    assessment_id: str
    partnership_id: str
    rubric_id: str
    rubric_version_id: str
    competency: str
    kind: Literal["observation", "proficiency_test", "portfolio"]
    cohort_id: str | None
    trainee_id: str
    trainee_country_code: CountryCode
    assessor_country_code: CountryCode
    percent: Decimal = Field(ge=0, le=100, description="Overall, to one decimal place")
    passed: bool
    failed_dimensions: list[str] = Field(description="The dimensions below their minimum (empty when none)")
    assessed_at: datetime


class RevisionEvidenceV1(BaseModel):
    """The criterion failed, with its counts only when no member could difference them down to a few people."""

    criterion_id: str
    dimension: str
    criterion: str = Field(description="The criterion's text")
    failed: int | None = Field(ge=0, description="Assessments that failed it (None: suppressed)")
    assessed: int | None = Field(
        ge=0, description="Assessments of the rubric version counted (None: suppressed)"
    )
    suppressed: bool


class CurriculumRevisionRequestedV1(AssessmentEvent):
    """The lead asks training to revise a curriculum because its trainees often fail a criterion of the rubric
    that assesses it. Training answers with `training.revision_request_decided.v1` (same `finding_id`)."""

    event_type: ClassVar[str] = "assessment.curriculum_revision_requested.v1"
    aggregate: ClassVar[str] = "finding"

    finding_id: str
    partnership_id: str
    curriculum_id: str
    module_ids: list[str] = Field(description="The curriculum's modules the rubric assesses (may be empty)")
    competency: str
    rubric_id: str
    rubric_version_id: str
    summary: str = Field(max_length=4000)
    evidence: RevisionEvidenceV1
    instructor_ids: list[str] = Field(
        default_factory=list,
        description="Training's instructors of the cohorts whose trainees failed the criterion: each gets a "
        "trainer development action",
    )
    raised_by_country_code: CountryCode
    raised_at: datetime


RUBRIC_SUBJECT_PREFIX = "assessment:rubric-version:"
"""The subject of a rubric version's decision, followed by the version's id (`RubricSubmittedV1.subject`)."""


class RubricSubmittedV1(AssessmentEvent):
    """The lead put a rubric version to the partnership's oversight body (rubrics are co-designed like curricula).

    The partners service opens a `curriculum_approval` decision with `subject` as its subject; the decision's
    `partners.decision_closed.v1` (carrying the same subject) publishes or rejects this version."""

    event_type: ClassVar[str] = "assessment.rubric_submitted.v1"
    aggregate: ClassVar[str] = "rubric"

    rubric_id: str
    rubric_version_id: str
    partnership_id: str
    competency: str
    title: str
    version: int = Field(ge=1)
    subject: str = Field(description="`assessment:rubric-version:<rubric_version_id>`")
    decide_by: datetime
    submitted_by_country_code: CountryCode
    submitted_at: datetime
