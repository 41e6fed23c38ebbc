"""API bodies of curricula: what a partnership's agencies send to co-design one, and what they read back."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from backbone.schemas import Strict, VoteDeadline
from contracts.events.training import CurriculumContext, DeliveryMode

LANGUAGE_PATTERN = "^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$"
LANGUAGE = Field(pattern=LANGUAGE_PATTERN, description="BCP 47 tag, e.g. `fr` or `pt-BR`")
MODULE_CODE = "^[a-z0-9][a-z0-9-]{0,59}$"
COUNTRY = "^[A-Z]{2}$"


class TaughtCompetency(Strict):
    code: str = Field(
        pattern="^cf:[a-z0-9][a-z0-9-]{1,80}$", description="A code of the competency framework"
    )
    level: int = Field(ge=1, le=10, description="The level the module brings a trainee to")


class ModuleIn(Strict):
    code: str = Field(pattern=MODULE_CODE, description="Stable within the curriculum")
    title: str = Field(min_length=1, max_length=200)
    delivery_mode: DeliveryMode
    competencies: list[TaughtCompetency] = Field(min_length=1, max_length=30)
    duration_minutes: int = Field(ge=1, le=100_000)
    prerequisites: list[Annotated[str, Field(pattern=MODULE_CODE)]] = Field(
        default_factory=list, max_length=50
    )


Modules = Annotated[list[ModuleIn], Field(max_length=100)]


class CurriculumIn(Strict):
    partnership_id: uuid.UUID
    agency_id: uuid.UUID = Field(description="The drafting agency, of the caller's country")
    code: str = Field(
        pattern="^[a-z0-9][a-z0-9-]{1,79}$", description="Stable code, e.g. `cyber-forensics-101`"
    )
    title: str = Field(min_length=3, max_length=300)
    language: str = LANGUAGE
    context: CurriculumContext = "general"
    context_country_code: str | None = Field(default=None, pattern=COUNTRY)
    modules: Modules = Field(default_factory=list)


class VariantIn(Strict):
    agency_id: uuid.UUID = Field(description="The agency drafting the variant, of the caller's country")
    language: str = LANGUAGE
    context: CurriculumContext = "general"
    context_country_code: str | None = Field(default=None, pattern=COUNTRY)
    title: str | None = Field(default=None, min_length=3, max_length=300, description="Default: the origin's")


class DraftIn(Strict):
    title: str = Field(min_length=3, max_length=300)
    modules: Modules


class AddModule(Strict):
    op: Literal["add_module"]
    module: ModuleIn


class ReplaceModule(Strict):
    op: Literal["replace_module"]
    module: ModuleIn = Field(description="Replaces the draft's module with the same code")


class RemoveModule(Strict):
    op: Literal["remove_module"]
    module_code: str = Field(pattern=MODULE_CODE)


class ProposalIn(Strict):
    agency_id: uuid.UUID = Field(description="The proposing agency, of the caller's country")
    summary: str = Field(min_length=3, max_length=4000)
    change: Annotated[AddModule | ReplaceModule | RemoveModule, Field(discriminator="op")]


class CommentIn(Strict):
    agency_id: uuid.UUID = Field(description="The commenting agency, of the caller's country")
    body: str = Field(min_length=1, max_length=10_000)
    proposal_id: uuid.UUID | None = Field(default=None, description="The proposal it answers, if any")


class SettleIn(Strict):
    reason: str | None = Field(default=None, max_length=4000)


class SubmissionIn(Strict):
    decide_by: VoteDeadline


class RevisionIn(Strict):
    reason: str = Field(min_length=3, max_length=4000, description="Why the curriculum changes")


class VersionSummary(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    number: int
    status: str
    title: str
    reason: str | None
    created_at: datetime
    decided_at: datetime | None


class VersionOut(VersionSummary):
    id: uuid.UUID
    curriculum_id: uuid.UUID
    language: str
    modules: list[dict[str, Any]]
    diff: dict[str, Any] | None
    created_by: str
    submitted_at: datetime | None
    decide_by: datetime | None
    decision_id: uuid.UUID | None


class CurriculumOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    partnership_id: uuid.UUID
    code: str
    language: str
    context: str
    context_country_code: str | None
    variant_of_id: uuid.UUID | None
    drafting_agency_id: uuid.UUID
    drafting_country_code: str
    current_version: int | None = Field(description="The approved version cohorts use; null until one is")
    created_at: datetime
    versions: list[VersionSummary] = Field(default_factory=list)


class ProposalOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    version_id: uuid.UUID
    agency_id: uuid.UUID
    country_code: str
    author: str
    summary: str
    change: dict[str, Any]
    status: str
    created_at: datetime
    settled_at: datetime | None
    settled_reason: str | None


class CommentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    version_id: uuid.UUID
    proposal_id: uuid.UUID | None
    agency_id: uuid.UUID
    country_code: str
    author: str
    body: str
    created_at: datetime


class DiscussionOut(BaseModel):
    version: VersionOut
    proposals: list[ProposalOut]
    comments: list[CommentOut]
