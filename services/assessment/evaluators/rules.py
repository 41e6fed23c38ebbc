"""Conflicts of interest, without I/O: whether an evaluator may assess a trainee, and if not, which rule says
no. The rules, in the order they are checked:

- `not_competent`: the evaluator is not registered for the rubric's competency;
- `own_agency`: never a trainee of the evaluator's own agency;
- `own_country`: not a trainee of the evaluator's country, unless the partnership allows it;
- `instructed_trainee`: not someone the evaluator instructed (an instructor of a cohort the trainee attended);
- `mentored_trainee`: not someone the evaluator mentored (a mentor of a community the trainee is a member of);
- `declared_relation`: not someone the evaluator declared a relation with.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

RULES = (
    "not_competent",
    "own_agency",
    "own_country",
    "instructed_trainee",
    "mentored_trainee",
    "declared_relation",
)


@dataclass(frozen=True)
class Evaluator:
    country: str
    agency_id: str | None
    instructor_id: str | None
    competencies: Collection[str]
    related_trainees: Collection[str]
    mentored_trainees: Collection[str] = ()
    """Trainees the evaluator mentored, as training announced it."""


@dataclass(frozen=True)
class Trainee:
    trainee_id: str
    country: str
    agency_id: str
    instructors: Collection[str]
    """Instructors of the cohorts the trainee attended (as training announced them)."""


MESSAGES = {
    "not_competent": "The evaluator is not registered for this rubric's competency.",
    "own_agency": "An evaluator never assesses a trainee of their own agency.",
    "own_country": "The partnership does not let evaluators assess trainees of their own country.",
    "instructed_trainee": "The evaluator instructed this trainee.",
    "mentored_trainee": "The evaluator mentored this trainee.",
    "declared_relation": "The evaluator declared a relation with this trainee.",
}


def conflict(
    evaluator: Evaluator, trainee: Trainee, *, competency: str, own_country_allowed: bool
) -> str | None:
    """The first rule that refuses the assignment, or None when the evaluator may assess the trainee."""
    if competency not in evaluator.competencies:
        return "not_competent"
    if evaluator.agency_id is not None and evaluator.agency_id == trainee.agency_id:
        return "own_agency"
    if evaluator.country == trainee.country and not own_country_allowed:
        return "own_country"
    if evaluator.instructor_id is not None and evaluator.instructor_id in trainee.instructors:
        return "instructed_trainee"
    if trainee.trainee_id in evaluator.mentored_trainees:
        return "mentored_trainee"
    if trainee.trainee_id in evaluator.related_trainees:
        return "declared_relation"
    return None
