"""The ledger's balance rules: a reservation's resolution releases exactly what it reserved, posts at most that,
and a single transfer posts at once (hypothesis over amounts)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from services.finance.ledger.rules import balance, changes

amounts = st.integers(min_value=1, max_value=10**15)


@given(reserved=amounts, data=st.data())
def test_a_reservation_and_its_resolution_leave_nothing_pending(reserved: int, data: st.DataObject) -> None:
    kind = data.draw(st.sampled_from(["post_pending", "void_pending", "expire_pending"]))
    posted = data.draw(st.integers(min_value=1, max_value=reserved)) if kind == "post_pending" else reserved
    opened, closed = changes("pending", reserved), changes(kind, posted, reserved)  # type: ignore[arg-type]
    assert opened.pending + closed.pending == 0
    assert opened.posted + closed.posted == (posted if kind == "post_pending" else 0)


@given(amount=amounts)
def test_a_single_transfer_posts_at_once(amount: int) -> None:
    moved = changes("single", amount)
    assert (moved.pending, moved.posted) == (0, amount)
    assert balance(debits_posted=amount, credits_posted=0, normal="debit") == amount
    assert balance(debits_posted=amount, credits_posted=0, normal="credit") == -amount
