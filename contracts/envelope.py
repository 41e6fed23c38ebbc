"""CloudEvents 1.0 in Kafka binary mode: attributes in `ce_*` headers, the JSON data as the value.

Producers build strict, typed models; consumers read tolerantly (unknown fields are ignored), so adding an
optional field is a compatible change.
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Annotated, Any, ClassVar

from cloudevents.core.bindings import kafka as ce_kafka
from cloudevents.core.formats.json import JSONFormat
from cloudevents.core.v1.event import CloudEvent
from pydantic import BaseModel, ConfigDict, Field

SPEC_VERSION = "1.0"
CONTENT_TYPE = "application/json"
TRACEPARENT_HEADER = "traceparent"
HANDLING_PATTERN = r"^(public|partnership|originator|countries:[A-Z]{2}(,[A-Z]{2})*)$"
"""The `handling` extension attribute: who its originator releases an event to (see rules.releasability)."""
_FORMAT = JSONFormat()


class Event(BaseModel):
    """Base of every event payload. Subclasses set the ClassVars and name their fields in the past tense."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    event_type: ClassVar[str]
    """CloudEvents `type`, e.g. `partners.agency_registered.v1`; the version suffix is part of the name."""
    topic: ClassVar[str]
    """Logical topic (without any deployment prefix)."""
    aggregate: ClassVar[str]
    """The kind of aggregate whose id is the Kafka key."""


CountryCode = Annotated[str, Field(pattern="^[A-Z]{2}$")]
"""ISO 3166-1 alpha-2, upper case."""


class PartnersEvent(Event):
    """An event of the partners service."""

    topic: ClassVar[str] = "partners.events.v1"


class TrainingEvent(Event):
    """An event of the training service."""

    topic: ClassVar[str] = "training.events.v1"


class FinanceEvent(Event):
    """An event of the finance service."""

    topic: ClassVar[str] = "finance.events.v1"


class AssessmentEvent(Event):
    """An event of the assessment service."""

    topic: ClassVar[str] = "assessment.events.v1"


class IncidentsEvent(Event):
    """An event of the incidents service."""

    topic: ClassVar[str] = "incidents.events.v1"


class NationalInboundEvent(Event):
    """An event a national system writes on its own inbound topic (`topic` is the pattern of their names)."""

    topic: ClassVar[str] = "inbound.{cc}.{subscriberId}.v1"


class MalformedEvent(ValueError):
    """A message that is not a CloudEvent we can read; it goes to the dead-letter topic."""


@dataclass(frozen=True)
class KafkaRecord:
    key: bytes
    value: bytes
    headers: list[tuple[str, bytes]]


@dataclass(frozen=True)
class EventEnvelope:
    id: str
    type: str
    source: str
    time: datetime
    data: dict[str, Any]
    key: str | None = None
    subject: str | None = None
    traceparent: str | None = None
    extensions: dict[str, str] = field(default_factory=dict)


def encode(
    event: Event,
    *,
    source: str,
    key: str,
    event_id: str | None = None,
    time: datetime | None = None,
    subject: str | None = None,
    traceparent: str | None = None,
    extensions: dict[str, str] | None = None,
) -> KafkaRecord:
    attributes: dict[str, Any] = {
        **(extensions or {}),
        "id": event_id or str(uuid.uuid4()),
        "source": source,
        "type": event.event_type,
        "specversion": SPEC_VERSION,
        "time": time or datetime.now(UTC),
        "datacontenttype": CONTENT_TYPE,
        "dataschema": f"urn:training-backbone:schema:{event.event_type}",
        "subject": subject or key,
        "partitionkey": key,
    }
    if traceparent:
        attributes["traceparent"] = traceparent
    message = ce_kafka.to_binary(CloudEvent(attributes, event.model_dump(mode="json")), _FORMAT)
    headers = list(message.headers.items())
    if traceparent:
        # The plain W3C header too, so that generic OpenTelemetry Kafka instrumentation finds the parent.
        headers.append((TRACEPARENT_HEADER, traceparent.encode()))
    return KafkaRecord(key=key.encode(), value=message.value, headers=headers)


_KNOWN_ATTRIBUTES = {
    "id",
    "source",
    "type",
    "specversion",
    "time",
    "datacontenttype",
    "dataschema",
    "subject",
    "partitionkey",
    "traceparent",
}


_CE_PREFIX = "ce_"
_EXTENSION_NAME = re.compile(r"[a-z0-9]{1,20}")


def decode(
    headers: list[tuple[str, bytes]] | tuple[tuple[str, bytes], ...], key: bytes | None, value: bytes | None
) -> EventEnvelope:
    """Read a binary-mode CloudEvent; anything unreadable raises MalformedEvent (never anything else).

    Read directly rather than through the CloudEvents SDK's `from_binary`, which cost a consumer more CPU than
    its database work (issue 18, K4); `tests/unit/test_envelope_decoding.py` holds it to the SDK's reading."""
    try:
        attributes: dict[str, str] = {}
        for name, raw in headers or ():
            lowered = name.lower()
            if lowered.startswith(_CE_PREFIX):
                attributes[lowered[len(_CE_PREFIX) :]] = raw.decode()
        if "specversion" not in attributes:
            raise MalformedEvent("not a binary-mode CloudEvent: ce_specversion header missing")
        if attributes["specversion"] != SPEC_VERSION:
            raise MalformedEvent(f"unsupported CloudEvents specversion {attributes['specversion']!r}")
        for required in ("id", "source", "type"):
            if not attributes.get(required):
                raise MalformedEvent(f"CloudEvent attribute {required!r} is missing or empty")
        if value is None:
            raise MalformedEvent("empty message value")
        data = json.loads(value)
        if not isinstance(data, dict):
            raise MalformedEvent("event data is not a JSON object")
        time = datetime.now(UTC)
        if "time" in attributes:
            time = datetime.fromisoformat(attributes["time"])
            if time.tzinfo is None:
                raise MalformedEvent("CloudEvent time has no UTC offset (RFC 3339 requires one)")
        extensions = {k: v for k, v in attributes.items() if k not in _KNOWN_ATTRIBUTES}
        for name in extensions:
            if not _EXTENSION_NAME.fullmatch(name):
                raise MalformedEvent(f"invalid CloudEvent extension attribute name {name!r}")
        return EventEnvelope(
            id=attributes["id"],
            type=attributes["type"],
            source=attributes["source"],
            time=time,
            data=data,
            key=key.decode() if key else None,
            subject=attributes.get("subject"),
            traceparent=attributes.get("traceparent"),
            extensions=extensions,
        )
    except MalformedEvent:
        raise
    except Exception as exc:  # bad bytes, bad JSON, a bad time: all mean the same here
        raise MalformedEvent(f"unreadable CloudEvent: {type(exc).__name__}: {exc}") from exc
