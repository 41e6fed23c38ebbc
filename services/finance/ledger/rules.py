"""What a transfer does to the balances of its two accounts (TigerBeetle's semantics), without I/O."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Kind = Literal["single", "pending", "post_pending", "void_pending", "expire_pending"]
RESOLUTIONS: frozenset[str] = frozenset({"post_pending", "void_pending", "expire_pending"})


@dataclass(frozen=True)
class Change:
    """How one side of an account moves: added to its pending and posted totals (negative releases)."""

    pending: int = 0
    posted: int = 0


def changes(kind: Kind, amount: int, reserved: int = 0) -> Change:
    """The change to the debits of the debit account, which is also the change to the credits of the credit
    account (a transfer always balances). `amount` is what the transfer moves; `reserved` what the pending
    transfer it resolves reserved (all of it is released, whatever part is posted)."""
    if kind == "single":
        return Change(posted=amount)
    if kind == "pending":
        return Change(pending=amount)
    if kind == "post_pending":
        return Change(pending=-reserved, posted=amount)
    return Change(pending=-reserved)  # void or expire: the reservation goes, nothing is posted


def balance(*, debits_posted: int, credits_posted: int, normal: Literal["debit", "credit"]) -> int:
    """An account's posted balance on its normal side. Money flows from the debit account to the credit account:
    sources (a partner's contributions receivable, a donor's grant) are debit-normal (what they sent); what holds
    or receives money (pools, committed funds, spending per category) credit-normal (what it holds or got)."""
    return debits_posted - credits_posted if normal == "debit" else credits_posted - debits_posted
