"""xAPI statements with numbers no learning platform sends are refused at the door (issue 14: unbounded
`score.raw/min/max` and duration digits overflowed the columns or `timedelta`, answering 500)."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from pydantic import ValidationError

from services.training.learning.schemas import Statement

ADL = "http://adlnet.gov/expapi/verbs/"


def statement(**result: Any) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "actor": {"objectType": "Agent", "account": {"homePage": "https://lms.example.sn", "name": "t-1"}},
        "verb": {"id": ADL + "completed", "display": {"en-US": "completed"}},
        "object": {
            "objectType": "Activity",
            "id": f"urn:training-backbone:cohort:{uuid.uuid4()}:module:m1",
        },
        "timestamp": "2031-05-05T10:00:00Z",
        "result": result,
    }


@pytest.mark.parametrize(
    ("result", "field"),
    [
        ({"score": {"raw": 1e300, "min": 0, "max": 1e301}}, "raw"),
        ({"score": {"raw": 5, "min": 0, "max": 1}}, "score"),
        ({"score": {"raw": 0.5, "min": 1, "max": 1}}, "score"),
        ({"score": {"raw": float("nan")}}, "raw"),
        ({"score": {"scaled": float("inf")}}, "scaled"),
        ({"duration": "P" + "9" * 30 + "D"}, "duration"),
        ({"duration": "PT" + "9" * 20 + "S"}, "duration"),
        ({"duration": "P8D"}, "duration"),
    ],
)
def test_numbers_beyond_any_platform_are_refused_naming_the_field(result: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as refused:
        Statement.model_validate(statement(**result))
    assert any(field in ".".join(str(p) for p in e["loc"]) for e in refused.value.errors()), refused.value


def test_plausible_numbers_pass_and_fold_into_progress() -> None:
    read = Statement.model_validate(
        statement(score={"raw": 45, "min": 0, "max": 60}, duration="PT1H30M", success=True)
    )
    assert read.seconds == 5400
    assert read.scaled_score == 0.75
    assert Statement.model_validate(statement(duration="P7D")).seconds == 7 * 86400
