"""API models of agency contacts."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

LanguageTag = Annotated[
    str,
    Field(
        pattern=r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$",
        description="BCP 47 language tag",
        examples=["fr", "pt-BR"],
    ),
]

EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"

PHONE_PATTERN = r"^\+?[0-9][0-9 ()./-]{4,38}$"


def normalise_languages(values: list[str] | None) -> list[str] | None:
    """Normalised (`pt-br` → `pt-BR`), without repeats, in the given order."""
    if values is None:
        return None
    seen: list[str] = []
    for value in values:
        first, *rest = value.split("-")
        tag = "-".join([first.lower(), *(p.upper() if len(p) == 2 else p for p in rest)])
        if tag not in seen:
            seen.append(tag)
    return seen


class ContactIn(BaseModel):
    """A person at the agency. E-mail, phone and languages stay in this service: events carry name and
    function only."""

    model_config = ConfigDict(
        extra="forbid",
        str_strip_whitespace=True,
        json_schema_extra={
            "examples": [
                {
                    "name": "Aminata Diallo",
                    "function": "Head of cyber forensics",
                    "email": "a.diallo@police.example.sn",
                    "phone": "+221 33 800 00 00",
                    "languages": ["fr", "wo", "en"],
                    "is_primary": True,
                }
            ]
        },
    )

    name: str = Field(min_length=2, max_length=200, examples=["Aminata Diallo"])
    function: str = Field(
        min_length=2, max_length=200, description="Function or title", examples=["Head of cyber forensics"]
    )
    email: str = Field(max_length=320, pattern=EMAIL_PATTERN, examples=["a.diallo@police.example.sn"])
    phone: str | None = Field(default=None, pattern=PHONE_PATTERN, examples=["+221 33 800 00 00"])
    languages: list[LanguageTag] = Field(default_factory=list, max_length=20, description="Spoken languages")
    is_primary: bool = Field(
        default=False, description="The agency's first point of contact; replaces the current primary contact"
    )
    is_national_coordination_contact: bool = Field(
        default=False, description="Liaises with the country's national coordination unit"
    )

    @field_validator("languages")
    @classmethod
    def _normalise(cls, value: list[str]) -> list[str]:
        return normalise_languages(value) or []


class ContactPatch(BaseModel):
    """Fields to change; omitted fields keep their value, `phone` may be set to null."""

    model_config = ConfigDict(
        extra="forbid",
        str_strip_whitespace=True,
        json_schema_extra={"examples": [{"function": "Deputy director", "is_primary": True}]},
    )

    name: str | None = Field(default=None, min_length=2, max_length=200)
    function: str | None = Field(default=None, min_length=2, max_length=200)
    email: str | None = Field(default=None, max_length=320, pattern=EMAIL_PATTERN)
    phone: str | None = Field(default=None, pattern=PHONE_PATTERN)
    languages: list[LanguageTag] | None = Field(default=None, max_length=20)
    is_primary: bool | None = None
    is_national_coordination_contact: bool | None = None

    @field_validator("languages")
    @classmethod
    def _normalise(cls, value: list[str] | None) -> list[str] | None:
        return normalise_languages(value)

    @model_validator(mode="after")
    def _something_to_change(self) -> ContactPatch:
        if not self.model_fields_set:
            raise ValueError("give at least one field to change")
        for name in self.model_fields_set - {"phone"}:
            if getattr(self, name) is None:
                raise ValueError(f"{name} cannot be null")
        return self

    def changes(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in sorted(self.model_fields_set)}


class ContactOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    agency_id: uuid.UUID
    name: str
    function: str
    email: str | None
    phone: str | None
    languages: list[str]
    is_primary: bool
    is_national_coordination_contact: bool
    added_at: datetime
    updated_at: datetime | None
