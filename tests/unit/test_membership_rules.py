"""The shared rule of who is in a partnership, as every service's read model applies it."""

from __future__ import annotations

from contracts.events.partners import PartnershipMemberV1
from rules.membership import lead_country, member_countries


def member(country: str, role: str = "member") -> PartnershipMemberV1:
    return PartnershipMemberV1(agency_id=f"{country}-{role}", country_code=country, role=role)


def test_each_country_counts_once_in_the_order_its_first_agency_joined() -> None:
    members = [member("SN", "host"), member("FR", "lead"), member("SN"), member("BR")]
    assert member_countries(members) == ["SN", "FR", "BR"]


def test_the_lead_agency_gives_the_lead_country() -> None:
    assert lead_country([member("SN", "host"), member("FR", "lead")]) == "FR"


def test_without_a_lead_the_first_member_leads() -> None:
    assert lead_country([member("BR"), member("FR", "observer")]) == "BR"
