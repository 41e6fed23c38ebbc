"""Temporal: the client factory (pydantic data converter, tracing interceptor) and worker construction."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from temporalio.client import Client, WorkflowUpdateRPCTimeoutOrCancelledError
from temporalio.contrib.opentelemetry import TracingInterceptor
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.service import RPCError, RPCStatusCode, TLSConfig
from temporalio.worker import Worker

from backbone.errors import DomainError
from backbone.settings import ServiceSettings

T = TypeVar("T")
log = logging.getLogger(__name__)

WORKFLOW_ANSWER_SECONDS = 5.0
"""How long a request waits for a workflow's own answer (a query, an update): only a worker gives it, and with
no worker polling Temporal would hold the call far longer than any HTTP client waits."""


class WorkflowUnresponsive(DomainError):
    status, code, title = 503, "workflow_unresponsive", "The process is not answering"

    def __init__(self) -> None:
        super().__init__(
            "The workflow behind this request did not answer in time (its workers may be restarting); nothing "
            "was changed by this attempt. Retry later.",
            headers={"Retry-After": "10"},
        )


async def workflow_answer(call: Awaitable[T]) -> T:
    """A workflow's answer to a query or an update, or 503 `workflow_unresponsive` when none comes in time (an
    update not yet accepted by a worker is dropped by Temporal when its caller goes away: safe to retry)."""
    try:
        return await asyncio.wait_for(call, WORKFLOW_ANSWER_SECONDS)
    except (TimeoutError, WorkflowUpdateRPCTimeoutOrCancelledError) as exc:
        raise WorkflowUnresponsive() from exc
    except RPCError as exc:
        if exc.status in (RPCStatusCode.DEADLINE_EXCEEDED, RPCStatusCode.CANCELLED):
            raise WorkflowUnresponsive() from exc
        raise


def tls_config(settings: ServiceSettings) -> TLSConfig | bool:
    """TLS as the settings ask: off for the local dev server; with a CA, a client certificate or an API key,
    TLS whose server certificate is verified (the system's CAs when no CA file is named)."""
    wanted = settings.temporal_tls or settings.temporal_api_key is not None
    files = (settings.temporal_tls_ca_file, settings.temporal_tls_cert_file, settings.temporal_tls_key_file)
    if not wanted and not any(files):
        return False
    if settings.temporal_tls_cert_file and not settings.temporal_tls_key_file:
        raise ValueError("TEMPORAL_TLS_CERT_FILE needs TEMPORAL_TLS_KEY_FILE")
    ca, cert, key = (Path(f).read_bytes() if f else None for f in files)
    return TLSConfig(
        server_root_ca_cert=ca,
        client_cert=cert,
        client_private_key=key,
        domain=settings.temporal_tls_server_name,
    )


async def connect_client(settings: ServiceSettings) -> Client:
    """A client whose calls carry the current trace into workflows and activities."""
    api_key = settings.temporal_api_key.get_secret_value() if settings.temporal_api_key else None
    return await Client.connect(
        settings.temporal_address,
        namespace=settings.temporal_namespace,
        data_converter=pydantic_data_converter,
        interceptors=[TracingInterceptor()],
        tls=tls_config(settings),
        api_key=api_key,
    )


async def connect_when_reachable(settings: ServiceSettings, *, what: str) -> Client:
    """A client once Temporal answers, however long that takes: a worker started while the server restarts waits
    for it instead of exiting into a crash loop (found by `make chaos`: a worker restarted during a Temporal restart
    died of "connection refused"). A wrong TLS setting still fails at once."""
    wait = 0.5
    while True:
        try:
            return await connect_client(settings)
        except RuntimeError as exc:  # how the SDK's core reports a server it cannot reach
            if "Failed client connect" not in str(exc):
                raise
            log.warning(
                "Temporal unreachable; retrying",
                extra={
                    "client": what,
                    "address": settings.temporal_address,
                    "error": str(exc)[:300],
                    "wait": wait,
                },
            )
            await asyncio.sleep(wait)
            wait = min(wait * 2, 10.0)


def build_worker(
    client: Client,
    *,
    task_queue: str,
    workflows: Sequence[type],
    activities: Sequence[Callable[..., Any]],
    **options: Any,
) -> Worker:
    return Worker(
        client, task_queue=task_queue, workflows=list(workflows), activities=list(activities), **options
    )


def update_refusal(
    message: str, known: Mapping[str, tuple[int, str | None]], *, title: str, default: str
) -> DomainError:
    """An Update validator's refusal (`<code>: <detail>`) as the problem a caller would get from the service.

    `known` maps a code to its HTTP status and, when a body field is to blame, that field's name.
    """
    code = next((c for c in known if f"{c}: " in message), default)
    detail = message.split(f"{code}: ", 1)[-1]
    status, field = known.get(code, (409, None))
    errors = [{"field": field, "in": "body", "code": code, "message": detail}] if field else None
    return DomainError(detail, code=code, status=status, title=title, errors=errors)


@contextmanager
def missing_workflow_as(problem: DomainError) -> Iterator[None]:
    """Temporal's "not found" for a workflow (never started, or finished) as the caller's problem."""
    try:
        yield
    except RPCError as exc:
        if exc.status == RPCStatusCode.NOT_FOUND:
            raise problem from exc
        raise


class LazyClient:
    """A Temporal client connected on first use and shared after (consumers that start or signal workflows)."""

    def __init__(self, settings: ServiceSettings) -> None:
        self.settings = settings
        self._client: Client | None = None
        self._lock = asyncio.Lock()

    async def __call__(self) -> Client:
        async with self._lock:
            if self._client is None:
                self._client = await connect_client(self.settings)
            return self._client


async def signal_if_running(signal: Awaitable[None]) -> bool:
    """Send a signal to a workflow that may have finished or never started; False when nothing received it."""
    try:
        await signal
    except RPCError as exc:
        if exc.status != RPCStatusCode.NOT_FOUND:
            raise
        return False
    return True
