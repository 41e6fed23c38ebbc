"""Handling codes: to whom the originator of a record or an event releases it.

A handling code is chosen by the originator (a country) and is one of
- `public`: anyone;
- `partnership`: the member countries of the partnership the content belongs to;
- `countries:FR,SN`: the named countries only;
- `originator`: the originating country only (the default: the most restrictive code always fits).
The originator always sees its own content. A code resolves to an `Audience` (a set of countries, or everyone)
when content is read or published; events carry the code, the originator and the resolved audience as CloudEvents
extension attributes, so that the national feed can filter without knowing the partnerships.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Annotated, Literal

from pydantic import AfterValidator, Field

from contracts.envelope import HANDLING_PATTERN

Kind = Literal["public", "partnership", "countries", "originator"]

DEFAULT = "originator"
PATTERN = HANDLING_PATTERN
_COMPILED = re.compile(PATTERN)
EVERYONE = "*"
PLATFORM = "platform"
"""The originator of what no single country originates (e.g. endorsements recorded by the platform's operators)."""


class InvalidHandlingCode(ValueError):
    pass


@dataclass(frozen=True)
class HandlingCode:
    kind: Kind
    countries: frozenset[str] = frozenset()

    @classmethod
    def parse(cls, text: str) -> HandlingCode:
        if not _COMPILED.match(text):
            raise InvalidHandlingCode(
                "a handling code is public, partnership, originator or countries:XX,YY (ISO 3166 alpha-2)"
            )
        if text.startswith("countries:"):
            return cls("countries", frozenset(text.removeprefix("countries:").split(",")))
        kind: Kind = text  # type: ignore[assignment]  # the pattern admits only the literal kinds here
        return cls(kind)

    def __str__(self) -> str:
        if self.kind == "countries":
            return "countries:" + ",".join(sorted(self.countries))
        return self.kind

    def audience(self, *, originator: str, partnership_countries: Iterable[str] = ()) -> Audience:
        """The countries this code releases to, the originator included."""
        if self.kind == "public":
            return Audience(everyone=True)
        if self.kind == "partnership":
            return Audience(frozenset(partnership_countries) | {originator})
        if self.kind == "countries":
            return Audience(self.countries | {originator})
        return Audience(frozenset({originator}))


@dataclass(frozen=True)
class Audience:
    countries: frozenset[str] = frozenset()
    everyone: bool = False

    def includes(self, country: str | None) -> bool:
        return self.everyone or (country is not None and country in self.countries)

    def union(self, other: Audience) -> Audience:
        if self.everyone or other.everyone:
            return Audience(everyone=True)
        return Audience(self.countries | other.countries)

    def header(self) -> str:
        return EVERYONE if self.everyone else ",".join(sorted(self.countries))

    @classmethod
    def from_header(cls, value: str | None) -> Audience:
        """An event without an audience attribute is released to no one outside the backbone."""
        if not value:
            return cls()
        if value == EVERYONE:
            return cls(everyone=True)
        return cls(frozenset(part for part in value.split(",") if part))


def _canonical(text: str) -> str:
    return str(HandlingCode.parse(text))


HandlingCodeText = Annotated[
    str,
    Field(
        pattern=PATTERN,
        description="Who may see it: public, partnership, originator, or countries:XX,YY (the originator always may)",
        examples=["partnership", "countries:FR,SN", "originator"],
    ),
    AfterValidator(_canonical),
]
"""A handling code in an API body; normalised (countries sorted)."""


@dataclass(frozen=True)
class Release:
    """What an event carries: the originator's code, the originator and the audience resolved at publication."""

    code: HandlingCode
    originator: str
    audience: Audience

    @classmethod
    def of(
        cls, code: str | HandlingCode, *, originator: str, partnership_countries: Iterable[str] = ()
    ) -> Release:
        parsed = code if isinstance(code, HandlingCode) else HandlingCode.parse(code)
        return cls(
            parsed,
            originator,
            parsed.audience(originator=originator, partnership_countries=partnership_countries),
        )

    def extensions(self) -> dict[str, str]:
        """CloudEvents extension attributes (lower-case alphanumeric names, as the spec requires)."""
        return {"handling": str(self.code), "originator": self.originator, "audience": self.audience.header()}
