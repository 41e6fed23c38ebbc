"""OpenTelemetry tracing and structured JSON logs carrying the trace id.

One trace id follows a request from HTTP, through the outbox row (its `traceparent`), the Kafka headers,
the consumer, and into Temporal. The exporter is chosen by settings: none (default in tests), console or OTLP.
"""

from __future__ import annotations

import logging
import sys
from typing import Any

from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter, SpanExporter
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator
from pythonjsonlogger.json import JsonFormatter

from backbone.settings import ServiceSettings

_propagator = TraceContextTextMapPropagator()
_configured = False


def configure(settings: ServiceSettings, *, role: str) -> None:
    """Set up tracing and logging once per process."""
    global _configured
    if _configured:
        return
    _configured = True
    provider = TracerProvider(
        resource=Resource.create(
            {
                "service.name": settings.service_name,
                "service.namespace": "training-backbone",
                "backbone.role": role,
            }
        )
    )
    exporter: SpanExporter | None = None
    if settings.otel_exporter == "console":
        exporter = ConsoleSpanExporter(out=sys.stderr)
    elif settings.otel_exporter == "otlp":
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        exporter = (
            OTLPSpanExporter(endpoint=settings.otel_endpoint)
            if settings.otel_endpoint
            else OTLPSpanExporter()
        )
    if exporter is not None:
        provider.add_span_processor(BatchSpanProcessor(exporter))
    # Spans are still created without an exporter, so trace ids reach logs, outbox rows and headers.
    trace.set_tracer_provider(provider)
    # Database spans for every asyncpg query: SQLAlchemy sessions and the relay's raw connections alike.
    from opentelemetry.instrumentation.asyncpg import AsyncPGInstrumentor

    AsyncPGInstrumentor().instrument()  # type: ignore[no-untyped-call]
    configure_logging(settings, role=role)


class _TraceIdFilter(logging.Filter):
    def __init__(self, service: str, role: str) -> None:
        super().__init__()
        self.service, self.role = service, role

    def filter(self, record: logging.LogRecord) -> bool:
        span_context = trace.get_current_span().get_span_context()
        record.trace_id = format(span_context.trace_id, "032x") if span_context.is_valid else None
        record.span_id = format(span_context.span_id, "016x") if span_context.is_valid else None
        record.service = self.service
        record.role = self.role
        return True


def configure_logging(settings: ServiceSettings, *, role: str) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(_TraceIdFilter(settings.service_name, role))
    if settings.log_json:
        handler.setFormatter(
            JsonFormatter(
                "{asctime}{levelname}{name}{message}{trace_id}{span_id}{service}{role}",
                style="{",
                rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
            )
        )
    else:
        handler.setFormatter(
            logging.Formatter("%(asctime)s %(levelname)s %(name)s [%(trace_id)s] %(message)s")
        )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(settings.log_level.upper())
    for noisy in ("aiokafka", "kafka", "temporalio.activity", "uvicorn.access"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def tracer(name: str) -> trace.Tracer:
    return trace.get_tracer(name)


def current_traceparent() -> str | None:
    carrier: dict[str, str] = {}
    _propagator.inject(carrier)
    return carrier.get("traceparent")


def context_from_traceparent(traceparent: str | None) -> otel_context.Context | None:
    if not traceparent:
        return None
    return _propagator.extract({"traceparent": traceparent})


def trace_id_of(traceparent: str | None) -> str | None:
    if not traceparent:
        return None
    parts = traceparent.split("-")
    return parts[1] if len(parts) == 4 else None


def current_trace_id() -> str | None:
    span_context = trace.get_current_span().get_span_context()
    return format(span_context.trace_id, "032x") if span_context.is_valid else None


def span_attributes(**attributes: Any) -> dict[str, Any]:
    return {k: v for k, v in attributes.items() if v is not None}
