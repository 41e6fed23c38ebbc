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


@dataclass(frozen=True)
class Balances:
    debits_pending: int
    debits_posted: int
    credits_pending: int
    credits_posted: int
    debits_must_not_exceed_credits: bool = False
    credits_must_not_exceed_debits: bool = False


def limit_broken(account: Balances) -> str | None:
    """The account's limit its balances break, named as the database's constraint (which stays the backstop):
    checked before the write, so a refusal can name the transfer of a batch that caused it."""
    if (
        min(account.debits_pending, account.debits_posted, account.credits_pending, account.credits_posted)
        < 0
    ):
        return "account_balances_not_negative"
    if account.debits_must_not_exceed_credits and (
        account.debits_pending + account.debits_posted > account.credits_posted
    ):
        return "account_debits_within_credits"
    if account.credits_must_not_exceed_debits and (
        account.credits_pending + account.credits_posted > account.debits_posted
    ):
        return "account_credits_within_debits"
    return None
