"""Commitment events of the partners service (on `partners.events.v1`): pledges and their renewal.

Other services act on the renewal's conclusion: finance adjusts contributions to the new amount (or stops
them when the commitment lapsed), training releases seats that are no longer pledged, access tied to the
commitment ends with it.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import ClassVar, Literal

from pydantic import Field

from contracts.envelope import CountryCode, PartnersEvent

CommitmentKind = Literal["money", "instructors", "facility_time", "seats"]
RenewalOutcome = Literal["renewed", "renegotiated", "lapsed"]
AMOUNT = "Amount pledged for the period: money in `currency`, instructor-days, facility hours or seats"


class CommitmentRegisteredV1(PartnersEvent):
    """A partner agency pledged money, instructors, facility time or seats to a partnership for a period."""

    event_type: ClassVar[str] = "partners.commitment_registered.v1"
    aggregate: ClassVar[str] = "commitment"

    commitment_id: str
    partnership_id: str
    agency_id: str
    country_code: CountryCode
    kind: CommitmentKind
    amount: Decimal = Field(description=AMOUNT)
    currency: str | None = Field(default=None, description="ISO 4217 code, for money only")
    priorities: str | None = None
    starts_on: date
    ends_on: date
    renews_commitment_id: str | None = Field(
        default=None, description="The commitment this one renews (set when a renewal concluded)"
    )
    registered_at: datetime


class CommitmentRenewalRequestedV1(PartnersEvent):
    """The partner is asked to reaffirm its commitment (same terms, or updated amounts and priorities)."""

    event_type: ClassVar[str] = "partners.commitment_renewal_requested.v1"
    aggregate: ClassVar[str] = "commitment"

    commitment_id: str
    partnership_id: str
    agency_id: str
    country_code: CountryCode
    expires_at: datetime = Field(description="When the commitment ends unless renewed")
    requested_at: datetime


class CommitmentRenewalReminderSentV1(PartnersEvent):
    """`reminder`: the partner has not answered yet; `escalation`: the oversight body is alerted."""

    event_type: ClassVar[str] = "partners.commitment_renewal_reminder_sent.v1"
    aggregate: ClassVar[str] = "commitment"

    commitment_id: str
    partnership_id: str
    agency_id: str
    kind: Literal["reminder", "escalation"]
    oversight_member_ids: list[str] = Field(
        default_factory=list, description="Who is alerted, for an escalation"
    )
    expires_at: datetime
    sent_at: datetime


class CommitmentRenewalConcludedV1(PartnersEvent):
    """The renewal ended: `renewed` on the same terms, `renegotiated` on new ones, or `lapsed`."""

    event_type: ClassVar[str] = "partners.commitment_renewal_concluded.v1"
    aggregate: ClassVar[str] = "commitment"

    commitment_id: str
    partnership_id: str
    agency_id: str
    country_code: CountryCode
    kind: CommitmentKind
    outcome: RenewalOutcome
    previous_amount: Decimal
    currency: str | None = None
    ends_on: date = Field(description="Last day of the concluded commitment")
    new_commitment_id: str | None = Field(default=None, description="The successor; null when lapsed")
    new_amount: Decimal | None = None
    new_starts_on: date | None = None
    new_ends_on: date | None = None
    responded_by: str | None = Field(default=None, description="Who answered for the partner, if anyone")
    reason: str | None = None
    concluded_at: datetime
