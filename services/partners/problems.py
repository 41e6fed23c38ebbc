"""The partners service's problem catalogue (the documented error answers of its routes) and its shared refusals."""

from __future__ import annotations

from typing import Any

from backbone.errors import DomainError, field_problem


class Unprocessable(DomainError):
    status, code, title = 422, "unprocessable", "The request cannot be applied"


def _field_error(code: str, detail: str, field: str) -> DomainError:
    return field_problem(field, code, detail, title=Unprocessable.title)


PROBLEMS: dict[int | str, dict[str, Any]] = {
    400: {"description": "Bad request (problem+json)"},
    404: {"description": "Not found (problem+json)"},
    409: {"description": "Conflict with the current state (problem+json)"},
    422: {"description": "Validation failed; `errors` names the fields (problem+json)"},
    503: {"description": "A dependency is unavailable (problem+json)"},
}
