"""Training's answer to a revision request (from a drill's debrief or an assessment finding), on
`training.events.v1`: the requester sees what became of it."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar, Literal

from pydantic import Field

from contracts.envelope import CountryCode, TrainingEvent


class RevisionRequestDecidedV1(TrainingEvent):
    """The curriculum's drafting country accepted a revision request into a draft version, or declined it with a
    reason. `finding_id` is the requester's (the incidents service's debrief finding or the assessment service's
    finding)."""

    event_type: ClassVar[str] = "training.revision_request_decided.v1"
    aggregate: ClassVar[str] = "revision_request"

    revision_request_id: str
    finding_id: str
    source: Literal["drill", "assessment"]
    partnership_id: str
    curriculum_id: str | None
    outcome: Literal["accepted", "declined"]
    reason: str = Field(max_length=4000, description="Why (required to decline; a note when accepted)")
    draft_version: int | None = Field(
        default=None, ge=1, description="The curriculum's draft version that takes the request up (accepted)"
    )
    decided_by_country_code: CountryCode | None = Field(
        description="None: training itself declined it (the request named no curriculum of its partnership)"
    )
    decided_at: datetime
