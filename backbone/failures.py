"""What a failure while handling an event says: about the event (dead-letter it) or about the infrastructure
(an outage, a deadlock, a failover: wait it out and retry, never dead-letter a valid event for it)."""

from __future__ import annotations

from pydantic import ValidationError
from temporalio.service import RPCError, RPCStatusCode

from backbone.errors import is_dependency_failure, sqlstate
from contracts.envelope import MalformedEvent


class PermanentError(Exception):
    """The event can never be handled as it is (bad data, a broken invariant): dead-letter without retrying."""


TRANSIENT_SQLSTATES = frozenset(
    {
        "40001",  # serialization_failure
        "40P01",  # deadlock_detected
        "55P03",  # lock_not_available
        "25006",  # read_only_sql_transaction: a failover in progress
        "53000",  # insufficient_resources
        "53100",  # disk_full
        "53200",  # out_of_memory
        "53300",  # too_many_connections
        "57P01",  # admin_shutdown
        "57P02",  # crash_shutdown
        "57P03",  # cannot_connect_now
        "58000",  # system_error
        "58030",  # io_error
    }
)
"""Database errors that say nothing about the event: the same transaction succeeds once they pass. Class 08
(connection exceptions) is transient too."""


def is_transient_infrastructure(exc: BaseException) -> bool:
    if isinstance(exc, RPCError) and exc.status in (
        RPCStatusCode.UNAVAILABLE,
        RPCStatusCode.DEADLINE_EXCEEDED,
        RPCStatusCode.RESOURCE_EXHAUSTED,
        RPCStatusCode.ABORTED,
    ):
        return True  # Temporal is down or overloaded: wait for it, as for the database
    state = sqlstate(exc)
    if state is not None and (state in TRANSIENT_SQLSTATES or state.startswith("08")):
        return True
    return is_dependency_failure(exc)  # the database or the network away: what an API answers 503 for


def is_permanent(exc: BaseException) -> bool:
    return isinstance(exc, (PermanentError, ValidationError, MalformedEvent))
