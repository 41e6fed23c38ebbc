"""Curriculum content rules: module validity, prerequisite cycles, proposals applied to a draft, and diffs."""

from __future__ import annotations

from typing import Any

import pytest

from services.training.curricula.rules import (
    NotApplicable,
    apply_change,
    diff,
    is_empty,
    module_problems,
    prerequisite_cycle,
)

KNOWN = {"cf:chain-of-custody": 5, "cf:human-rights": 3}


def m(
    code: str, *requires: str, level: int = 2, competency: str = "cf:chain-of-custody", **extra: Any
) -> dict[str, Any]:
    return {
        "code": code,
        "title": code,
        "delivery_mode": "classroom",
        "competencies": [{"code": competency, "level": level}],
        "duration_minutes": 60,
        "prerequisites": list(requires),
        **extra,
    }


def codes(modules: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return [(p.field, p.code) for p in module_problems(modules, KNOWN)]


def test_a_valid_chain_of_modules_has_no_problem() -> None:
    assert codes([m("a"), m("b", "a"), m("c", "a", "b")]) == []


@pytest.mark.parametrize(
    ("modules", "expected"),
    [
        ([m("a", competency="cf:nope")], [("modules.0.competencies.0.code", "competency_unknown")]),
        (
            [m("a", competency="cf:human-rights", level=4)],
            [("modules.0.competencies.0.level", "level_out_of_scale")],
        ),
        ([m("a", "a")], [("modules.0.prerequisites.0", "own_prerequisite")]),
        ([m("a"), m("b", "x")], [("modules.1.prerequisites.0", "prerequisite_unknown")]),
        ([m("a"), m("a")], [("modules.1.code", "duplicate_module")]),
        ([m("a", "c"), m("b", "a"), m("c", "b")], [("modules", "prerequisite_cycle")]),
    ],
)
def test_each_problem_names_its_field(modules: list[dict[str, Any]], expected: list[tuple[str, str]]) -> None:
    assert codes(modules) == expected


def test_a_cycle_is_reported_as_the_path_that_closes_it() -> None:
    assert prerequisite_cycle([m("a", "b"), m("b", "c"), m("c", "a"), m("d")]) == ["a", "b", "c", "a"]
    assert prerequisite_cycle([m("a"), m("b", "a"), m("c", "a", "b")]) is None


def test_proposals_add_replace_and_remove_modules() -> None:
    draft = [m("a"), m("b", "a")]
    assert [x["code"] for x in apply_change(draft, {"op": "add_module", "module": m("c", "b")})] == [
        "a",
        "b",
        "c",
    ]
    replaced = apply_change(draft, {"op": "replace_module", "module": m("a", duration_minutes=90)})
    assert replaced[0]["duration_minutes"] == 90 and draft[0]["duration_minutes"] == 60, (
        "the draft is untouched"
    )
    removed = apply_change(draft, {"op": "remove_module", "module_code": "a"})
    assert removed == [m("b")], "a removed module is no longer anyone's prerequisite"
    for stale in (
        {"op": "add_module", "module": m("a")},
        {"op": "replace_module", "module": m("z")},
        {"op": "remove_module", "module_code": "z"},
    ):
        with pytest.raises(NotApplicable):
            apply_change(draft, stale)


def test_a_diff_names_added_removed_and_changed_modules_and_fields() -> None:
    before = {"title": "T", "language": "en", "modules": [m("a"), m("b", "a"), m("c")]}
    after = {"title": "T2", "language": "en", "modules": [m("a", duration_minutes=90), m("b", "a"), m("d")]}
    assert diff(before, after) == {
        "modules_added": ["d"],
        "modules_removed": ["c"],
        "modules_changed": {"a": ["duration_minutes"]},
        "fields_changed": ["title"],
    }
    assert is_empty(diff(before, before))
    first = diff(None, after)
    assert first["modules_added"] == ["a", "b", "d"] and first["fields_changed"] == []
