"""Certification rules: eligibility, and expiry dates across month ends, leap days and time zones."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.training.certifications.rules import NotEligible, check_eligible, expiry, status_at


def test_eligibility_needs_completion() -> None:
    """(The passed assessment is checked against training's read model: tests/integration.)"""
    check_eligible(completed=True)
    with pytest.raises(NotEligible, match="not completed"):
        check_eligible(completed=False)


def test_expiry_keeps_the_day_or_takes_the_months_last() -> None:
    assert expiry(date(2026, 11, 24), validity_months=36, time_zone="UTC")[0] == date(2029, 11, 24)
    assert expiry(date(2028, 2, 29), validity_months=12, time_zone="UTC")[0] == date(2029, 2, 28)
    assert expiry(date(2027, 1, 31), validity_months=1, time_zone="UTC")[0] == date(2027, 2, 28)
    assert expiry(date(2027, 8, 31), validity_months=18, time_zone="UTC")[0] == date(2029, 2, 28)


def test_the_last_day_ends_at_midnight_where_the_partnership_issued_it() -> None:
    _, dakar = expiry(date(2026, 11, 24), validity_months=12, time_zone="Africa/Dakar")  # UTC+0
    _, paris = expiry(date(2026, 11, 24), validity_months=12, time_zone="Europe/Paris")  # UTC+1 in November
    _, manila = expiry(date(2026, 11, 24), validity_months=12, time_zone="Asia/Manila")  # UTC+8
    assert dakar == datetime(2027, 11, 25, 0, 0, tzinfo=UTC)
    assert paris == datetime(2027, 11, 24, 23, 0, tzinfo=UTC)
    assert manila == datetime(2027, 11, 24, 16, 0, tzinfo=UTC)
    _, summer = expiry(date(2026, 7, 1), validity_months=12, time_zone="Europe/Paris")  # UTC+2 in July
    assert summer == datetime(2027, 7, 1, 22, 0, tzinfo=UTC)


def test_a_status_is_valid_until_the_expiry_instant_unless_suspended_or_revoked() -> None:
    end = datetime(2027, 11, 24, 23, 0, tzinfo=UTC)
    assert status_at(recorded="valid", expires_at=end, now=end - timedelta(seconds=1)) == "valid"
    assert status_at(recorded="valid", expires_at=end, now=end) == "expired"
    assert status_at(recorded="suspended", expires_at=end, now=end - timedelta(days=9)) == "suspended"
    assert status_at(recorded="revoked", expires_at=end, now=end + timedelta(days=9)) == "revoked"


@given(
    st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 12, 31)),
    st.integers(min_value=1, max_value=120),
    st.sampled_from(["UTC", "Pacific/Kiritimati", "Pacific/Pago_Pago", "America/Sao_Paulo", "Asia/Kolkata"]),
)
def test_expiry_is_always_after_issue_and_within_the_validity(issued: date, months: int, zone: str) -> None:
    expires_on, ends_at = expiry(issued, validity_months=months, time_zone=zone)
    assert issued < expires_on <= issued + timedelta(days=31 * months)
    assert abs(
        ends_at - datetime.combine(expires_on + timedelta(days=1), datetime.min.time(), tzinfo=UTC)
    ) <= timedelta(hours=14)
