"""Is a new JSON Schema of an event a compatible evolution of the published one?

`breaking_changes(old, new)` lists every change a consumer written against `old` could trip on, each message
starting with the schema path it is about (`properties.country_code: pattern changed`). Local references
(`#/$defs/...`) are followed, unions (`anyOf`/`oneOf`, as pydantic writes `X | None`) are compared option by
option.

Breaking: a property removed; a type changed (narrowed or widened, including becoming nullable); a new required
property; an optional property became required; an enum or Literal lost a value, a const changed, a value
restriction appeared; a pattern added or changed; a format added, changed or dropped (it says what
consumers parse the text as: date-time, date, ...); additionalProperties tightened; a minimum/maximum
(length, items, properties, value) added or tightened; multipleOf added or changed to a non-divisor.

Compatible: a new optional property; description, title, examples or default changes; an enum gained values;
a bound, pattern or additionalProperties restriction relaxed or dropped; a required property became
optional. Consumers read tolerantly, so these need no new version; anything breaking needs a new event type
(`....v2`) published side by side.
"""

from __future__ import annotations

from typing import Any

Schema = dict[str, Any]

_TIGHTENING_BOUNDS: dict[str, str] = {
    "minLength": "raised",
    "minimum": "raised",
    "exclusiveMinimum": "raised",
    "minItems": "raised",
    "minProperties": "raised",
    "maxLength": "lowered",
    "maximum": "lowered",
    "exclusiveMaximum": "lowered",
    "maxItems": "lowered",
    "maxProperties": "lowered",
}
_MAX_REF_HOPS = 32


def breaking_changes(old: Schema, new: Schema) -> list[str]:
    """Every change from `old` to `new` that could break a consumer of `old`; empty when compatible."""
    problems = _Comparison(old_root=old, new_root=new).compare(old, new, path="")
    return list(dict.fromkeys(problems))  # a problem reached through two routes is reported once


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def _unescape(token: str) -> str:
    return token.replace("~1", "/").replace("~0", "~")


def _resolve(schema: Any, root: Schema) -> tuple[Schema, str | None]:
    """The schema with local `$ref`s (and single-item `allOf` wrappers) replaced by their target.

    Sibling keywords of a `$ref` win over the target's (pydantic puts a field's description beside it).
    Returns the last reference followed, so that recursive models can be recognised.
    """
    if not isinstance(schema, dict):
        return {}, None  # `true` (or a malformed node): accepts anything
    followed: str | None = None
    for _ in range(_MAX_REF_HOPS):
        if isinstance(schema.get("allOf"), list) and len(schema["allOf"]) == 1:
            siblings = {k: v for k, v in schema.items() if k != "allOf"}
            inner = schema["allOf"][0] if isinstance(schema["allOf"][0], dict) else {}
            schema = {**inner, **siblings}
            continue
        ref = schema.get("$ref")
        if not isinstance(ref, str) or not ref.startswith("#"):
            return schema, followed
        node: Any = root
        for token in ref.removeprefix("#").strip("/").split("/") if ref not in ("#", "#/") else []:
            try:
                node = node[_unescape(token)] if isinstance(node, dict) else node[int(token)]
            except (KeyError, IndexError, ValueError) as exc:
                raise ValueError(f"unresolvable reference {ref!r}") from exc
        if not isinstance(node, dict):
            raise ValueError(f"reference {ref!r} does not point at a schema")
        schema = {**node, **{k: v for k, v in schema.items() if k != "$ref"}}
        followed = ref
    raise ValueError(f"reference chain longer than {_MAX_REF_HOPS} hops at {followed!r}")


def _join(path: str, *parts: str) -> str:
    return ".".join([p for p in (path, *parts) if p])


def _show(types: set[str]) -> str:
    return " | ".join(sorted(types))


class _Comparison:
    def __init__(self, *, old_root: Schema, new_root: Schema) -> None:
        self.old_root = old_root
        self.new_root = new_root
        self._active: set[tuple[str | None, str | None]] = set()

    # -- what a schema allows -------------------------------------------------------------------------------

    def _options(self, schema: Schema, root: Schema) -> list[Schema]:
        """The alternatives of a union (flattened), or the schema itself."""
        branches = schema.get("anyOf") or schema.get("oneOf")
        if not isinstance(branches, list):
            return [schema]
        result: list[Schema] = []
        for branch in branches:
            resolved, _ = _resolve(branch, root)
            result += self._options(resolved, root)
        return result

    def _types(self, schema: Schema, root: Schema) -> set[str]:
        options = self._options(schema, root)
        if len(options) > 1 or options[0] is not schema:
            return set().union(*(self._types(option, root) for option in options))
        if "type" in schema:
            kinds = schema["type"]
            return set(kinds) if isinstance(kinds, list) else {kinds}
        if "const" in schema:
            return {_json_type(schema["const"])}
        if isinstance(schema.get("enum"), list):
            return {_json_type(value) for value in schema["enum"]}
        return {"any"}

    @staticmethod
    def _values(schema: Schema) -> list[Any] | None:
        """The values a single (non-union) schema is restricted to, or None when it is not."""
        if "const" in schema:
            return [schema["const"]]
        if isinstance(schema.get("enum"), list):
            return list(schema["enum"])
        return None

    # -- comparison -----------------------------------------------------------------------------------------

    def compare(self, old: Any, new: Any, *, path: str) -> list[str]:
        old, old_ref = _resolve(old, self.old_root)
        new, new_ref = _resolve(new, self.new_root)
        key = (old_ref, new_ref)
        if key != (None, None) and key in self._active:
            return []  # a recursive model: this pair is already being compared further up
        self._active.add(key)
        try:
            return self._compare_resolved(old, new, path=path)
        finally:
            self._active.discard(key)

    def _compare_resolved(self, old: Schema, new: Schema, *, path: str) -> list[str]:
        at = path or "(root)"
        problems: list[str] = []
        old_types, new_types = self._types(old, self.old_root), self._types(new, self.new_root)
        if old_types != new_types:
            problems.append(f"{at}: type changed from {_show(old_types)} to {_show(new_types)}")

        old_options, new_options = self._options(old, self.old_root), self._options(new, self.new_root)
        if len(old_options) == 1 and len(new_options) == 1:
            return problems + self._compare_single(old_options[0], new_options[0], path=path)
        for option in old_options:
            match = self._matching(option, new_options)
            if match is not None:
                problems += self._compare_single(option, match, path=path)
        return problems

    def _matching(self, old_option: Schema, new_options: list[Schema]) -> Schema | None:
        """The new union member that plays the role of `old_option`: same types (and title), else overlapping."""
        old_types = self._types(old_option, self.old_root)
        same = [o for o in new_options if self._types(o, self.new_root) == old_types]
        overlapping = [o for o in new_options if self._types(o, self.new_root) & old_types]
        for candidates in (same, overlapping):
            titled = [o for o in candidates if o.get("title") == old_option.get("title")]
            if titled or candidates:
                return (titled or candidates)[0]
        return None

    def _compare_single(self, old: Schema, new: Schema, *, path: str) -> list[str]:
        at = path or "(root)"
        problems: list[str] = []

        old_values, new_values = self._values(old), self._values(new)
        if old_values is not None and new_values is not None:
            if "const" in old and "const" in new and old["const"] != new["const"]:
                problems.append(f"{at}: const changed from {old['const']!r} to {new['const']!r}")
            elif lost := [value for value in old_values if value not in new_values]:
                problems.append(f"{at}: allowed values removed: {', '.join(map(repr, lost))}")
        elif old_values is None and new_values is not None:
            problems.append(f"{at}: restricted to the values {', '.join(map(repr, new_values))}")

        if "pattern" in new and old.get("pattern") != new["pattern"]:
            change = f"changed from {old['pattern']!r} to {new['pattern']!r}" if "pattern" in old else "added"
            problems.append(f"{at}: pattern {change}")
        if old.get("format") != new.get("format"):  # date-time, date, uuid: what consumers parse the text as
            problems.append(f"{at}: format changed from {old.get('format')!r} to {new.get('format')!r}")

        for bound, direction in _TIGHTENING_BOUNDS.items():
            if bound not in new:
                continue
            if bound not in old:
                problems.append(f"{at}: {bound} added ({new[bound]})")
            elif (direction == "raised" and new[bound] > old[bound]) or (
                direction == "lowered" and new[bound] < old[bound]
            ):
                problems.append(f"{at}: {bound} {direction} from {old[bound]} to {new[bound]}")
        if "multipleOf" in new and ("multipleOf" not in old or old["multipleOf"] % new["multipleOf"] != 0):
            problems.append(f"{at}: multipleOf {'changed' if 'multipleOf' in old else 'added'}")
        if new.get("uniqueItems") is True and old.get("uniqueItems") is not True:
            problems.append(f"{at}: uniqueItems added")

        problems += self._compare_object(old, new, path=path)
        problems += self._compare_array(old, new, path=path)
        return problems

    def _compare_object(self, old: Schema, new: Schema, *, path: str) -> list[str]:
        at = path or "(root)"
        problems: list[str] = []
        old_extra, new_extra = old.get("additionalProperties", True), new.get("additionalProperties", True)
        if new_extra is False and old_extra is not False:
            problems.append(f"{at}: additionalProperties tightened (no longer allowed)")
        elif isinstance(new_extra, dict) and new_extra and not isinstance(old_extra, dict):
            if old_extra is not False:
                problems.append(f"{at}: additionalProperties tightened (now restricted by a schema)")
        elif isinstance(old_extra, dict) and isinstance(new_extra, dict):
            problems += self.compare(old_extra, new_extra, path=_join(path, "additionalProperties"))

        old_props: Schema = old.get("properties") or {}
        new_props: Schema = new.get("properties") or {}
        for name in old_props:
            where = _join(path, "properties", name)
            if name not in new_props:
                problems.append(f"{where}: removed")
            else:
                problems += self.compare(old_props[name], new_props[name], path=where)
        old_required, new_required = set(old.get("required") or []), set(new.get("required") or [])
        for name in sorted(new_required - old_required):
            where = _join(path, "properties", name)
            problems.append(f"{where}: {'became required' if name in old_props else 'new required property'}")
        return problems

    def _compare_array(self, old: Schema, new: Schema, *, path: str) -> list[str]:
        problems: list[str] = []
        if "items" in new and new["items"] is not True:
            problems += self.compare(old.get("items", {}), new["items"], path=_join(path, "items"))
        old_prefix, new_prefix = old.get("prefixItems") or [], new.get("prefixItems") or []
        for index, item in enumerate(new_prefix):
            before = old_prefix[index] if index < len(old_prefix) else old.get("items", {})
            problems += self.compare(before, item, path=_join(path, "prefixItems", str(index)))
        return problems
