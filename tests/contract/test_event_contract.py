"""The public event contract: snapshots, compatibility, AsyncAPI, envelopes, registry consistency."""

from __future__ import annotations

import json
import re
import uuid
from datetime import UTC, date, datetime
from typing import Any

import pytest
import yaml
from pydantic import Field, create_model

from contracts import generate
from contracts.compatibility import breaking_changes
from contracts.envelope import Event, decode, encode
from contracts.events.partners import AgencyRegisteredV1
from contracts.topics import EVENT_TOPICS, EVENT_TYPES, TOPICS

AGENCY, PARTNERSHIP, MEMBER, DECISION = (str(uuid.uuid4()) for _ in range(4))
NOW = datetime(2026, 11, 24, 9, 30, tzinfo=UTC)
EXAMPLES: dict[str, dict[str, Any]] = {
    "partners.agency_registered.v1": {
        "agency_id": AGENCY,
        "country_code": "SN",
        "country_name": "Senegal",
        "name": "Police nationale",
        "agency_type": "police",
        "mandate": "Public security",
        "is_national_coordination_unit": True,
        "registered_at": NOW,
    },
    "partners.agency_activated.v1": {
        "agency_id": AGENCY,
        "country_code": "SN",
        "confirmed_by": "NCU Senegal",
        "activated_at": NOW,
    },
    "partners.agency_onboarding_lapsed.v1": {"agency_id": AGENCY, "country_code": "SN", "lapsed_at": NOW},
    "partners.partnership_registered.v1": {
        "partnership_id": PARTNERSHIP,
        "name": "West Africa cyber forensics",
        "phase": "familiarization",
        "agreement_kind": "mou",
        "agreement_reference": "MOU-2026-014",
        "agreement_starts_on": date(2027, 1, 1),
        "agreement_ends_on": date(2029, 12, 31),
        "registered_at": NOW,
        "members": [{"agency_id": AGENCY, "country_code": "SN", "role": "lead"}],
    },
    "partners.oversight_member_added.v1": {
        "partnership_id": PARTNERSHIP,
        "member_id": MEMBER,
        "country_code": "SN",
        "role": "diplomat",
        "holds_veto": True,
        "added_at": NOW,
    },
    "partners.decision_opened.v1": {
        "partnership_id": PARTNERSHIP,
        "decision_id": DECISION,
        "kind": "phase_gate",
        "title": "Advance to co-design",
        "due_at": NOW,
        "opened_at": NOW,
    },
    "partners.vote_cast.v1": {
        "partnership_id": PARTNERSHIP,
        "decision_id": DECISION,
        "member_id": MEMBER,
        "country_code": "SN",
        "choice": "reject",
        "reason": "Capacity mapping incomplete",
        "cast_at": NOW,
    },
    "partners.decision_closed.v1": {
        "partnership_id": PARTNERSHIP,
        "decision_id": DECISION,
        "kind": "phase_gate",
        "outcome": "vetoed",
        "approvals": 2,
        "rejections": 1,
        "abstentions": 0,
        "vetoed_by": MEMBER,
        "closed_at": NOW,
    },
    "partners.partnership_phase_advanced.v1": {
        "partnership_id": PARTNERSHIP,
        "from_phase": "familiarization",
        "to_phase": "co_design",
        "decision_id": DECISION,
        "advanced_at": NOW,
    },
    "partners.decision_reminder_sent.v1": {
        "partnership_id": PARTNERSHIP,
        "decision_id": DECISION,
        "kind": "reminder",
        "member_ids": [MEMBER],
        "due_at": NOW,
        "sent_at": NOW,
    },
    "partners.capacity_profile_recorded.v1": {
        "agency_id": AGENCY,
        "country_code": "SN",
        "competency": "cyber_forensics",
        "current_level": 1,
        "target_level": 3,
        "gap": 2,
        "recorded_at": NOW,
    },
}


def test_every_registered_event_has_an_example_here() -> None:
    assert set(EXAMPLES) == set(EVENT_TYPES), "add an example for each new event type"


@pytest.mark.parametrize("event_type", sorted(EVENT_TYPES))
def test_generated_schema_matches_its_committed_snapshot(event_type: str) -> None:
    path = generate.SCHEMA_DIR / f"{event_type}.json"
    assert path.exists(), f"{event_type} has no committed schema snapshot: run `make contracts`"
    committed = json.loads(path.read_text())
    current = generate.event_schema(EVENT_TYPES[event_type])
    problems = breaking_changes(committed, current)
    assert not problems, (
        f"breaking change to {event_type} without a version bump: {problems}; keep this type as it is and "
        f"publish {event_type.rsplit('.', 1)[0]}.v2 side by side"
    )
    assert current == committed, (
        f"{event_type} changed compatibly: run `make contracts` and commit the snapshot"
    )


def test_asyncapi_document_is_current_and_complete() -> None:
    assert generate.ASYNCAPI_FILE.read_text() == generate.asyncapi_text(), "run `make contracts`"
    document = yaml.safe_load(generate.ASYNCAPI_FILE.read_text())
    assert document["asyncapi"] == "3.0.0"
    addresses = {channel["address"] for channel in document["channels"].values()}
    assert addresses == {spec.name for spec in TOPICS}
    names = {message["name"] for message in document["components"]["messages"].values()}
    assert set(EVENT_TYPES) <= names
    for operation in document["operations"].values():
        assert operation["action"] == "receive"


def test_no_stale_or_missing_generated_files() -> None:
    assert generate.differences() == []


@pytest.mark.parametrize("event_type", sorted(EVENT_TYPES))
def test_examples_round_trip_through_the_kafka_envelope(event_type: str) -> None:
    model = EVENT_TYPES[event_type]
    event = model(**EXAMPLES[event_type])
    record = encode(event, source="/services/partners", key=AGENCY)
    envelope = decode(record.headers, record.key, record.value)
    assert envelope.type == event_type and envelope.key == AGENCY
    assert model.model_validate(envelope.data) == event


@pytest.mark.parametrize("event_type", sorted(EVENT_TYPES))
def test_consumers_read_tolerantly(event_type: str) -> None:
    model = EVENT_TYPES[event_type]
    data = {**model(**EXAMPLES[event_type]).model_dump(mode="json"), "field_from_the_future": {"x": 1}}
    assert model.model_validate(data) == model(**EXAMPLES[event_type])


def test_registry_is_consistent() -> None:
    topic_names = {spec.name for spec in EVENT_TOPICS}
    seen: set[str] = set()
    for spec in EVENT_TOPICS:
        for model in spec.events:
            assert re.fullmatch(r"[a-z]+\.[a-z_]+\.v[0-9]+", model.event_type), model.event_type
            assert model.event_type.split(".")[0] == spec.owner, "a service publishes only on its own topic"
            assert model.topic == spec.name and model.topic in topic_names
            assert model.event_type not in seen, f"{model.event_type} registered twice"
            seen.add(model.event_type)
    assert len({spec.name for spec in TOPICS}) == len(TOPICS)


def _variant(**fields: Any) -> dict[str, Any]:
    """The schema of AgencyRegisteredV1 with some fields changed, as a careless edit would."""
    definitions = {name: (info.annotation, info) for name, info in AgencyRegisteredV1.model_fields.items()}
    for name, spec in fields.items():
        if spec is None:
            definitions.pop(name)
        else:
            definitions[name] = spec
    model = create_model("AgencyRegisteredV1", __base__=Event, **definitions)  # type: ignore[call-overload]
    return model.model_json_schema(mode="serialization")


def test_the_checker_flags_careless_edits_of_a_real_event() -> None:
    original = AgencyRegisteredV1.model_json_schema(mode="serialization")
    assert breaking_changes(original, original) == []
    assert breaking_changes(original, _variant(mandate=None)) == ["properties.mandate: removed"]
    assert breaking_changes(original, _variant(clearance=(str, ...))) == [
        "properties.clearance: new required property"
    ]
    assert "properties.mandate: became required" in breaking_changes(original, _variant(mandate=(str, ...)))
    assert breaking_changes(original, _variant(clearance=(str | None, None))) == []
    assert any(
        "pattern" in p
        for p in breaking_changes(original, _variant(country_code=(str, Field(pattern="^[A-Z]{3}$"))))
    )


def obj(properties: dict[str, Any], required: list[str] | None = None, **extra: Any) -> dict[str, Any]:
    """A small object schema; `defs=` becomes `$defs`."""
    if "defs" in extra:
        extra["$defs"] = extra.pop("defs")
    return {"type": "object", "properties": properties, "required": required or [], **extra}


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (obj({"a": {"type": "string"}}), obj({}), "properties.a: removed"),
        (obj({"a": {"type": "string"}}), obj({"a": {"type": "integer"}}), "a: type changed"),
        (obj({"a": {"type": ["string", "null"]}}), obj({"a": {"type": "string"}}), "a: type changed"),
        (obj({}), obj({"b": {"type": "string"}}, ["b"]), "properties.b: new required property"),
        (
            obj({"a": {"type": "string"}}),
            obj({"a": {"type": "string"}}, ["a"]),
            "properties.a: became required",
        ),
        (obj({"a": {"enum": ["x", "y"]}}), obj({"a": {"enum": ["x"]}}), "a: allowed values removed"),
        (obj({"a": {"const": "x"}}), obj({"a": {"const": "z"}}), "a: allowed values removed"),
        (obj({"a": {"type": "string"}}), obj({"a": {"type": "string", "pattern": "^x"}}), "a: pattern added"),
        (
            obj({"a": {"type": "string", "pattern": "^x"}}),
            obj({"a": {"type": "string", "pattern": "^y"}}),
            "a: pattern changed",
        ),
        (obj({}), obj({}, additionalProperties=False), "(root): additionalProperties no longer allowed"),
        (
            obj({"a": {"type": "string", "maxLength": 10}}),
            obj({"a": {"type": "string", "maxLength": 5}}),
            "a: maxLength lowered",
        ),
        (
            obj({"a": {"type": "integer", "minimum": 0}}),
            obj({"a": {"type": "integer", "minimum": 1}}),
            "a: minimum raised",
        ),
        (
            obj({"a": {"$ref": "#/$defs/A"}}, defs={"A": obj({"x": {"type": "string"}})}),
            obj({"a": {"$ref": "#/$defs/A"}}, defs={"A": obj({})}),
            "properties.a.x: removed",
        ),
    ],
)
def test_breaking_changes_are_named_with_their_path(
    old: dict[str, Any], new: dict[str, Any], expected: str
) -> None:
    problems = breaking_changes(old, new)
    assert any(p.startswith(expected) for p in problems), problems


@pytest.mark.parametrize(
    ("old", "new"),
    [
        (obj({"a": {"type": "string"}}), obj({"a": {"type": "string"}, "b": {"type": "string"}})),
        (
            obj({"a": {"type": "string", "description": "old"}}),
            obj({"a": {"type": "string", "description": "new"}}),
        ),
        (obj({"a": {"enum": ["x"]}}), obj({"a": {"enum": ["x", "y"]}})),
        (obj({"a": {"type": "string"}}), obj({"a": {"type": ["string", "null"]}})),
        (obj({"a": {"type": "string", "maxLength": 5}}), obj({"a": {"type": "string", "maxLength": 10}})),
        (obj({"a": {"type": "string"}}, ["a"]), obj({"a": {"type": "string"}})),
    ],
)
def test_compatible_changes_pass(old: dict[str, Any], new: dict[str, Any]) -> None:
    assert breaking_changes(old, new) == []
