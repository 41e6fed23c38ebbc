"""Temporal: the client factory (pydantic data converter, tracing interceptor) and worker construction."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from temporalio.client import Client
from temporalio.contrib.opentelemetry import TracingInterceptor
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.worker import Worker

from backbone.settings import ServiceSettings


async def connect_client(settings: ServiceSettings) -> Client:
    """A client whose calls carry the current trace into workflows and activities."""
    return await Client.connect(
        settings.temporal_address,
        namespace=settings.temporal_namespace,
        data_converter=pydantic_data_converter,
        interceptors=[TracingInterceptor()],
    )


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
