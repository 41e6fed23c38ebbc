"""Keyset pagination with opaque cursors: stable under concurrent inserts, cheap at any depth."""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Path, Query
from pydantic import BaseModel, Field
from sqlalchemy import ColumnElement, Select, and_, or_
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
    return await keyset_page_by(
        session,
        query,
        order=created,
        position=lambda row: getattr(row, created.key),
        key=key,
        limit=limit,
        cursor=cursor,
    )


async def keyset_page_by(
    session: AsyncSession,
    query: Select[Row],
    *,
    order: ColumnElement[datetime] | InstrumentedAttribute[datetime],
    position: Callable[[Row], datetime],
    key: InstrumentedAttribute[Any],
    limit: int,
    cursor: str | None,
    parse_key: Callable[[str], Any] = uuid.UUID,
    newest_first: bool = False,
) -> tuple[list[Row], str | None]:
    """One page of `query` ordered by (an expression of time, key), after the row the cursor names:
    `position` is that expression's value for a row (e.g. the start of a booked period); `parse_key` reads the
    key back from the cursor (a UUID unless told)."""
    if newest_first:
        query = query.order_by(order.desc(), key.desc()).limit(limit + 1)
    else:
        query = query.order_by(order, key).limit(limit + 1)
    if cursor:
        at, last_key = decode_cursor(cursor, arity=2)
        try:
            after, after_key = datetime.fromisoformat(at), parse_key(last_key)
        except (TypeError, ValueError) as exc:
            raise InvalidCursor() from exc
        if newest_first:
            query = query.where(or_(order < after, and_(order == after, key < after_key)))
        else:
            query = query.where(or_(order > after, and_(order == after, key > after_key)))
    rows: list[Row] = list(await session.scalars(query))
    if len(rows) <= limit:
        return rows, None
    rows = rows[:limit]
    last = rows[-1]
    return rows, encode_cursor([position(last).isoformat(), str(getattr(last, key.key))])


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
PathNumber = Annotated[
    int, Path(ge=0, le=2**31 - 1, description="A number in a sequence (a version, a step)")
]
"""An integer path parameter stored in an `integer` column: bounded, so no id reaches the database as an overflow."""
Cursor = Annotated[str | None, Query(max_length=500, description="Opaque cursor from `next_cursor`")]
