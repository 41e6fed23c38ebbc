"""The incidents service's problem catalogue (documented error answers of its routes) and who acts for which country."""

from __future__ import annotations

from backbone.auth.http import Forbidden
from backbone.auth.principal import Principal

PROBLEMS: dict[int | str, dict[str, str]] = {
    404: {"description": "Unknown, or not yours to see (problem+json)"},
    409: {"description": "Conflicts with the current state (problem+json with a stable `code`)"},
    422: {"description": "Invalid input, naming the fields (problem+json)"},
}


def country_of(principal: Principal | None) -> str:
    if principal is None or principal.country is None:
        raise Forbidden("Operations staff act for their country.")
    return principal.country
