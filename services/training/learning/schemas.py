"""xAPI-style statements (actor, verb, object, result, timestamp), the subset an external learning platform
sends to report attendance and progress per module. The object of a statement is a module of a cohort:
`urn:training-backbone:cohort:<cohort id>:module:<module code>`; the actor is the trainee, named by the id
their agency gave them (`account.name`)."""

from __future__ import annotations

import re
import uuid
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator, model_validator

from services.training.learning.rules import MIN_GROUP

ADL = "http://adlnet.gov/expapi/verbs/"
VERBS: dict[str, str] = {
    f"{ADL}attended": "attended",
    f"{ADL}attempted": "attempted",
    f"{ADL}progressed": "progressed",
    f"{ADL}completed": "completed",
    f"{ADL}passed": "passed",
    f"{ADL}failed": "failed",
}
Verb = Literal["attended", "attempted", "progressed", "completed", "passed", "failed"]
COMPLETING: frozenset[str] = frozenset({"completed", "passed"})
ACTIVITY = re.compile(
    r"^urn:training-backbone:cohort:(?P<cohort>[0-9a-f-]{36}):module:(?P<module>[a-z0-9][a-z0-9-]{0,59})$"
)
DURATION = re.compile(
    r"^P(?:(?P<d>\d+)D)?(?:T(?=\d)(?:(?P<h>\d+)H)?(?:(?P<m>\d+)M)?(?:(?P<s>\d+(?:\.\d+)?)S)?)?$"
)


def duration_of(text: str) -> timedelta:
    """An ISO 8601 duration (the subset xAPI uses) as a timedelta; one too long for that is `timedelta.max`."""
    found = DURATION.match(text)
    assert found
    parts = {k: float(v) for k, v in found.groupdict().items() if v}
    try:
        return timedelta(
            days=parts.get("d", 0),
            hours=parts.get("h", 0),
            minutes=parts.get("m", 0),
            seconds=parts.get("s", 0),
        )
    except OverflowError:
        return timedelta.max


class Loose(BaseModel):
    """xAPI allows more than we read (context, attachments, extensions...): extra fields are accepted."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)


class Account(Loose):
    home_page: str = Field(alias="homePage", min_length=1, max_length=500)
    name: str = Field(min_length=1, max_length=100, description="The trainee's id in their agency")


class Actor(Loose):
    object_type: Literal["Agent"] = Field(default="Agent", alias="objectType")
    account: Account


class VerbIn(Loose):
    id: str = Field(description="An ADL verb IRI: attended, attempted, progressed, completed, passed, failed")
    display: dict[str, str] | None = None

    @field_validator("id")
    @classmethod
    def _known(cls, value: str) -> str:
        if value not in VERBS:
            raise ValueError(f"verb must be one of {', '.join(sorted(VERBS))}")
        return value


class Activity(Loose):
    object_type: Literal["Activity"] = Field(default="Activity", alias="objectType")
    id: str = Field(description="urn:training-backbone:cohort:<cohort id>:module:<module code>")

    @field_validator("id")
    @classmethod
    def _module(cls, value: str) -> str:
        if not ACTIVITY.match(value):
            raise ValueError(
                "object.id must be urn:training-backbone:cohort:<cohort id>:module:<module code>"
            )
        return value


SCORE_BOUND = 1e9
"""No learning platform scores beyond this; larger numbers are mistakes (and would overflow the columns)."""
LONGEST_STATEMENT = timedelta(days=7)
"""The longest time one statement may report (an attempt at one module)."""


class Score(Loose):
    scaled: float | None = Field(default=None, ge=-1, le=1, allow_inf_nan=False)
    raw: float | None = Field(default=None, ge=-SCORE_BOUND, le=SCORE_BOUND, allow_inf_nan=False)
    min: float | None = Field(default=None, ge=-SCORE_BOUND, le=SCORE_BOUND, allow_inf_nan=False)
    max: float | None = Field(default=None, ge=-SCORE_BOUND, le=SCORE_BOUND, allow_inf_nan=False)

    @model_validator(mode="after")
    def _raw_within_its_range(self) -> Score:
        """As xAPI says: min < max, and raw within them."""
        if self.min is not None and self.max is not None and self.max <= self.min:
            raise ValueError("score.max must be greater than score.min")
        if self.raw is not None and (
            (self.min is not None and self.raw < self.min) or (self.max is not None and self.raw > self.max)
        ):
            raise ValueError("score.raw must lie between score.min and score.max")
        return self


class Result(Loose):
    score: Score | None = None
    success: bool | None = None
    completion: bool | None = None
    duration: str | None = Field(default=None, description="ISO 8601 duration, e.g. PT1H30M")

    @field_validator("duration")
    @classmethod
    def _duration(cls, value: str | None) -> str | None:
        if value is None:
            return value
        if value in ("P", "PT") or len(value) > 40 or not DURATION.match(value):
            raise ValueError("duration must be an ISO 8601 duration such as PT1H30M")
        if duration_of(value) > LONGEST_STATEMENT:
            raise ValueError(f"duration must be at most {LONGEST_STATEMENT.days} days for one statement")
        return value


class Statement(Loose):
    id: uuid.UUID | None = Field(default=None, description="Given by the platform: a repeat is stored once")
    actor: Actor
    verb: VerbIn
    object: Activity
    result: Result | None = None
    timestamp: AwareDatetime

    @property
    def verb_name(self) -> Verb:
        return VERBS[self.verb.id]  # type: ignore[return-value]  # VERBS' values are the Verb literals

    @property
    def cohort_id(self) -> uuid.UUID:
        found = ACTIVITY.match(self.object.id)
        assert found
        return uuid.UUID(found["cohort"])

    @property
    def module_code(self) -> str:
        found = ACTIVITY.match(self.object.id)
        assert found
        return found["module"]

    @property
    def seconds(self) -> int | None:
        if self.result is None or self.result.duration is None:
            return None
        return int(duration_of(self.result.duration).total_seconds())

    @property
    def scaled_score(self) -> float | None:
        if self.result is None or self.result.score is None:
            return None
        score = self.result.score
        if score.scaled is not None:
            return score.scaled
        if (
            score.raw is not None
            and score.min is not None
            and score.max is not None
            and score.max > score.min
        ):
            return (score.raw - score.min) / (score.max - score.min)
        return None


class ProgressOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    module_code: str
    status: str
    attempts: int
    best_score: Decimal | None
    seconds: int
    first_seen_at: datetime
    completed_at: datetime | None


class ModuleFigures(BaseModel):
    code: str
    completed: int | None
    completion_rate: float | None
    average_score: float | None
    average_minutes: float | None


class CountryFigures(BaseModel):
    country_code: str
    cohorts: int
    nominated: int
    enrolled: int
    withdrawn: int
    completed_all: int | None
    completion_rate: float | None
    average_score: float | None
    average_minutes: float | None
    suppressed: bool = Field(
        default=False,
        description=f"Outcomes withheld: another country's group of fewer than {MIN_GROUP} enrolled trainees",
    )
    outcome_cohorts: int | None = Field(
        default=None,
        description="Across a partnership: how many of the country's cohorts its outcomes add up (a cohort where "
        "its group is too small for you to see is left out, so no difference gives that group away)",
    )


class CohortAnalytics(BaseModel):
    cohort_id: uuid.UUID
    modules_total: int
    enrolled: int
    completed_all: int | None
    completion_rate: float | None
    average_score: float | None
    average_minutes_per_trainee: float | None
    modules: list[ModuleFigures]
    by_country: list[CountryFigures]
    totals_suppressed: bool = Field(
        default=False,
        description="The cohort's outcome totals and per-module figures are withheld because a country's group "
        "in it is hidden from you: the totals minus the groups you see would give it away",
    )


class PartnershipAnalytics(BaseModel):
    partnership_id: uuid.UUID
    cohorts: int
    by_country: list[CountryFigures]
