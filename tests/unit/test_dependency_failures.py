"""What counts as "the database is away" (an API's 503, a relay's wait), however SQLAlchemy wraps it.

Found by `make chaos`: while PostgreSQL recovered from a crash, the APIs answered 500, because SQLAlchemy hands
asyncpg's CannotConnectNowError (57P03) over as a plain DBAPIError; and a relay's loop died on asyncpg's
"another operation is in progress", met on a connection the proxy had cut mid-query."""

from __future__ import annotations

import asyncpg
import pytest
from sqlalchemy.exc import DBAPIError, IntegrityError

from backbone.errors import is_dependency_failure, row_security_refusal, sqlstate, unstorable_text


class AdaptedError(Exception):
    """What SQLAlchemy's asyncpg adapter raises: the driver's error as its cause, its SQLSTATE copied."""

    def __init__(self, cause: BaseException, sqlstate: str | None) -> None:
        super().__init__(str(cause))
        self.sqlstate = sqlstate
        self.__cause__ = cause


def wrapped(cause: BaseException, sqlstate: str | None = None) -> DBAPIError:
    return DBAPIError("SELECT 1", None, AdaptedError(cause, sqlstate))


@pytest.mark.parametrize(
    "exc",
    [
        wrapped(
            asyncpg.CannotConnectNowError("the database system is not yet accepting connections"), "57P03"
        ),
        wrapped(asyncpg.CannotConnectNowError("recovering")),  # no SQLSTATE copied: the cause tells
        wrapped(Exception("terminating connection due to administrator command"), "57P01"),
        wrapped(Exception("connection failure"), "08006"),
        asyncpg.InternalClientError("cannot switch to state 15; another operation (2) is in progress"),
        ConnectionError("unexpected connection_lost() call"),
    ],
    ids=["cannot-connect-now", "cause-only", "admin-shutdown", "class-08", "internal-client-state", "lost"],
)
def test_the_database_away_is_a_dependency_failure(exc: BaseException) -> None:
    assert is_dependency_failure(exc)


def closed_while_cut() -> asyncpg.InterfaceError:
    """What leaving `async with conn.transaction()` raises after the connection was cut mid-statement."""
    try:
        try:
            raise asyncpg.ConnectionDoesNotExistError("connection was closed in the middle of operation")
        except asyncpg.ConnectionDoesNotExistError:
            raise asyncpg.InterfaceError(  # noqa: B904 (implicit chaining, as asyncpg's does)
                "cannot call Transaction.__aexit__(): the underlying connection is closed"
            )
    except asyncpg.InterfaceError as exc:
        return exc


def test_a_transaction_left_on_a_cut_connection_is_a_dependency_failure() -> None:
    assert is_dependency_failure(closed_while_cut())


def test_a_connection_the_pool_took_back_when_it_closed_is_a_dependency_failure() -> None:
    """The pool detaches a connection it saw close; the holder's next statement, and leaving its transaction,
    say so (a relay died of this chain in the 760-fault run)."""
    try:
        try:
            raise asyncpg.InterfaceError(
                "cannot call Connection.execute(): connection has been released back to the pool"
            )
        except asyncpg.InterfaceError:
            raise asyncpg.InterfaceError(  # noqa: B904 (implicit chaining, as asyncpg's does)
                "cannot call Transaction.__aexit__(): the underlying connection is closed"
            )
    except asyncpg.InterfaceError as exc:
        assert is_dependency_failure(exc) and is_dependency_failure(exc.__context__)


def test_a_misuse_of_the_driver_over_a_bug_is_not() -> None:
    try:
        try:
            raise ValueError("a bug")
        except ValueError:
            raise asyncpg.InterfaceError("cannot perform operation: another operation is in progress")  # noqa: B904
    except asyncpg.InterfaceError as exc:
        assert not is_dependency_failure(exc)


@pytest.mark.parametrize(
    "exc",
    [
        IntegrityError("INSERT", None, AdaptedError(Exception("duplicate key"), "23505")),
        wrapped(Exception("permission denied"), "42501"),
        ValueError("a bug"),
    ],
    ids=["unique-violation", "insufficient-privilege", "bug"],
)
def test_a_wrong_request_or_a_bug_is_not(exc: BaseException) -> None:
    assert not is_dependency_failure(exc)


@pytest.mark.parametrize(
    ("exc", "expected"),
    [
        (
            asyncpg.exceptions.UntranslatableCharacterError("unsupported Unicode escape sequence"),
            (422, "invalid_character"),
        ),
        (wrapped(Exception("invalid byte sequence"), "22021"), (422, "invalid_character")),
        (
            asyncpg.exceptions.InsufficientPrivilegeError("new row violates row-level security policy"),
            (403, "forbidden"),
        ),
        (wrapped(Exception("permission denied"), "42501"), (403, "forbidden")),
    ],
)
def test_a_refusal_reads_the_same_from_the_driver_as_through_sqlalchemy(
    exc: BaseException, expected: tuple[int, str]
) -> None:
    """The statements every write runs (aggregate lock, outbox row, audit entry) go straight to the driver: what
    they raise is mapped to the caller's problem as SQLAlchemy's wrapping of the same error is."""
    refused = unstorable_text(exc) or row_security_refusal(exc)
    assert refused is not None and (refused.status, refused.code) == expected


def test_the_sqlstate_of_a_driver_error_and_of_its_wrapping_is_the_same() -> None:
    assert sqlstate(asyncpg.exceptions.DeadlockDetectedError("deadlock")) == "40P01"
    assert sqlstate(wrapped(Exception("deadlock"), "40P01")) == "40P01"
    assert sqlstate(ValueError("not a database error")) is None
