"""Is a new JSON Schema of an event a compatible evolution of the published one?

Consumers read tolerantly, so a new optional field is compatible; anything a consumer written against the old
schema could trip on is breaking and needs a new event type version (`….v2`) published side by side.
"""

from __future__ import annotations

from typing import Any

Schema = dict[str, Any]

_TIGHTENING_BOUNDS = {
    "minLength": "raised",
    "minimum": "raised",
    "exclusiveMinimum": "raised",
    "minItems": "raised",
    "maxLength": "lowered",
    "maximum": "lowered",
    "exclusiveMaximum": "lowered",
    "maxItems": "lowered",
}


def _resolve(schema: Schema, root: Schema) -> Schema:
    seen = 0
    while "$ref" in schema and seen < 20:
        ref = schema["$ref"]
        if not ref.startswith("#/"):
            break
        node: Any = root
        for part in ref[2:].split("/"):
            node = node[part]
        schema = {**node, **{k: v for k, v in schema.items() if k != "$ref"}}
        seen += 1
    return schema


def _types(schema: Schema, root: Schema) -> set[str]:
    schema = _resolve(schema, root)
    if "type" in schema:
        kinds = schema["type"]
        return set(kinds) if isinstance(kinds, list) else {kinds}
    if "anyOf" in schema or "oneOf" in schema:
        result: set[str] = set()
        for option in schema.get("anyOf") or schema.get("oneOf") or []:
            result |= _types(option, root)
        return result
    if "const" in schema or "enum" in schema:
        values = [schema["const"]] if "const" in schema else schema["enum"]
        return {type(v).__name__ for v in values}
    return {"any"}


def _allowed_values(schema: Schema, root: Schema) -> set[Any] | None:
    schema = _resolve(schema, root)
    if "const" in schema:
        return {schema["const"]}
    if "enum" in schema:
        return set(schema["enum"])
    options = schema.get("anyOf") or schema.get("oneOf")
    if options:
        values: set[Any] = set()
        for option in options:
            option_values = _allowed_values(option, root)
            if option_values is None:
                if _types(option, root) == {"null"}:
                    values.add(None)
                    continue
                return None
            values |= option_values
        return values
    return None


def breaking_changes(old: Schema, new: Schema) -> list[str]:
    """Every change from `old` to `new` that could break a consumer of `old`, each naming its path."""
    return _compare(old, new, old_root=old, new_root=new, path="")


def _compare(old: Schema, new: Schema, *, old_root: Schema, new_root: Schema, path: str) -> list[str]:
    old, new = _resolve(old, old_root), _resolve(new, new_root)
    at = path or "(root)"
    problems: list[str] = []

    old_types, new_types = _types(old, old_root), _types(new, new_root)
    if "any" not in new_types and not old_types <= new_types | {"any"}:
        problems.append(f"{at}: type changed from {sorted(old_types)} to {sorted(new_types)}")

    old_values, new_values = _allowed_values(old, old_root), _allowed_values(new, new_root)
    if old_values is not None and new_values is not None and not old_values <= new_values:
        lost = sorted(map(str, old_values - new_values))
        problems.append(f"{at}: allowed values removed: {lost}")
    elif old_values is None and new_values is not None:
        problems.append(f"{at}: restricted to the values {sorted(map(str, new_values))}")

    if old.get("pattern") != new.get("pattern") and "pattern" in new:
        problems.append(f"{at}: pattern {'changed' if 'pattern' in old else 'added'}")
    if old.get("format") != new.get("format") and "format" in new:
        problems.append(f"{at}: format {'changed' if 'format' in old else 'added'}")

    for bound, direction in _TIGHTENING_BOUNDS.items():
        if bound not in new:
            continue
        if bound not in old:
            problems.append(f"{at}: {bound} added")
        elif (direction == "raised" and new[bound] > old[bound]) or (
            direction == "lowered" and new[bound] < old[bound]
        ):
            problems.append(f"{at}: {bound} {direction} from {old[bound]} to {new[bound]}")

    if old.get("additionalProperties", True) is not False and new.get("additionalProperties", True) is False:
        problems.append(f"{at}: additionalProperties no longer allowed")

    old_props, new_props = old.get("properties", {}), new.get("properties", {})
    old_required, new_required = set(old.get("required", [])), set(new.get("required", []))
    prefix = f"{path}." if path else ""
    for name in sorted(old_props):
        if name not in new_props:
            problems.append(f"properties.{prefix}{name}: removed")
            continue
        problems += _compare(
            old_props[name], new_props[name], old_root=old_root, new_root=new_root, path=f"{prefix}{name}"
        )
    for name in sorted(new_required - old_required):
        if name in old_props:
            problems.append(f"properties.{prefix}{name}: became required")
        else:
            problems.append(f"properties.{prefix}{name}: new required property")

    if "items" in old and "items" in new:
        problems += _compare(old["items"], new["items"], old_root=old_root, new_root=new_root, path=f"{at}[]")
    return problems
