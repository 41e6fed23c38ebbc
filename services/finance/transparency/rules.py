"""What a posted transfer is in a published report, and which aggregates a public summary may show (no I/O)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from rules.currencies import MINOR_UNITS

MIN_GROUP = 3
"""A public figure sums at least this many transfers: one made of one or two could be a person's stipend."""

INCOMING_FUNDS, DISBURSEMENT, EXPENDITURE = "1", "3", "4"
"""IATI TransactionType codes (codelist TransactionType, 2.03)."""
TRANSACTION_NAMES = {
    INCOMING_FUNDS: "Incoming Funds",
    DISBURSEMENT: "Disbursement",
    EXPENDITURE: "Expenditure",
}


@dataclass(frozen=True)
class Published:
    type_code: str
    sign: int
    """-1 when the transfer undoes one of its type (a correction flows the other way)."""
    category: str | None = None
    partner_side: str | None = None
    """Which account's partner provided the funds: "debit" or "credit"."""


def published_as(debit_kind: str, credit_kind: str, *, code: str) -> Published | None:
    """How a posted transfer appears in a published report, or None when it only moves money between the
    partnership's own pools (nothing entered or left). Spending first: money reaching a category's spending
    account is expenditure whoever paid it."""
    if credit_kind.startswith("spent_"):
        return Published(EXPENDITURE, 1, credit_kind.removeprefix("spent_"))
    if debit_kind.startswith("spent_"):
        return Published(EXPENDITURE, -1, debit_kind.removeprefix("spent_"))
    if debit_kind == "contributions_receivable":
        return Published(INCOMING_FUNDS, 1, partner_side="debit")
    if credit_kind == "contributions_receivable":
        return Published(INCOMING_FUNDS, -1, partner_side="credit")
    if debit_kind == "grant":
        return Published(INCOMING_FUNDS, 1)
    if code == "tranche":
        return Published(DISBURSEMENT, 1)
    return None


def major_units(amount: int, currency: str) -> Decimal:
    """Minor units as the decimal amount reports show (EUR 123456 -> 1234.56, XOF 1500 -> 1500)."""
    return Decimal(amount).scaleb(-MINOR_UNITS.get(currency, 2))


@dataclass(frozen=True)
class Disclosure:
    shown: frozenset[str]
    total_shown: bool


def disclosed(transfers_by_group: Mapping[str, int]) -> Disclosure:
    """Groups summing fewer than MIN_GROUP transfers are withheld (an empty group shows its zero). The total is
    shown only when what it would reveal by difference, the withheld groups together, is itself MIN_GROUP
    transfers or more (or nothing is withheld)."""
    hidden = {group: count for group, count in transfers_by_group.items() if 0 < count < MIN_GROUP}
    shown = frozenset(group for group in transfers_by_group if group not in hidden)
    return Disclosure(shown, not hidden or sum(hidden.values()) >= MIN_GROUP)
