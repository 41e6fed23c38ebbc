"""What every service's API models share."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, field_validator


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
