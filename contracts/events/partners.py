"""Events published by the partners service on `partners.events.v1`."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar, Literal

from pydantic import Field

from contracts.envelope import Event

AgencyType = Literal["police", "customs", "prosecution", "justice", "border_guard", "other"]


class AgencyRegisteredV1(Event):
    """A country's agency joined the backbone and may take part in partnerships."""

    event_type: ClassVar[str] = "partners.agency_registered.v1"
    topic: ClassVar[str] = "partners.events.v1"
    aggregate: ClassVar[str] = "agency"

    agency_id: str = Field(description="Stable id of the agency (UUID)")
    country_code: str = Field(
        description="ISO 3166-1 alpha-2 code of the agency's country", pattern="^[A-Z]{2}$"
    )
    country_name: str
    name: str
    agency_type: AgencyType
    mandate: str | None = None
    is_national_coordination_unit: bool = False
    registered_at: datetime


class AgencyActivatedV1(Event):
    """The national coordination unit confirmed the agency during onboarding; it is now active."""

    event_type: ClassVar[str] = "partners.agency_activated.v1"
    topic: ClassVar[str] = "partners.events.v1"
    aggregate: ClassVar[str] = "agency"

    agency_id: str
    country_code: str = Field(pattern="^[A-Z]{2}$")
    confirmed_by: str
    activated_at: datetime


class AgencyOnboardingLapsedV1(Event):
    """Nobody confirmed the agency before the onboarding deadline; it stays inactive."""

    event_type: ClassVar[str] = "partners.agency_onboarding_lapsed.v1"
    topic: ClassVar[str] = "partners.events.v1"
    aggregate: ClassVar[str] = "agency"

    agency_id: str
    country_code: str = Field(pattern="^[A-Z]{2}$")
    lapsed_at: datetime
