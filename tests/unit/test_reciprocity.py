"""Reciprocity arithmetic and the contact models' normalisation: pure, no I/O."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from services.partners.contacts.schemas import ContactIn, ContactPatch
from services.partners.reciprocity.service import Balance, Flow, balances, counterparts

FLOWS = [
    Flow(sending="SN", host="FR", count=2, days=30),
    Flow(sending="FR", host="SN", count=1, days=10),
    Flow(sending="BR", host="FR", count=1, days=5),
]


def test_each_country_hosts_what_others_send_and_receives_what_it_sends() -> None:
    by_code = {b.country_code: b for b in balances(FLOWS, countries=["KE", "FR"])}
    assert list(by_code) == ["BR", "FR", "KE", "SN"], "sorted, with listed countries even without exchanges"
    assert by_code["FR"] == Balance("FR", hosted_count=3, hosted_days=35, received_count=1, received_days=10)
    assert by_code["FR"].balance == 25
    assert (by_code["SN"].balance, by_code["BR"].balance, by_code["KE"].balance) == (-20, -5, 0)
    assert sum(b.hosted_days for b in by_code.values()) == sum(b.received_days for b in by_code.values())


def test_counterparts_are_seen_from_the_country_s_side() -> None:
    lines = {b.country_code: b for b in counterparts("FR", FLOWS)}
    assert lines["SN"] == Balance("SN", hosted_count=2, hosted_days=30, received_count=1, received_days=10)
    assert lines["BR"] == Balance("BR", hosted_count=1, hosted_days=5)
    assert counterparts("KE", FLOWS) == []
    assert balances([]) == []


def test_out_carries_the_balance() -> None:
    out = Balance("SN", hosted_days=4, received_days=9).out()
    assert out.balance == -5 and out.country_code == "SN"


def test_contact_languages_are_normalised_and_details_checked() -> None:
    contact = ContactIn(
        name=" Aminata Diallo ",
        function="Head",
        email="a@b.example",
        languages=["FR", "pt-br", "fr", "zh-Hant"],
    )
    assert contact.name == "Aminata Diallo"
    assert contact.languages == ["fr", "pt-BR", "zh-Hant"]
    with pytest.raises(ValidationError) as bad:
        ContactIn(name="A B", function="Head", email="no-at-sign", phone="call me", languages=["english"])
    assert {e["loc"][0] for e in bad.value.errors()} == {"email", "phone", "languages"}


def test_a_patch_changes_something_and_nulls_only_the_phone() -> None:
    assert ContactPatch(phone=None).changes() == {"phone": None}
    assert ContactPatch(function="Deputy", is_primary=True).changes() == {
        "function": "Deputy",
        "is_primary": True,
    }
    with pytest.raises(ValidationError):
        ContactPatch()
    with pytest.raises(ValidationError):
        ContactPatch(email=None)
