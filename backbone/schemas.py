"""What every service's API models share."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field, field_validator


def _without_nul(value: Any) -> Any:
    if isinstance(value, str) and "\x00" in value:
        raise ValueError("text may not contain NUL characters (U+0000)")
    if isinstance(value, list | tuple | set | frozenset):
        for item in value:
            _without_nul(item)
    elif isinstance(value, dict):
        for key, item in value.items():
            _without_nul(key)
            _without_nul(item)
    return value


class Strict(BaseModel):
    """A request body: unknown fields are refused (422 naming them), surrounding white space is dropped, and
    text PostgreSQL cannot store (NUL characters) is refused naming its field."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @field_validator("*", mode="after")
    @classmethod
    def _storable(cls, value: Any) -> Any:
        return _without_nul(value)


def _vote_window(value: datetime) -> datetime:
    now = datetime.now(UTC)
    if not now + timedelta(hours=1) <= value <= now + timedelta(days=366):
        raise ValueError("decide_by must be between one hour and one year from now")
    return value


VoteDeadline = Annotated[
    AwareDatetime,
    AfterValidator(_vote_window),
    Field(description="Until when the oversight body votes (with a timezone; one hour to one year from now)"),
]
"""When a decision put to a partnership's oversight body closes."""
