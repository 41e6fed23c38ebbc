"""Keyset pagination with opaque cursors: stable under concurrent inserts, cheap at any depth."""

from __future__ import annotations

import base64
import json
import uuid
from datetime import datetime
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Query
from pydantic import BaseModel, Field
from sqlalchemy import Select, and_, or_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from backbone.errors import DomainError

T = TypeVar("T")
Row = TypeVar("Row")


class InvalidCursor(DomainError):
    status, code, title = 400, "invalid_cursor", "Invalid pagination cursor"

    def __init__(self) -> None:
        super().__init__(
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
        raise InvalidCursor() from exc
    if not isinstance(values, list) or len(values) != arity:
        raise InvalidCursor()
    return values


BIGINT_MAX = 2**63 - 1


def decode_sequence_cursor(cursor: str) -> int:
    """A cursor naming one position in a sequence (a bigint column); anything else is an invalid cursor."""
    (after,) = decode_cursor(cursor, arity=1)
    if isinstance(after, bool) or not isinstance(after, int) or not 0 <= after <= BIGINT_MAX:
        raise InvalidCursor()
    return after


async def keyset_page(
    session: AsyncSession,
    query: Select[Row],
    *,
    created: InstrumentedAttribute[datetime],
    key: InstrumentedAttribute[uuid.UUID],
    limit: int,
    cursor: str | None,
) -> tuple[list[Row], str | None]:
    """One page of `query` ordered by (created, key), after the row the cursor names."""
    query = query.order_by(created, key).limit(limit + 1)
    if cursor:
        created_at, last_key = decode_cursor(cursor, arity=2)
        try:
            after, after_key = datetime.fromisoformat(created_at), uuid.UUID(last_key)
        except (TypeError, ValueError) as exc:
            raise InvalidCursor() from exc
        query = query.where(or_(created > after, and_(created == after, key > after_key)))
    rows: list[Row] = list(await session.scalars(query))
    if len(rows) <= limit:
        return rows, None
    rows = rows[:limit]
    last = rows[-1]
    return rows, encode_cursor([getattr(last, created.key).isoformat(), str(getattr(last, key.key))])


async def sequence_page(
    session: AsyncSession,
    query: Select[Row],
    *,
    key: InstrumentedAttribute[int],
    limit: int,
    cursor: str | None,
) -> tuple[list[Row], str | None]:
    """One page of `query` ordered by an increasing integer `key` (a sequence), after the one the cursor names."""
    query = query.order_by(key).limit(limit + 1)
    if cursor:
        query = query.where(key > decode_sequence_cursor(cursor))
    rows: list[Row] = list(await session.scalars(query))
    if len(rows) <= limit:
        return rows, None
    rows = rows[:limit]
    return rows, encode_cursor([getattr(rows[-1], key.key)])


Limit = Annotated[int, Query(ge=1, le=200, description="Page size (1-200)")]
Cursor = Annotated[str | None, Query(max_length=500, description="Opaque cursor from `next_cursor`")]
