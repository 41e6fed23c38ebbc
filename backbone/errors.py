"""RFC 9457 problem+json for every error, with a stable `code` and field-level validation errors.

No stack trace ever reaches a client; an unknown exception is a 500 logged with the trace id, and a
dependency that is down (database, broker, Temporal) is a 503.
"""

from __future__ import annotations

import logging
import re
from http import HTTPStatus
from typing import Any

import asyncpg
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from sqlalchemy.orm.exc import StaleDataError
from starlette.exceptions import HTTPException as StarletteHTTPException

from backbone.telemetry import current_trace_id

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"
PROBLEM_BASE = "https://training-backbone.example/problems/"


class DomainError(Exception):
    """An error a client can act on. Subclass or raise with a stable code."""

    status = 400
    code = "bad_request"
    title = "Bad request"

    def __init__(
        self,
        detail: str,
        *,
        code: str | None = None,
        status: int | None = None,
        title: str | None = None,
        headers: dict[str, str] | None = None,
        errors: list[dict[str, Any]] | None = None,
        **extensions: Any,
    ) -> None:
        super().__init__(detail)
        self.headers = headers
        if errors:
            extensions["errors"] = errors
        self.detail = detail
        self.code = code or self.code
        self.status = status or self.status
        # A status given here without a title is titled by its own reason phrase, not the class's 400 one.
        self.title = title or (
            HTTPStatus(self.status).phrase if status and status != type(self).status else self.title
        )
        self.extensions = extensions


def body_field(field: str, code: str, message: str) -> dict[str, Any]:
    """One entry of a problem's `errors`: the request body's field to blame (dotted path), why, and a code."""
    return {"field": field, "in": "body", "code": code, "message": message}


def field_problem(
    field: str, code: str, message: str, *, status: int = 422, title: str | None = None
) -> DomainError:
    """The problem of one body field: 422 (or `status`) naming the field, with a stable code."""
    return DomainError(
        message, status=status, code=code, title=title, errors=[body_field(field, code, message)]
    )


class NotFound(DomainError):
    status, code, title = 404, "not_found", "Not found"


class Conflict(DomainError):
    status, code, title = 409, "conflict", "Conflict"


class DependencyUnavailable(DomainError):
    status, code, title = 503, "dependency_unavailable", "A dependency is unavailable"


def problem(
    status: int,
    code: str,
    title: str,
    detail: str | None = None,
    *,
    instance: str | None = None,
    headers: dict[str, str] | None = None,
    **extensions: Any,
) -> JSONResponse:
    body: dict[str, Any] = {"type": PROBLEM_BASE + code, "title": title, "status": status, "code": code}
    if detail:
        body["detail"] = detail
    if instance:
        body["instance"] = instance
    trace_id = current_trace_id()
    if trace_id:
        body["trace_id"] = trace_id
    body.update(extensions)
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


NAMED_BY_VALIDATOR = re.compile(r"^Value error, ([a-z_][a-z0-9_.]*): ")


def _field_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    errors = []
    for error in exc.errors():
        location = [str(part) for part in error.get("loc", ())]
        where = location[0] if location else "body"
        field = ".".join(location[1:]) if len(location) > 1 else where
        named = NAMED_BY_VALIDATOR.match(error.get("msg", ""))
        if named:  # a check across fields names the one it blames first ("ends_on: ...")
            field = ".".join([*location[1:], named.group(1)])
        errors.append(
            {
                "field": field,
                "in": where,
                "code": error.get("type", "invalid"),
                "message": error.get("msg", "invalid value"),
            }
        )
    return errors


SERVER_AWAY_SQLSTATES = frozenset({"57P01", "57P02", "57P03", "53300"})
"""admin_shutdown, crash_shutdown, cannot_connect_now (starting or recovering), too_many_connections: the server is
away or full, the request is not wrong. Class 08 (connection exceptions) says the same."""

_AWAY = (
    OperationalError,
    InterfaceError,
    PoolTimeoutError,
    ConnectionError,
    TimeoutError,
    asyncpg.CannotConnectNowError,
    asyncpg.ConnectionDoesNotExistError,
    asyncpg.InternalClientError,  # a connection cut mid-operation, found in that state when reused or reset
    OSError,
)


_CONNECTION_GONE = ("connection is closed", "released back to the pool")
"""What asyncpg's InterfaceError says when a connection was cut under a caller that still holds it: the pool
detaches a connection it saw close, and leaving a transaction on it raises again over the real failure (found by
`make chaos`: relays died of both)."""


def is_dependency_failure(exc: BaseException) -> bool:
    """The database or the network away (what an API answers 503 for), however SQLAlchemy wrapped it: a server
    still recovering reaches us as a plain DBAPIError around asyncpg's CannotConnectNowError."""
    seen: BaseException | None = exc
    for _ in range(4):  # the exception, what it wraps, and their causes
        if seen is None:
            return False
        if isinstance(seen, _AWAY):
            return True
        if isinstance(seen, DBAPIError) and seen.connection_invalidated:
            return True
        state = getattr(seen, "sqlstate", None)
        if isinstance(state, str) and (state.startswith("08") or state in SERVER_AWAY_SQLSTATES):
            return True
        if isinstance(seen, asyncpg.InterfaceError) and any(m in str(seen) for m in _CONNECTION_GONE):
            return True
        seen = seen.orig if isinstance(seen, DBAPIError) else seen.__cause__
    return False


INSUFFICIENT_PRIVILEGE = "42501"
UNSTORABLE_TEXT = frozenset({"22021", "22P05"})
"""character_not_in_repertoire (a NUL in text), untranslatable_character (a NUL escape in JSON)."""


def sqlstate(exc: BaseException) -> str | None:
    """The SQLSTATE of a database error, whether SQLAlchemy wrapped it or the driver raised it (the statements every
    write runs go straight to the driver: `backbone.db.driver_connection`)."""
    state = getattr(exc.orig if isinstance(exc, DBAPIError) else exc, "sqlstate", None)
    return state if isinstance(state, str) else None


def unstorable_text(exc: BaseException) -> DomainError | None:
    """Text PostgreSQL cannot store (a NUL character) that reached a query: the caller's 422, never a 500.
    Bodies are refused field by field before (`backbone.schemas.Strict`); this holds for every other input."""
    if sqlstate(exc) in UNSTORABLE_TEXT:
        return DomainError(
            "Text may not contain NUL characters (U+0000); nothing was stored.",
            status=422,
            code="invalid_character",
            title="Unprocessable text",
        )
    return None


def row_security_refusal(exc: BaseException) -> DomainError | None:
    """The database refusing a change the caller may not make (row-level security, or a role without the
    privilege): the route policy let it through, PostgreSQL did not. It is the caller's 403, never a 500."""
    if sqlstate(exc) == INSUFFICIENT_PRIVILEGE:
        return DomainError(
            "This change is not yours to make.", status=403, code="forbidden", title="Not allowed"
        )
    if isinstance(exc, StaleDataError):  # an UPDATE or DELETE that row-level security hid the row from
        return DomainError(
            "Not found, or not yours to change.", status=404, code="not_found", title="Not found"
        )
    return None


def install_problem_handlers(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def _domain(request: Request, exc: DomainError) -> JSONResponse:
        return problem(
            exc.status,
            exc.code,
            exc.title,
            exc.detail,
            instance=request.url.path,
            headers=exc.headers,
            **exc.extensions,
        )

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        return problem(
            422,
            "validation_failed",
            "The request is not valid",
            "One or more fields are invalid; see `errors`.",
            instance=request.url.path,
            errors=_field_errors(exc),
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        codes = {
            404: "not_found",
            405: "method_not_allowed",
            401: "unauthenticated",
            403: "forbidden",
            413: "payload_too_large",
            415: "unsupported_media_type",
        }
        code = codes.get(exc.status_code, f"http_{exc.status_code}")
        detail = exc.detail if isinstance(exc.detail, str) else None
        return problem(
            exc.status_code,
            code,
            detail or code.replace("_", " ").capitalize(),
            instance=request.url.path,
            headers=dict(exc.headers or {}),
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        if refused := row_security_refusal(exc):
            log.info("row-level security refused a change", extra={"path": request.url.path})
            return await _domain(request, refused)
        if refused := unstorable_text(exc):
            return await _domain(request, refused)
        if is_dependency_failure(exc):
            log.warning("dependency unavailable", exc_info=exc)
            return problem(
                503,
                "dependency_unavailable",
                "A dependency is unavailable",
                "The service cannot reach one of its dependencies; retry later.",
                instance=request.url.path,
                headers={"Retry-After": "5"},
            )
        log.exception("unhandled error", exc_info=exc)
        return problem(
            500,
            "internal_error",
            "Internal error",
            "An unexpected error occurred; quote the trace id when reporting it.",
            instance=request.url.path,
        )
