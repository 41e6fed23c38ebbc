"""The incidents service's problem catalogue (documented error answers of its routes) and who acts for which country."""

from __future__ import annotations

from backbone.auth.http import acting_country
from backbone.auth.principal import Principal

PROBLEMS: dict[int | str, dict[str, str]] = {
    404: {"description": "Unknown, or not yours to see (problem+json)"},
    409: {"description": "Conflicts with the current state (problem+json with a stable `code`)"},
    422: {"description": "Invalid input, naming the fields (problem+json)"},
}


def country_of(principal: Principal | None) -> str:
    return acting_country(principal, "Operations staff act for their country.")
