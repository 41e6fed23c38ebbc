"""How every workflow calls its activities: one timeout and one retry policy for calls to the services.

A service's refusal (`RejectedByService`, a 4xx other than 408/425/429) is final; anything else is retried with
the same Idempotency-Key, so the service applies the change once (`service_calls`). Deterministic constants
only: workflow code imports this module.
"""

from __future__ import annotations

from datetime import timedelta

from temporalio.common import RetryPolicy

ACTIVITY_TIMEOUT = timedelta(seconds=30)
SERVICE_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1),
    maximum_interval=timedelta(minutes=1),
    non_retryable_error_types=["RejectedByService"],
)
