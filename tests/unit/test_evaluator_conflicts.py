"""Conflicts of interest as a matrix: each rule alone refuses, the partnership's allowance lifts the own-country
rule only, and an evaluator with no tie to the trainee may assess."""

from __future__ import annotations

import pytest

from services.assessment.evaluators.rules import Evaluator, Trainee, conflict

FREE = Evaluator("BR", "agency-br", "instructor-7", {"cyber.forensics"}, set())
TRAINEE = Trainee("SN-0001", "SN", "agency-sn", {"instructor-1"})


@pytest.mark.parametrize(
    ("evaluator", "trainee", "allowed", "rule"),
    [
        (FREE, TRAINEE, False, None),
        (Evaluator("BR", None, None, {"drones"}, set()), TRAINEE, False, "not_competent"),
        (Evaluator("SN", "agency-sn", None, {"cyber.forensics"}, set()), TRAINEE, True, "own_agency"),
        (Evaluator("SN", "agency-sn2", None, {"cyber.forensics"}, set()), TRAINEE, False, "own_country"),
        (Evaluator("SN", "agency-sn2", None, {"cyber.forensics"}, set()), TRAINEE, True, None),
        (Evaluator("SN", None, None, {"cyber.forensics"}, set()), TRAINEE, False, "own_country"),
        (
            Evaluator("BR", None, "instructor-1", {"cyber.forensics"}, set()),
            TRAINEE,
            False,
            "instructed_trainee",
        ),
        (
            Evaluator("BR", None, None, {"cyber.forensics"}, set(), {"SN-0001"}),
            TRAINEE,
            False,
            "mentored_trainee",
        ),
        (Evaluator("BR", None, None, {"cyber.forensics"}, set(), {"SN-0002"}), TRAINEE, False, None),
        (Evaluator("BR", None, None, {"cyber.forensics"}, {"SN-0001"}), TRAINEE, False, "declared_relation"),
        (Evaluator("BR", None, None, {"cyber.forensics"}, {"SN-0002"}), TRAINEE, False, None),
    ],
)
def test_each_rule_refuses_on_its_own(
    evaluator: Evaluator, trainee: Trainee, allowed: bool, rule: str | None
) -> None:
    assert conflict(evaluator, trainee, competency="cyber.forensics", own_country_allowed=allowed) == rule


def test_the_first_rule_broken_is_the_one_named() -> None:
    everything = Evaluator("SN", "agency-sn", "instructor-1", {"drones"}, {"SN-0001"})
    assert (
        conflict(everything, TRAINEE, competency="cyber.forensics", own_country_allowed=False)
        == "not_competent"
    )
    competent = Evaluator("SN", "agency-sn", "instructor-1", {"cyber.forensics"}, {"SN-0001"})
    assert (
        conflict(competent, TRAINEE, competency="cyber.forensics", own_country_allowed=True) == "own_agency"
    )
