"""The partners service's problem catalogue (the documented error answers of its routes) and its shared refusals."""

from __future__ import annotations

from typing import Any

from backbone.errors import DomainError


class Unprocessable(DomainError):
    status, code, title = 422, "unprocessable", "The request cannot be applied"


def _field_error(code: str, detail: str, field: str) -> Unprocessable:
    return Unprocessable(
        detail, code=code, errors=[{"field": field, "in": "body", "code": code, "message": detail}]
    )


PROBLEMS: dict[int | str, dict[str, Any]] = {
    400: {"description": "Bad request (problem+json)"},
    404: {"description": "Not found (problem+json)"},
    409: {"description": "Conflict with the current state (problem+json)"},
    422: {"description": "Validation failed; `errors` names the fields (problem+json)"},
    503: {"description": "A dependency is unavailable (problem+json)"},
}
