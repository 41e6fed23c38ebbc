"""How activities call the services: POST with an Idempotency-Key and the current trace, errors for Temporal.

A 4xx answer other than 408/425/429 is the service refusing the command: `RejectedByService`, not retried.
Anything else (5xx, those three, the network) is `ServiceUnavailable`, retried by Temporal with the same key,
so the service applies the change once.
"""

from __future__ import annotations

from typing import Any

import httpx
from temporalio.exceptions import ApplicationError

from backbone.faults import ACTIVITY_AFTER_CALL, crash_point
from backbone.telemetry import current_traceparent

_RETRYABLE_4XX = {408, 425, 429}


async def post(
    http: httpx.AsyncClient, path: str, body: dict[str, Any], *, key: str | None = None
) -> dict[str, Any]:
    headers = {"Idempotency-Key": key} if key else {}
    # Activities run inside the workflow's trace (Temporal's tracing interceptor); pass it on so the service's
    # change and its event belong to the request that started the workflow.
    if traceparent := current_traceparent():
        headers["traceparent"] = traceparent
    try:
        response = await http.post(path, json=body, headers=headers)
        crash_point(ACTIVITY_AFTER_CALL)
    except httpx.HTTPError as exc:
        raise ApplicationError(f"service unreachable: {exc!r}", type="ServiceUnavailable") from exc
    if response.status_code >= 500 or response.status_code in _RETRYABLE_4XX:
        raise ApplicationError(
            f"service answered {response.status_code} to {path}", type="ServiceUnavailable"
        )
    if response.status_code >= 400:
        problem = response.json() if response.headers.get("content-type", "").endswith("json") else {}
        raise ApplicationError(
            f"service refused {path}: {response.status_code} {problem.get('detail', response.text[:300])}",
            problem.get("code"),
            type="RejectedByService",
            non_retryable=True,
        )
    payload: dict[str, Any] = response.json()
    return payload
