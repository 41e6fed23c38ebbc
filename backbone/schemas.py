"""What every service's API models share."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Strict(BaseModel):
    """A request body: unknown fields are refused (422 naming them), surrounding white space is dropped."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
