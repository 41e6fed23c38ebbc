"""The published artefacts: JSON Schema snapshots and the AsyncAPI document match the event models."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
import yaml

from contracts import generate
from contracts.compatibility import breaking_changes
from contracts.topics import DEAD_LETTER_TOPICS, EVENT_TOPICS, EVENT_TYPES, INBOUND_TYPES, TOPICS

CE_HEADERS = {
    "ce_id",
    "ce_source",
    "ce_type",
    "ce_specversion",
    "ce_time",
    "ce_subject",
    "ce_dataschema",
    "ce_partitionkey",
    "ce_traceparent",
    "content-type",
    "traceparent",
    "ce_handling",
    "ce_originator",
    "ce_audience",
}
DLT_HEADERS = {
    "dlt_reason",
    "dlt_error",
    "dlt_error_type",
    "dlt_source_topic",
    "dlt_source_partition",
    "dlt_source_offset",
    "dlt_consumer_group",
}


def _next_version(event_type: str) -> str:
    name, version = event_type.rsplit(".v", 1)
    return f"{name}.v{int(version) + 1}"


def snapshot_verdict(event_type: str, committed: dict[str, Any], current: dict[str, Any]) -> str | None:
    """What is wrong with `current` against the committed snapshot, or None when they are equal."""
    problems = breaking_changes(committed, current)
    if problems:
        return (
            f"breaking change to {event_type} without a version bump: {'; '.join(problems)}. Keep this type "
            f"as it was and publish {_next_version(event_type)} side by side (see contracts/README.md)"
        )
    if current != committed:
        return f"{event_type} changed compatibly: run `make contracts` and commit the updated snapshot"
    return None


@pytest.mark.parametrize("event_type", sorted(EVENT_TYPES))
def test_generated_schema_matches_its_committed_snapshot(event_type: str) -> None:
    path = generate.SCHEMA_DIR / f"{event_type}.json"
    assert path.exists(), f"{event_type} has no committed schema snapshot: run `make contracts` and commit it"
    current = generate.event_schema(EVENT_TYPES[event_type])
    verdict = snapshot_verdict(event_type, json.loads(path.read_text()), current)
    assert verdict is None, verdict
    assert path.read_text() == generate.dump_json(current), (
        f"{path.name} is not formatted: run `make contracts`"
    )


def test_the_snapshot_check_tells_a_breaking_change_from_a_compatible_one() -> None:
    event_type = "partners.agency_registered.v1"
    committed = generate.event_schema(EVENT_TYPES[event_type])
    compatible = copy.deepcopy(committed)
    compatible["properties"]["clearance"] = {"anyOf": [{"type": "string"}, {"type": "null"}], "default": None}
    assert snapshot_verdict(event_type, committed, compatible) == (
        "partners.agency_registered.v1 changed compatibly: run `make contracts` and commit the updated snapshot"
    )
    breaking = copy.deepcopy(compatible)
    del breaking["properties"]["mandate"]
    verdict = snapshot_verdict(event_type, committed, breaking)
    assert verdict is not None
    assert verdict.startswith(
        "breaking change to partners.agency_registered.v1 without a version bump: properties.mandate: removed."
    )
    assert "publish partners.agency_registered.v2 side by side" in verdict
    assert _next_version("partners.agency_registered.v12") == "partners.agency_registered.v13"


def test_no_published_event_type_disappeared() -> None:
    published = {path.name.removesuffix(".json") for path in generate.SCHEMA_DIR.glob("*.json")}
    removed = sorted(published - set(EVENT_TYPES) - set(INBOUND_TYPES))
    assert not removed, (
        f"event types with a committed snapshot are no longer registered: {removed}; consumers may still read "
        "them: keep publishing them until every consumer moved to the new version"
    )


def test_generate_check_passes() -> None:
    assert generate.differences(diff=True) == [], "run `make contracts` and commit the result"


def _document() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load(generate.ASYNCAPI_FILE.read_text())
    return document


def _resolve(document: dict[str, Any], ref: str) -> Any:
    assert ref.startswith("#/"), f"only local references are used: {ref}"
    node: Any = document
    for token in ref[2:].split("/"):
        assert isinstance(node, dict) and token in node, f"unresolvable reference {ref}"
        node = node[token]
    return node


def _references(node: Any) -> list[str]:
    if isinstance(node, dict):
        own = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return own + [ref for value in node.values() for ref in _references(value)]
    if isinstance(node, list):
        return [ref for item in node for ref in _references(item)]
    return []


def test_asyncapi_document_is_current() -> None:
    assert generate.ASYNCAPI_FILE.read_text() == generate.asyncapi_text(), (
        "contracts/asyncapi.yaml is out of date: run `make contracts`"
    )


NATIONAL = "national.{subscriberId}.v1"
"""Each national system's own stream, filled by the national feed (backbone/feed)."""
INBOUND = "inbound.{cc}.{subscriberId}.v1"
"""What each national system writes to the backbone."""


def test_asyncapi_document_describes_every_topic_and_event() -> None:
    document = _document()
    assert document["asyncapi"] == "3.0.0"
    assert document["info"]["title"] == "Training partnerships backbone events"
    assert {"version", "description"} <= set(document["info"])
    assert document["servers"]["local"] == {
        **document["servers"]["local"],
        "host": "127.0.0.1:9092",
        "protocol": "kafka",
    }
    channels = {channel["address"]: channel for channel in document["channels"].values()}
    assert set(channels) == {spec.name for spec in TOPICS} | {NATIONAL, INBOUND}
    assert set(channels[INBOUND]["messages"]) == {t.replace(".", "_") for t in INBOUND_TYPES}
    national = channels[NATIONAL]
    assert set(national["messages"]) == {t.replace(".", "_") for t in EVENT_TYPES}, (
        "every event may be released"
    )
    for spec in TOPICS:
        channel = channels[spec.name]
        assert channel["description"] == spec.description
        assert (channel["x-partitions"], channel["x-retention-ms"]) == (spec.partitions, spec.retention_ms)

    messages = document["components"]["messages"]
    by_type = {message["name"]: message for message in messages.values()}
    assert set(EVENT_TYPES) <= set(by_type)
    for event_type in EVENT_TYPES:
        message = by_type[event_type]
        headers = message["headers"]["properties"]
        assert set(headers) == CE_HEADERS
        assert headers["ce_type"]["const"] == event_type
        assert headers["ce_specversion"]["const"] == "1.0"
        payload = _resolve(document, message["payload"]["$ref"])
        assert payload["x-schema-id"] == f"urn:training-backbone:schema:{event_type}"
        assert set(payload["properties"]) == set(EVENT_TYPES[event_type].model_fields)

    for spec in EVENT_TOPICS:
        listed = {_resolve(document, m["$ref"])["name"] for m in channels[spec.name]["messages"].values()}
        assert listed == {model.event_type for model in spec.events}
    for spec in DEAD_LETTER_TOPICS:
        for reference in channels[spec.name]["messages"].values():
            assert set(_resolve(document, reference["$ref"])["headers"]["properties"]) == DLT_HEADERS


def test_asyncapi_operations_let_external_consumers_receive_every_event_topic() -> None:
    document = _document()
    received: dict[str, Any] = {}
    sent: dict[str, Any] = {}
    for operation in document["operations"].values():
        channel = _resolve(document, operation["channel"]["$ref"])
        (received if operation["action"] == "receive" else sent)[channel["address"]] = operation
        for message in operation["messages"]:
            assert message["$ref"].startswith(operation["channel"]["$ref"] + "/messages/")
    assert set(received) == {spec.name for spec in EVENT_TOPICS if spec.events} | {NATIONAL}
    assert set(sent) == {INBOUND}, "national systems send on their inbound topics only"


def test_every_asyncapi_reference_resolves() -> None:
    """A `#/$defs/...` left in a payload would resolve against the document root, where nothing is."""
    document = _document()
    references = _references(document)
    assert references
    for reference in references:
        _resolve(document, reference)
