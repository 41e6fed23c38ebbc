"""Rules of instructors, with no I/O: who may teach a curriculum, in which language, when they are available,
and who becomes an instructor candidate after their own training (train-the-trainer)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Literal

TRAINER_LEVEL = 3
"""A certification at this level or above (on the framework's scale) can make its holder an instructor."""
TRAINER_SCORE = Decimal(80)
"""...issued on an assessment passed at this percentage or better."""

Role = Literal["lead", "co"]


def required_levels(modules: Iterable[Mapping[str, object]]) -> dict[str, int]:
    """Each competency a curriculum teaches, at the highest level any of its modules brings it to."""
    levels: dict[str, int] = {}
    for module in modules:
        for taught in module["competencies"]:  # type: ignore[attr-defined]
            levels[taught["code"]] = max(levels.get(taught["code"], 0), int(taught["level"]))
    return levels


def missing_qualifications(
    qualified: Mapping[str, int], required: Mapping[str, int], role: Role
) -> list[str]:
    """A lead covers every competency at its level; a co-instructor at least one of them."""
    missing = [code for code, level in sorted(required.items()) if qualified.get(code, 0) < level]
    if role == "co":
        return [] if len(missing) < len(required) or not required else missing
    return missing


def speaks(languages: Iterable[str], language: str) -> bool:
    """`pt` covers `pt-BR` and the other way round: the primary language subtag decides."""
    wanted = language.split("-")[0].lower()
    return any(spoken.split("-")[0].lower() == wanted for spoken in languages)


@dataclass(frozen=True)
class Window:
    starts_at: datetime
    ends_at: datetime


def available(windows: Iterable[Window], starts_at: datetime, ends_at: datetime) -> bool:
    """Whether declared availability windows (touching or overlapping ones joined) cover [starts_at, ends_at)."""
    reach = starts_at
    for window in sorted(windows, key=lambda w: w.starts_at):
        if window.starts_at > reach:
            break
        reach = max(reach, window.ends_at)
        if reach >= ends_at:
            return True
    return False


def trainer_candidate_problem(*, status: str, level: int, score: Decimal) -> tuple[str, str] | None:
    """Why a certification does not make its holder an instructor candidate (field, message), or None."""
    if status != "valid":
        return "certification_id", f"The certification is {status}."
    if level < TRAINER_LEVEL:
        return "certification_id", f"Instructors need a certification at level {TRAINER_LEVEL} or above."
    if score < TRAINER_SCORE:
        return "certification_id", f"Instructors passed their assessment with {TRAINER_SCORE}% or more."
    return None
