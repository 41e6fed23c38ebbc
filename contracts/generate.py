"""Generate the contract's published artefacts from the code: `python -m contracts.generate [--check]`.

- `contracts/schemas/<event type>.json`: one JSON Schema snapshot per registered event type.
- `contracts/asyncapi.yaml`: an AsyncAPI 3 document of every topic, its events and their Kafka headers.

`--check` writes nothing and exits 1 when the committed files differ from what the code generates.
"""

from __future__ import annotations

import argparse
import difflib
import json
import sys
from pathlib import Path
from typing import Any

import yaml

from contracts.envelope import HANDLING_PATTERN, Event
from contracts.topics import (
    AUDIT_ANCHOR_TOPICS,
    DEAD_LETTER_TOPICS,
    EVENT_TOPICS,
    EVENT_TYPES,
    INBOUND_TYPES,
    TopicSpec,
)

ROOT = Path(__file__).resolve().parent
SCHEMA_DIR = ROOT / "schemas"
ASYNCAPI_FILE = ROOT / "asyncapi.yaml"
CONTRACT_VERSION = "1.0.0"


def event_schema(model: type[Event]) -> dict[str, Any]:
    schema = model.model_json_schema(mode="serialization")
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"urn:training-backbone:schema:{model.event_type}",
        **schema,
        "title": model.event_type,
        "x-topic": model.topic,
        "x-aggregate": model.aggregate,
    }


def dump_json(data: Any) -> str:
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def schema_files() -> dict[Path, str]:
    return {
        SCHEMA_DIR / f"{name}.json": dump_json(event_schema(model))
        for name, model in {**EVENT_TYPES, **INBOUND_TYPES}.items()
    }


def _rewrite_refs(node: Any, target: dict[str, str]) -> Any:
    """A copy of `node` with every `#/$defs/<name>` reference pointed at `#/components/schemas/<target>`."""
    if isinstance(node, dict):
        return {
            key: (
                f"#/components/schemas/{target[value.removeprefix('#/$defs/')]}"
                if key == "$ref" and isinstance(value, str) and value.startswith("#/$defs/")
                else _rewrite_refs(value, target)
            )
            for key, value in node.items()
        }
    if isinstance(node, list):
        return [_rewrite_refs(item, target) for item in node]
    return node


def _payload_schema(model: type[Event], components: dict[str, Any]) -> dict[str, Any]:
    """The event's JSON Schema as an AsyncAPI payload: nested models move to `components/schemas`.

    Inside an AsyncAPI document a local `$ref` resolves against the document, so `#/$defs/...` of the
    standalone snapshot would point nowhere. The snapshot's `$id` is kept as `x-schema-id` (a nested `$id`
    would change the base of the rewritten references for strict resolvers).
    """
    schema = event_schema(model)
    definitions: dict[str, Any] = schema.pop("$defs", {})
    schema_id = schema.pop("$id")
    schema.pop("$schema", None)
    target = {name: name for name in definitions}
    if any(
        components.get(name, _rewrite_refs(definition, target)) != _rewrite_refs(definition, target)
        for name, definition in definitions.items()
    ):  # another event has a nested model of the same name but another shape: keep this event's apart
        target = {name: f"{_message_id(model.event_type)}.{name}" for name in definitions}
    for name, definition in definitions.items():
        components[target[name]] = _rewrite_refs(definition, target)
    return {**_rewrite_refs(schema, target), "x-schema-id": schema_id}


def _header_schema(event_type: str | None) -> dict[str, Any]:
    def text(description: str, **extra: Any) -> dict[str, Any]:
        return {"type": "string", "description": description, **extra}

    properties: dict[str, Any] = {
        "ce_id": text("CloudEvents id; unique per event, the consumers' de-duplication key"),
        "ce_source": text("CloudEvents source: the producing service, e.g. /services/partners"),
        "ce_type": text(
            "CloudEvents type: the versioned event type", **({"const": event_type} if event_type else {})
        ),
        "ce_specversion": text("CloudEvents spec version", const="1.0"),
        "ce_time": text("When the event happened (RFC 3339)", format="date-time"),
        "ce_subject": text("The aggregate the event is about"),
        "ce_dataschema": text(
            "URN of the JSON Schema of the data (the `$id` of contracts/schemas/<type>.json)",
            **({"const": f"urn:training-backbone:schema:{event_type}"} if event_type else {}),
        ),
        "ce_partitionkey": text("Partitioning key extension: the aggregate id, equal to the Kafka key"),
        "ce_traceparent": text("Distributed tracing extension: W3C traceparent of the causing request"),
        "content-type": text("Content type of the value", const="application/json"),
        "traceparent": text("W3C traceparent, for generic OpenTelemetry Kafka instrumentation"),
        "ce_handling": text(
            "Handling code its originator chose: public, partnership, originator or countries:XX,YY",
            pattern=HANDLING_PATTERN,
        ),
        "ce_originator": text("The originating country (ISO 3166-1 alpha-2), or `platform`"),
        "ce_audience": text(
            "The countries the handling code releases the event to, comma-separated, or `*` for everyone; "
            "the national feed forwards the event to exactly these countries' subscribers"
        ),
    }
    return {
        "type": "object",
        "required": ["ce_id", "ce_source", "ce_type", "ce_specversion", "ce_time", "content-type"],
        "properties": properties,
    }


def _dead_letter_headers() -> dict[str, Any]:
    def text(description: str) -> dict[str, Any]:
        return {"type": "string", "description": description}

    return {
        "type": "object",
        "description": "The original record's headers, plus:",
        "required": ["dlt_reason", "dlt_source_topic", "dlt_source_partition", "dlt_source_offset"],
        "properties": {
            "dlt_reason": text("malformed_event, permanent_error or retries_exhausted"),
            "dlt_error": text("The last error, without a stack trace"),
            "dlt_error_type": text("The last error's type"),
            "dlt_source_topic": text("Topic the record was read from"),
            "dlt_source_partition": text("Its partition"),
            "dlt_source_offset": text("Its offset"),
            "dlt_consumer_group": text("The consumer group that gave up on it"),
        },
    }


def _one_message_channel(spec: TopicSpec, message: str) -> dict[str, Any]:
    """A platform topic carrying one kind of message (dead letters, audit anchors)."""
    return {
        "address": spec.name,
        "description": spec.description,
        "x-partitions": spec.partitions,
        "x-retention-ms": spec.retention_ms,
        "messages": {message: {"$ref": f"#/components/messages/{message}"}},
        "bindings": {
            "kafka": {
                "partitions": spec.partitions,
                "topicConfiguration": {"retention.ms": spec.retention_ms},
            }
        },
        "x-owner": spec.owner,
    }


def _channel_id(spec: TopicSpec) -> str:
    return spec.name.replace(".", "_")


def _message_id(event_type: str) -> str:
    return event_type.replace(".", "_")


def asyncapi_document() -> dict[str, Any]:
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    messages: dict[str, Any] = {}
    schemas: dict[str, Any] = {}
    for spec in EVENT_TOPICS:
        channel_messages = {}
        for model in spec.events:
            message_id = _message_id(model.event_type)
            schemas[message_id] = _payload_schema(model, schemas)
            messages[message_id] = {
                "name": model.event_type,
                "title": model.event_type,
                "summary": (model.__doc__ or "").strip().splitlines()[0]
                if model.__doc__
                else model.event_type,
                "contentType": "application/json",
                "headers": _header_schema(model.event_type),
                "payload": {"$ref": f"#/components/schemas/{message_id}"},
                "bindings": {
                    "kafka": {"key": {"type": "string", "description": f"The {model.aggregate} id"}}
                },
            }
            channel_messages[message_id] = {"$ref": f"#/components/messages/{message_id}"}
        channels[_channel_id(spec)] = {
            "address": spec.name,
            "description": spec.description,
            "x-partitions": spec.partitions,
            "x-retention-ms": spec.retention_ms,
            "messages": channel_messages,
            "bindings": {
                "kafka": {
                    "partitions": spec.partitions,
                    "topicConfiguration": {"retention.ms": spec.retention_ms},
                }
            },
            "x-owner": spec.owner,
        }
        if channel_messages:
            operations[f"receive_{_channel_id(spec)}"] = {
                "action": "receive",
                "channel": {"$ref": f"#/channels/{_channel_id(spec)}"},
                "summary": f"Consume the {spec.owner} service's events",
                "messages": [
                    {"$ref": f"#/channels/{_channel_id(spec)}/messages/{m}"} for m in channel_messages
                ],
            }
    messages["dead_letter"] = {
        "name": "dead_letter",
        "title": "A record a consumer could not handle",
        "summary": "The original key and value, unchanged, with the reason in dlt_* headers",
        "headers": _dead_letter_headers(),
        "payload": {"description": "The original record's value, byte for byte"},
    }
    for spec in DEAD_LETTER_TOPICS:
        channels[_channel_id(spec)] = _one_message_channel(spec, "dead_letter")
    messages["audit_anchor"] = {
        "name": "audit_anchor",
        "title": "The audit chain's head at one moment",
        "summary": "Keyed by service; `python -m backbone.audit verify <service> --anchors` checks every one",
        "payload": {
            "type": "object",
            "required": ["service", "seq", "hash", "anchored_at"],
            "properties": {
                "service": {"type": "string"},
                "seq": {"type": "integer", "minimum": 0, "description": "The last entry's sequence number"},
                "hash": {"type": "string", "pattern": "^[0-9a-f]{64}$", "description": "That entry's hash"},
                "anchored_at": {"type": "string", "format": "date-time"},
            },
        },
    }
    for spec in AUDIT_ANCHOR_TOPICS:
        channels[_channel_id(spec)] = _one_message_channel(spec, "audit_anchor")
    event_messages = sorted(
        _message_id(e) for spec in EVENT_TOPICS for e in (m.event_type for m in spec.events)
    )
    national = "national_subscriber"
    channels[national] = {
        "address": "national.{subscriberId}.v1",
        "title": "A national system's own stream",
        "description": (
            "What the handling codes release to one subscriber's country, copied by the national feed from the "
            "event topics above: the same CloudEvents (headers, key and value unchanged), every event type "
            "listed here, written in Kafka transactions. Read it with `isolation.level=read_committed` and "
            "your own consumer group (prefixed `national.<subscriberId>`); your Kafka user may read this topic "
            "only. Subscribe with `python -m backbone.feed subscribe --id <subscriberId> --country XX`."
        ),
        "parameters": {
            "subscriberId": {"description": "The id the platform registered the national system with"}
        },
        "messages": {m: {"$ref": f"#/components/messages/{m}"} for m in event_messages},
        "x-owner": "feed",
    }
    operations[f"receive_{national}"] = {
        "action": "receive",
        "channel": {"$ref": f"#/channels/{national}"},
        "summary": "A national system consumes what its country may see",
        "messages": [{"$ref": f"#/channels/{national}/messages/{m}"} for m in event_messages],
    }
    inbound = "national_inbound"
    for model in INBOUND_TYPES.values():
        message_id = _message_id(model.event_type)
        schemas[message_id] = _payload_schema(model, schemas)
        messages[message_id] = {
            "name": model.event_type,
            "title": model.event_type,
            "summary": (model.__doc__ or model.event_type).strip().splitlines()[0],
            "contentType": "application/json",
            "headers": _header_schema(model.event_type),
            "payload": {"$ref": f"#/components/schemas/{message_id}"},
            "bindings": {"kafka": {"key": {"type": "string", "description": f"The {model.aggregate} code"}}},
        }
    channels[inbound] = {
        "address": "inbound.{cc}.{subscriberId}.v1",
        "title": "What a national system reports to the backbone",
        "description": (
            "A national system's own inbound topic, created when it subscribes (`cc`: its country in lower "
            "case). Only its Kafka user may write it; the platform takes the sender and its country from the "
            "topic, never from the event. CloudEvents in binary mode like every other topic; aggregates only. "
            "An event the platform cannot accept goes to the consuming service's dead-letter topic with the "
            "reason in its headers; others behind it are not held up."
        ),
        "parameters": {
            "cc": {"description": "The subscriber's country, ISO 3166-1 alpha-2 in lower case"},
            "subscriberId": {"description": "The id the platform registered the national system with"},
        },
        "messages": {
            _message_id(t): {"$ref": f"#/components/messages/{_message_id(t)}"} for t in sorted(INBOUND_TYPES)
        },
        "x-owner": "national",
    }
    operations[f"send_{inbound}"] = {
        "action": "send",
        "channel": {"$ref": f"#/channels/{inbound}"},
        "summary": "A national system reports aggregates (indicator measurements)",
        "messages": [
            {"$ref": f"#/channels/{inbound}/messages/{_message_id(t)}"} for t in sorted(INBOUND_TYPES)
        ],
    }
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "Training partnerships backbone events",
            "version": CONTRACT_VERSION,
            "description": (
                "Events of the training partnerships backbone, for partner agencies and national systems.\n\n"
                "Every message is a CloudEvents 1.0 event in Kafka binary content mode: the attributes are "
                "`ce_*` headers (`ce_id`, `ce_source`, `ce_type`, `ce_specversion`, `ce_time`, ...), the data "
                "is the JSON value, `content-type` is `application/json`, and a W3C `traceparent` header "
                "carries the trace. The Kafka key is the aggregate id, so one aggregate's events arrive in "
                "order. Delivery is at least once: de-duplicate on `ce_id`. Read tolerantly: new optional "
                "fields may appear in a version; anything else comes as a new type (`...v2`) published side "
                "by side. A deployment may prefix every topic name (for example `prod.`)."
            ),
        },
        "defaultContentType": "application/json",
        "servers": {
            "local": {
                "host": "127.0.0.1:9092",
                "protocol": "kafka",
                "description": "The local stack started by `make run`",
            },
        },
        "channels": channels,
        "operations": operations,
        "components": {"messages": messages, "schemas": schemas},
    }


def asyncapi_text() -> str:
    header = "# Generated by `make contracts` (python -m contracts.generate); do not edit by hand.\n"
    return header + yaml.safe_dump(asyncapi_document(), sort_keys=False, allow_unicode=True, width=110)


def expected_files() -> dict[Path, str]:
    return {**schema_files(), ASYNCAPI_FILE: asyncapi_text()}


def _diff(path: Path, committed: str, generated: str, *, max_lines: int = 40) -> str:
    name = str(path.relative_to(ROOT.parent))
    lines = list(
        difflib.unified_diff(
            committed.splitlines(),
            generated.splitlines(),
            f"{name} (committed)",
            f"{name} (generated)",
            lineterm="",
        )
    )
    if len(lines) > max_lines:
        lines = [*lines[:max_lines], f"... {len(lines) - max_lines} more diff lines"]
    return "\n".join(lines)


def differences(*, diff: bool = False) -> list[str]:
    """What differs between the committed files and the generated ones, one entry per file."""
    found = []
    expected = expected_files()
    for path, content in expected.items():
        if not path.exists():
            found.append(f"missing: {path.relative_to(ROOT.parent)}")
        elif (committed := path.read_text()) != content:
            found.append(f"out of date: {path.relative_to(ROOT.parent)}")
            if diff:
                found.append(_diff(path, committed, content))
    for path in sorted(SCHEMA_DIR.glob("*.json")):
        if path not in expected:
            found.append(f"no longer generated (an event type was removed?): {path.relative_to(ROOT.parent)}")
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m contracts.generate", description=__doc__)
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 if files are out of date")
    args = parser.parse_args(argv)
    if args.check:
        found = differences(diff=True)
        if not found:
            print("contracts are up to date")
            return 0
        print("the committed contract files differ from what the event models generate:", file=sys.stderr)
        for line in found:
            print(line, file=sys.stderr)
        print("run `make contracts` and commit the result", file=sys.stderr)
        return 1
    SCHEMA_DIR.mkdir(exist_ok=True)
    expected = expected_files()
    for path, content in expected.items():
        if not path.exists() or path.read_text() != content:
            path.write_text(content)
    stale = sorted(path for path in SCHEMA_DIR.glob("*.json") if path not in expected)
    print(
        f"wrote {len(EVENT_TYPES) + len(INBOUND_TYPES)} schemas and {ASYNCAPI_FILE.relative_to(ROOT.parent)}"
    )
    for path in stale:
        print(
            f"left {path.relative_to(ROOT.parent)}: its event type is no longer registered; removing a type "
            "breaks its consumers, delete the file only once nobody consumes it",
            file=sys.stderr,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
