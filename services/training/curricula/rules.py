"""Rules of curriculum content, with no I/O: module validity, proposals applied to a draft, and the difference
between two versions (what a revision shows its approvers)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

Module = dict[str, Any]
"""A module as stored in a version: code, title, delivery_mode, competencies, duration_minutes, prerequisites."""


@dataclass(frozen=True)
class Problem:
    field: str
    code: str
    message: str


def module_problems(modules: list[Module], known_competencies: Mapping[str, int]) -> list[Problem]:
    """Everything wrong with a version's modules; `known_competencies` maps a code to its number of levels."""
    problems: list[Problem] = []
    codes = [m["code"] for m in modules]
    seen: set[str] = set()
    for i, module in enumerate(modules):
        at = f"modules.{i}"
        if module["code"] in seen:
            problems.append(
                Problem(f"{at}.code", "duplicate_module", f"Module {module['code']} appears twice.")
            )
        seen.add(module["code"])
        for j, taught in enumerate(module["competencies"]):
            levels = known_competencies.get(taught["code"])
            if levels is None:
                problems.append(
                    Problem(
                        f"{at}.competencies.{j}.code",
                        "competency_unknown",
                        f"{taught['code']} is not in the competency framework.",
                    )
                )
            elif taught["level"] > levels:
                problems.append(
                    Problem(
                        f"{at}.competencies.{j}.level",
                        "level_out_of_scale",
                        f"{taught['code']} has {levels} levels.",
                    )
                )
        for j, prerequisite in enumerate(module["prerequisites"]):
            if prerequisite == module["code"]:
                problems.append(
                    Problem(f"{at}.prerequisites.{j}", "own_prerequisite", "A module cannot require itself.")
                )
            elif prerequisite not in codes:
                problems.append(
                    Problem(
                        f"{at}.prerequisites.{j}",
                        "prerequisite_unknown",
                        f"No module {prerequisite} in this curriculum.",
                    )
                )
    if not problems and (cycle := prerequisite_cycle(modules)):
        problems.append(
            Problem(
                "modules", "prerequisite_cycle", f"Prerequisites go round in a circle: {' → '.join(cycle)}."
            )
        )
    return problems


def prerequisite_cycle(modules: list[Module]) -> list[str] | None:
    """A cycle of module codes through their prerequisites (first code repeated at the end), or None."""
    requires = {m["code"]: list(m["prerequisites"]) for m in modules}
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done
    path: list[str] = []

    def visit(code: str) -> list[str] | None:
        state[code] = 1
        path.append(code)
        for nxt in requires.get(code, []):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt) :], nxt]
            if nxt in requires and state.get(nxt) is None and (found := visit(nxt)):
                return found
        path.pop()
        state[code] = 2
        return None

    for code in requires:
        if state.get(code) is None and (found := visit(code)):
            return found
    return None


class NotApplicable(ValueError):
    """The proposal no longer fits the draft (e.g. the module it replaces was removed since)."""


def apply_change(modules: list[Module], change: Mapping[str, Any]) -> list[Module]:
    """The draft's modules with a proposal's change applied (a new list; the input is untouched)."""
    op = change["op"]
    codes = [m["code"] for m in modules]
    if op == "add_module":
        module = dict(change["module"])
        if module["code"] in codes:
            raise NotApplicable(f"the draft has a module {module['code']} already")
        return [*modules, module]
    target = change["module"]["code"] if op == "replace_module" else change["module_code"]
    if target not in codes:
        raise NotApplicable(f"the draft has no module {target}")
    if op == "replace_module":
        return [dict(change["module"]) if m["code"] == target else m for m in modules]
    return [
        {**m, "prerequisites": [p for p in m["prerequisites"] if p != target]}
        for m in modules
        if m["code"] != target
    ]


CURRICULUM_FIELDS = ("title", "language")


def diff(previous: Mapping[str, Any] | None, current: Mapping[str, Any]) -> dict[str, Any]:
    """What changed from `previous` (None for a first version) to `current`: both hold title, language, modules."""
    before: dict[str, Module] = {m["code"]: m for m in (previous or {}).get("modules", [])}
    after: dict[str, Module] = {m["code"]: m for m in current["modules"]}
    changed = {
        code: sorted(k for k in set(module) | set(before[code]) if module.get(k) != before[code].get(k))
        for code, module in after.items()
        if code in before and module != before[code]
    }
    return {
        "modules_added": [code for code in after if code not in before],
        "modules_removed": [code for code in before if code not in after],
        "modules_changed": changed,
        "fields_changed": [
            f for f in CURRICULUM_FIELDS if previous is not None and previous.get(f) != current.get(f)
        ],
    }


def is_empty(difference: Mapping[str, Iterable[Any]]) -> bool:
    return not any(difference.values())
