from __future__ import annotations

from decimal import Decimal

import pytest

from services.finance.transparency.rules import (
    DISBURSEMENT,
    EXPENDITURE,
    INCOMING_FUNDS,
    disclosed,
    major_units,
    published_as,
)


@pytest.mark.parametrize(
    ("counts", "shown", "total"),
    [
        ({"stipends": 3, "travel": 0}, {"stipends", "travel"}, True),
        ({"stipends": 3, "travel": 1}, {"stipends"}, False),
        ({"stipends": 5, "travel": 2, "platforms": 1}, {"stipends"}, True),
        ({"stipends": 2, "travel": 0}, {"travel"}, False),
    ],
)
def test_few_transfers_are_withheld_and_so_is_a_total_that_would_reveal_them(
    counts: dict[str, int], shown: set[str], total: bool
) -> None:
    disclosure = disclosed(counts)
    assert (set(disclosure.shown), disclosure.total_shown) == (shown, total)


def test_transfers_are_published_as_what_they_did() -> None:
    assert published_as("shared_pool", "spent_travel", code="x") == published_as(
        "contributions_receivable", "spent_travel", code="x"
    )
    assert published_as("shared_pool", "spent_travel", code="x").type_code == EXPENDITURE  # type: ignore[union-attr]
    assert published_as("spent_travel", "shared_pool", code="correction").sign == -1  # type: ignore[union-attr]
    assert published_as("contributions_receivable", "shared_pool", code="x").type_code == INCOMING_FUNDS  # type: ignore[union-attr]
    assert published_as("shared_pool", "committed", code="tranche").type_code == DISBURSEMENT  # type: ignore[union-attr]
    assert published_as("shared_pool", "regional_pool", code="x") is None, "money moved between own pools"


def test_amounts_leave_minor_units_by_the_currency_exponent() -> None:
    assert major_units(123_456, "EUR") == Decimal("1234.56")
    assert str(major_units(1_500, "XOF")) == "1500"
    assert str(major_units(1_000, "EUR")) == "10.00"
    assert str(major_units(-1, "KWD")) == "-0.001"
