"""Mentorships in communities of practice, on `training.events.v1`: who mentors which trainee (by the trainee's
pseudonymous id), so that the assessment service never lets a mentor assess its mentee."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from pydantic import Field

from contracts.envelope import CountryCode, TrainingEvent


class MentorshipRecordedV1(TrainingEvent):
    """A mentor and a member of the same community, the member being a trainee (its nominations name its
    account): the mentor mentors that trainee. Released to the two countries concerned only."""

    event_type: ClassVar[str] = "training.mentorship_recorded.v1"
    aggregate: ClassVar[str] = "community"

    community_id: str
    partnership_id: str
    mentor_subject: str = Field(
        max_length=200, description="The mentor's account (as evaluators are registered)"
    )
    mentor_country_code: CountryCode
    trainee_id: str = Field(max_length=100)
    trainee_country_code: CountryCode
    recorded_at: datetime
