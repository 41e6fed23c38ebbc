"""The compatibility checker: each rule with a hand-written pair of schemas, and careless edits of a real event."""

from __future__ import annotations

from typing import Any, Literal

import pytest
from pydantic import Field, create_model

from contracts.compatibility import breaking_changes
from contracts.envelope import Event
from contracts.events.partners import AgencyRegisteredV1, PartnershipRegisteredV1


def obj(properties: dict[str, Any], required: list[str] | None = None, **extra: Any) -> dict[str, Any]:
    """A small object schema; `defs=` becomes `$defs`."""
    if "defs" in extra:
        extra["$defs"] = extra.pop("defs")
    return {"type": "object", "properties": properties, "required": required or [], **extra}


STRING: dict[str, Any] = {"type": "string"}
NULLABLE_STRING: dict[str, Any] = {"anyOf": [{"type": "string"}, {"type": "null"}], "default": None}


BREAKING: list[tuple[str, dict[str, Any], dict[str, Any], str]] = [
    ("property removed", obj({"a": STRING, "b": STRING}), obj({"a": STRING}), "properties.b: removed"),
    (
        "type changed",
        obj({"a": STRING}),
        obj({"a": {"type": "integer"}}),
        "properties.a: type changed from string to integer",
    ),
    (
        "type narrowed (no longer nullable)",
        obj({"a": NULLABLE_STRING}),
        obj({"a": STRING}),
        "properties.a: type changed from null | string to string",
    ),
    (
        "type widened (became nullable)",
        obj({"a": STRING}, ["a"]),
        obj({"a": NULLABLE_STRING}, ["a"]),
        "properties.a: type changed from string to null | string",
    ),
    (
        "integer became number",
        obj({"a": {"type": "integer"}}),
        obj({"a": {"type": "number"}}),
        "properties.a: type changed from integer to number",
    ),
    ("new required property", obj({}), obj({"b": STRING}, ["b"]), "properties.b: new required property"),
    (
        "optional became required",
        obj({"a": STRING}),
        obj({"a": STRING}, ["a"]),
        "properties.a: became required",
    ),
    (
        "enum lost a value",
        obj({"a": {"type": "string", "enum": ["x", "y"]}}),
        obj({"a": {"type": "string", "enum": ["x"]}}),
        "properties.a: allowed values removed: 'y'",
    ),
    (
        "optional Literal lost a value",
        obj({"a": {"anyOf": [{"enum": ["x", "y"], "type": "string"}, {"type": "null"}]}}),
        obj({"a": {"anyOf": [{"enum": ["y"], "type": "string"}, {"type": "null"}]}}),
        "properties.a: allowed values removed: 'x'",
    ),
    (
        "const changed",
        obj({"a": {"type": "string", "const": "x"}}),
        obj({"a": {"type": "string", "const": "z"}}),
        "properties.a: const changed from 'x' to 'z'",
    ),
    (
        "free text restricted to values",
        obj({"a": STRING}),
        obj({"a": {"type": "string", "enum": ["x"]}}),
        "properties.a: restricted to the values 'x'",
    ),
    (
        "pattern added",
        obj({"a": STRING}),
        obj({"a": {"type": "string", "pattern": "^x"}}),
        "properties.a: pattern added",
    ),
    (
        "pattern changed",
        obj({"country_code": {"type": "string", "pattern": "^[A-Z]{2}$"}}),
        obj({"country_code": {"type": "string", "pattern": "^[A-Z]{3}$"}}),
        "properties.country_code: pattern changed",
    ),
    (
        "pattern added to an optional field",
        obj({"a": NULLABLE_STRING}),
        obj({"a": {"anyOf": [{"type": "string", "pattern": "^x"}, {"type": "null"}], "default": None}}),
        "properties.a: pattern added",
    ),
    (
        "format added",
        obj({"a": STRING}),
        obj({"a": {"type": "string", "format": "date-time"}}),
        "properties.a: format changed from None to 'date-time'",
    ),
    (
        "format changed",
        obj({"a": {"type": "string", "format": "date-time"}}),
        obj({"a": {"type": "string", "format": "date"}}),
        "properties.a: format changed from 'date-time' to 'date'",
    ),
    (
        "additionalProperties forbidden",
        obj({}),
        obj({}, additionalProperties=False),
        "(root): additionalProperties tightened",
    ),
    (
        "additionalProperties restricted",
        obj({}, additionalProperties=True),
        obj({}, additionalProperties={"type": "string"}),
        "(root): additionalProperties tightened",
    ),
    (
        "map values narrowed",
        obj({"m": {"type": "object", "additionalProperties": {"type": ["string", "integer"]}}}),
        obj({"m": {"type": "object", "additionalProperties": {"type": "string"}}}),
        "properties.m.additionalProperties: type changed",
    ),
    (
        "maxLength lowered",
        obj({"a": {"type": "string", "maxLength": 10}}),
        obj({"a": {"type": "string", "maxLength": 5}}),
        "properties.a: maxLength lowered from 10 to 5",
    ),
    (
        "minimum raised",
        obj({"a": {"type": "integer", "minimum": 0}}),
        obj({"a": {"type": "integer", "minimum": 1}}),
        "properties.a: minimum raised from 0 to 1",
    ),
    (
        "maximum added",
        obj({"a": {"type": "integer"}}),
        obj({"a": {"type": "integer", "maximum": 5}}),
        "properties.a: maximum added",
    ),
    (
        "minItems raised",
        obj({"a": {"type": "array", "items": STRING}}),
        obj({"a": {"type": "array", "items": STRING, "minItems": 1}}),
        "properties.a: minItems added",
    ),
    (
        "nested model lost a property (through $ref)",
        obj({"a": {"$ref": "#/$defs/A"}}, defs={"A": obj({"x": STRING})}),
        obj({"a": {"$ref": "#/$defs/A"}}, defs={"A": obj({})}),
        "properties.a.properties.x: removed",
    ),
    (
        "list item model gained a required property",
        obj({"a": {"type": "array", "items": {"$ref": "#/$defs/A"}}}, defs={"A": obj({})}),
        obj({"a": {"type": "array", "items": {"$ref": "#/$defs/A"}}}, defs={"A": obj({"y": STRING}, ["y"])}),
        "properties.a.items.properties.y: new required property",
    ),
    (
        "optional nested model lost a property",
        obj({"a": {"anyOf": [{"$ref": "#/$defs/A"}, {"type": "null"}]}}, defs={"A": obj({"x": STRING})}),
        obj({"a": {"anyOf": [{"$ref": "#/$defs/A"}, {"type": "null"}]}}, defs={"A": obj({})}),
        "properties.a.properties.x: removed",
    ),
]

COMPATIBLE: list[tuple[str, dict[str, Any], dict[str, Any]]] = [
    ("identical", obj({"a": STRING}, ["a"]), obj({"a": STRING}, ["a"])),
    ("new optional property", obj({"a": STRING}), obj({"a": STRING, "b": NULLABLE_STRING})),
    (
        "description, title and examples changed",
        obj({"a": {"type": "string", "description": "old", "title": "A"}}, title="Old"),
        obj(
            {"a": {"type": "string", "description": "new", "title": "The A", "examples": ["x"]}}, title="New"
        ),
    ),
    ("default changed", obj({"a": {"type": "boolean", "default": False}}), obj({"a": {"type": "boolean"}})),
    (
        "enum gained a value",
        obj({"a": {"type": "string", "enum": ["x"]}}),
        obj({"a": {"type": "string", "enum": ["x", "y"]}}),
    ),
    (
        "maxLength raised, minimum lowered",
        obj({"a": {"type": "string", "maxLength": 5}, "b": {"type": "integer", "minimum": 1}}),
        obj({"a": {"type": "string", "maxLength": 10}, "b": {"type": "integer", "minimum": 0}}),
    ),
    ("pattern dropped", obj({"a": {"type": "string", "pattern": "^x"}}), obj({"a": STRING})),
    ("additionalProperties relaxed", obj({}, additionalProperties=False), obj({})),
    ("required became optional", obj({"a": STRING}, ["a"]), obj({"a": STRING})),
    (
        "a $ref replaced by the same schema inline",
        obj({"a": {"$ref": "#/$defs/A"}}, defs={"A": obj({"x": STRING}, ["x"])}),
        obj({"a": obj({"x": STRING}, ["x"])}),
    ),
]


@pytest.mark.parametrize(
    ("old", "new", "expected"), [case[1:] for case in BREAKING], ids=[case[0] for case in BREAKING]
)
def test_breaking_changes_are_named_with_their_path(
    old: dict[str, Any], new: dict[str, Any], expected: str
) -> None:
    problems = breaking_changes(old, new)
    assert any(problem.startswith(expected) for problem in problems), problems


@pytest.mark.parametrize(
    ("old", "new"), [case[1:] for case in COMPATIBLE], ids=[case[0] for case in COMPATIBLE]
)
def test_compatible_changes_pass(old: dict[str, Any], new: dict[str, Any]) -> None:
    assert breaking_changes(old, new) == []


def test_every_problem_is_reported_once_and_in_a_stable_order() -> None:
    old = obj({"a": STRING, "b": STRING, "c": {"type": "string", "enum": ["x", "y"]}})
    new = obj({"c": {"type": "string", "enum": ["x"]}, "d": STRING}, ["d"])
    assert breaking_changes(old, new) == [
        "properties.a: removed",
        "properties.b: removed",
        "properties.c: allowed values removed: 'y'",
        "properties.d: new required property",
    ]


def test_recursive_models_terminate() -> None:
    node = {"$ref": "#/$defs/Node"}
    old = {**node, "$defs": {"Node": obj({"children": {"type": "array", "items": node}, "label": STRING})}}
    new = {**node, "$defs": {"Node": obj({"children": {"type": "array", "items": node}})}}
    assert breaking_changes(old, old) == []
    assert breaking_changes(old, new) == ["properties.label: removed"]


def test_an_unresolvable_reference_is_an_error_not_a_pass() -> None:
    with pytest.raises(ValueError, match="unresolvable"):
        breaking_changes(obj({"a": {"$ref": "#/$defs/Missing"}}), obj({"a": STRING}))


def _variant(**changes: Any) -> dict[str, Any]:
    """The schema of AgencyRegisteredV1 after a careless edit: `field=None` removes it, a tuple redefines it."""
    fields: dict[str, Any] = {
        name: (info.annotation, info) for name, info in AgencyRegisteredV1.model_fields.items()
    }
    for name, definition in changes.items():
        if definition is None:
            fields.pop(name)
        else:
            fields[name] = definition
    model = create_model("AgencyRegisteredV1", __base__=Event, **fields)
    return model.model_json_schema(mode="serialization")


def test_the_checker_flags_careless_edits_of_a_real_event() -> None:
    original = AgencyRegisteredV1.model_json_schema(mode="serialization")
    assert breaking_changes(original, _variant()) == []
    assert breaking_changes(original, _variant(mandate=None)) == ["properties.mandate: removed"]
    assert breaking_changes(original, _variant(clearance=(str, ...))) == [
        "properties.clearance: new required property"
    ]
    assert breaking_changes(original, _variant(is_national_coordination_unit=(bool, ...))) == [
        "properties.is_national_coordination_unit: became required"
    ]
    assert breaking_changes(original, _variant(mandate=(str, ...))) == [
        "properties.mandate: type changed from null | string to string",
        "properties.mandate: became required",
    ]
    assert breaking_changes(original, _variant(country_code=(str, Field(pattern="^[A-Z]{3}$")))) == [
        "properties.country_code: pattern changed from '^[A-Z]{2}$' to '^[A-Z]{3}$'"
    ]
    assert breaking_changes(original, _variant(name=(str, Field(max_length=80)))) == [
        "properties.name: maxLength added (80)"
    ]
    assert breaking_changes(original, _variant(registered_at=(str, ...))) == [
        "properties.registered_at: format changed from 'date-time' to None"
    ]
    assert breaking_changes(original, _variant(agency_type=(Literal["police", "customs"], ...))) == [
        "properties.agency_type: allowed values removed: 'prosecution', 'justice', 'border_guard', 'other'"
    ]


def test_a_new_optional_field_on_a_real_event_is_compatible() -> None:
    original = AgencyRegisteredV1.model_json_schema(mode="serialization")
    assert breaking_changes(original, _variant(clearance=(str | None, None))) == []
    assert breaking_changes(original, _variant(languages=(list[str], Field(default_factory=list)))) == []


def test_the_checker_follows_nested_models_of_a_real_event() -> None:
    original = PartnershipRegisteredV1.model_json_schema(mode="serialization")
    changed = PartnershipRegisteredV1.model_json_schema(mode="serialization")
    changed["$defs"]["PartnershipMemberV1"]["properties"]["role"]["enum"].remove("observer")
    assert breaking_changes(original, changed) == [
        "properties.members.items.properties.role: allowed values removed: 'observer'"
    ]
