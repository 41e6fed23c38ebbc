"""The reconciliation the operator runs: every stored balance recomputed from the transfers."""

from __future__ import annotations

from typing import Any


def reconciliation_sql() -> str:
    """Every account whose stored balances differ from the sums of its transfers (recomputed from scratch)."""
    return """
        WITH moves AS (
            SELECT t.debit_account_id AS account_id, t.kind, t.amount, p.amount AS reserved, 'debit' AS side
            FROM ledger_transfers t LEFT JOIN ledger_transfers p ON p.id = t.pending_id
            UNION ALL
            SELECT t.credit_account_id, t.kind, t.amount, p.amount, 'credit'
            FROM ledger_transfers t LEFT JOIN ledger_transfers p ON p.id = t.pending_id
        ), sums AS (
            SELECT account_id, side,
                   sum(CASE kind WHEN 'pending' THEN amount WHEN 'single' THEN 0 ELSE -reserved END) AS pending,
                   sum(CASE kind WHEN 'single' THEN amount WHEN 'post_pending' THEN amount ELSE 0 END) AS posted
            FROM moves GROUP BY account_id, side
        )
        SELECT a.id, a.currency,
               a.debits_pending, coalesce(d.pending, 0) AS debits_pending_sum,
               a.debits_posted, coalesce(d.posted, 0) AS debits_posted_sum,
               a.credits_pending, coalesce(c.pending, 0) AS credits_pending_sum,
               a.credits_posted, coalesce(c.posted, 0) AS credits_posted_sum
        FROM ledger_accounts a
        LEFT JOIN sums d ON d.account_id = a.id AND d.side = 'debit'
        LEFT JOIN sums c ON c.account_id = a.id AND c.side = 'credit'
        WHERE a.debits_pending <> coalesce(d.pending, 0) OR a.debits_posted <> coalesce(d.posted, 0)
           OR a.credits_pending <> coalesce(c.pending, 0) OR a.credits_posted <> coalesce(c.posted, 0)
        ORDER BY a.id
    """


def describe_difference(row: Any) -> str:
    return (
        f"account {row['id']} ({row['currency']}): stored debits {row['debits_pending']}/{row['debits_posted']} "
        f"credits {row['credits_pending']}/{row['credits_posted']}, transfers say debits "
        f"{row['debits_pending_sum']}/{row['debits_posted_sum']} credits "
        f"{row['credits_pending_sum']}/{row['credits_posted_sum']} (pending/posted)"
    )
