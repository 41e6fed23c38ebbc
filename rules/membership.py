"""Who is in a partnership: its member countries and the lead country, from its member agencies.

Every service that confines records to a partnership's members reads the members from the partners service's
events; these rules say what those members make.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol


class Member(Protocol):
    @property
    def country_code(self) -> str: ...

    @property
    def role(self) -> str: ...


def member_countries(members: Iterable[Member]) -> list[str]:
    """Each member country once, in the order its first agency joined."""
    return list(dict.fromkeys(m.country_code for m in members))


def lead_country(members: Iterable[Member]) -> str:
    """The country of the lead agency (the first member's when none leads, as in partnerships from before
    leads were required)."""
    listed = list(members)
    return next((m.country_code for m in listed if m.role == "lead"), listed[0].country_code)
