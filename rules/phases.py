"""The phases of a partnership and the gate criteria that must hold before each gate is put to the vote."""

from __future__ import annotations

from typing import Literal

Phase = Literal["familiarization", "co_design", "exercises", "sustainment"]
PHASES: tuple[Phase, ...] = ("familiarization", "co_design", "exercises", "sustainment")
NEXT_PHASE: dict[str, Phase] = {
    "familiarization": "co_design",
    "co_design": "exercises",
    "exercises": "sustainment",
}

GATE_CRITERIA: dict[str, tuple[str, ...]] = {
    "familiarization": ("capacity_profiles_mapped",),
    "co_design": ("curriculum_approved",),
    "exercises": ("drill_completed_and_debriefed",),
}
"""What must be true before a phase's gate is put to the vote; learnt from events, signalled to the workflow."""

CRITERIA: tuple[str, ...] = tuple(sorted({c for criteria in GATE_CRITERIA.values() for c in criteria}))
"""Every criterion any gate knows."""


def criteria_met(phase: str, met: set[str] | frozenset[str]) -> bool:
    """Whether every criterion of the phase's gate holds (a phase without a gate has nothing to meet)."""
    return all(c in met for c in GATE_CRITERIA.get(phase, ()))
