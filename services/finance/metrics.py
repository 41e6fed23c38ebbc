"""The finance service's Prometheus gauges, read from its database when scraped: what pending transfers hold
reserved and what partners owe past due (arrears), per currency, across every partnership (operators' view)."""

from __future__ import annotations

from prometheus_client import Gauge
from sqlalchemy import text

from backbone.app import ServiceRuntime
from backbone.db import SYSTEM_TENANT

PENDING = Gauge(
    "finance_pending_amount",
    "Minor units reserved by pending transfers not yet posted or voided",
    ["currency"],
)
ARREARS = Gauge(
    "finance_arrears_amount", "Minor units owed by contribution instalments past their due date", ["currency"]
)
QUERIES = {
    PENDING: """
        SELECT t.currency, sum(t.amount) FROM ledger_transfers t
        WHERE t.kind = 'pending' AND NOT EXISTS (SELECT 1 FROM ledger_transfers r WHERE r.pending_id = t.id)
        GROUP BY t.currency
    """,
    ARREARS: """
        SELECT currency, sum(amount - paid) FROM contribution_dues
        WHERE status = 'open' AND due_on < current_date GROUP BY currency
    """,
}


async def refresh(runtime: ServiceRuntime) -> None:
    async with runtime.engine.connect() as conn, conn.begin():
        await conn.execute(  # every partnership
            text("SELECT set_config('backbone.tenant', :tenant, true)"), {"tenant": SYSTEM_TENANT}
        )
        for gauge, query in QUERIES.items():
            seen = {currency: float(total) for currency, total in await conn.execute(text(query))}
            for currency in _currencies(gauge) - set(seen):
                gauge.labels(currency).set(0)  # nothing left in that currency
            for currency, total in seen.items():
                gauge.labels(currency).set(total)


def _currencies(gauge: Gauge) -> set[str]:
    """The currencies this process has reported (so one with nothing left reads 0, not its last value)."""
    return {labels[0] for labels in gauge._metrics}
