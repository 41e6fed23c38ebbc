"""Keyset pagination with opaque cursors: stable under concurrent inserts, cheap at any depth."""

from __future__ import annotations

import base64
import json
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Query
from pydantic import BaseModel, Field

from backbone.errors import DomainError

T = TypeVar("T")


class InvalidCursor(DomainError):
    status, code, title = 400, "invalid_cursor", "Invalid pagination cursor"


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = Field(
        description="Pass as `cursor` to get the next page; null on the last page"
    )
    limit: int


def encode_cursor(values: list[Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(values, default=str).encode()).decode().rstrip("=")


def decode_cursor(cursor: str, *, arity: int) -> list[Any]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidCursor(
            "The cursor is not one this API issued.",
            errors=[
                {
                    "field": "cursor",
                    "in": "query",
                    "code": "invalid_cursor",
                    "message": "not a cursor issued by this API",
                }
            ],
        ) from exc
    if not isinstance(values, list) or len(values) != arity:
        raise InvalidCursor(
            "The cursor is not one this API issued.",
            errors=[
                {
                    "field": "cursor",
                    "in": "query",
                    "code": "invalid_cursor",
                    "message": "not a cursor issued by this API",
                }
            ],
        )
    return values


Limit = Annotated[int, Query(ge=1, le=200, description="Page size (1-200)")]
Cursor = Annotated[str | None, Query(max_length=500, description="Opaque cursor from `next_cursor`")]
