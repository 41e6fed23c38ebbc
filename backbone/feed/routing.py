"""Which subscribers an event goes to: those whose country its audience names. Nothing else is looked at."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from backbone.feed.subscribers import Subscriber
from rules.releasability import Audience

AUDIENCE_HEADER = "ce_audience"


def audience_of(headers: Iterable[tuple[str, bytes]]) -> Audience:
    """An event without the attribute (or with an unreadable one) is released to no one outside the backbone."""
    for name, value in headers:
        if name == AUDIENCE_HEADER:
            try:
                return Audience.from_header(bytes(value).decode())
            except UnicodeDecodeError:
                return Audience()
    return Audience()


def recipients(headers: Iterable[tuple[str, bytes]], subscribers: Sequence[Subscriber]) -> list[Subscriber]:
    audience = audience_of(headers)
    return [s for s in subscribers if audience.includes(s.country)]
