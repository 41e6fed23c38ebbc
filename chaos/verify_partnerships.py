"""After a run, the partnership flows' writes: in partners, finance, assessment and incidents, once each, with
their events on the topics and partners' event applied in every service that needs it."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING

import asyncpg
from aiokafka import ConsumerRecord

from chaos.partnership_flow import PartnershipFlow
from contracts.envelope import EventEnvelope, decode

if TYPE_CHECKING:
    from chaos.verify import Findings

LEARNERS = {
    "finance": "finance_partnerships",
    "assessment": "assessment_partnerships",
    "incidents": "incident_partnerships",
}
"""The services that learn partnerships from partners' events, and the read model each keeps of them."""
STATUS_AFTER = {1: "draft", 2: "in_review", 3: "approved"}
"""A protocol's first version after the workload's acknowledged steps."""


async def check_partnerships(
    dsn: Callable[[str], str],
    flows: list[PartnershipFlow],
    topics: dict[str, list[ConsumerRecord[bytes, bytes]]],
    findings: Findings,
) -> None:
    acknowledged = [f for f in flows if f.partnership_id]
    await _in_partners(dsn("partners"), acknowledged, findings)
    for service, table in LEARNERS.items():
        await _learnt(dsn(service), service, table, acknowledged, findings)
    await _in_finance(dsn("finance"), acknowledged, findings)
    await _in_assessment(dsn("assessment"), acknowledged, findings)
    await _in_incidents(dsn("incidents"), acknowledged, findings)
    _on_topics(topics, acknowledged, findings)


async def _rows(dsn: str, query: str) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(dsn)
    try:
        return list(await conn.fetch(query))
    finally:
        await conn.close()


async def _in_partners(dsn: str, flows: list[PartnershipFlow], findings: Findings) -> None:
    rows = await _rows(dsn, "SELECT id, name FROM partnerships WHERE name LIKE 'Chaos partnership %'")
    names = Counter(r["name"] for r in rows)
    ids = {str(r["id"]) for r in rows}
    for flow in flows:
        if flow.partnership_id not in ids:
            findings.lost.append(f"partnership {flow.partnership_id} ({flow.name}) is not in partners")
    findings.duplicated += [f"partnership {n!r} registered {k} times" for n, k in names.items() if k > 1]


async def _learnt(
    dsn: str, service: str, table: str, flows: list[PartnershipFlow], findings: Findings
) -> None:
    known = {str(r["partnership_id"]) for r in await _rows(dsn, f"SELECT partnership_id FROM {table}")}
    findings.lost += [
        f"partnership {f.partnership_id}'s registration never reached {service}"
        for f in flows
        if f.partnership_id not in known
    ]


async def _in_finance(dsn: str, flows: list[PartnershipFlow], findings: Findings) -> None:
    """Accounts and the transfer are there; the balances hold the transfer once (a transfer applied twice, or a
    stray one, shows in them)."""
    accounts = {
        str(r["id"]): (r["debits_posted"], r["credits_posted"])
        for r in await _rows(dsn, "SELECT id, debits_posted, credits_posted FROM ledger_accounts")
    }
    rows = await _rows(dsn, "SELECT id, partnership_id FROM ledger_transfers")
    transfers = Counter(str(r["partnership_id"]) for r in rows)
    transferred = {str(r["id"]) for r in rows}
    for flow in flows:
        findings.lost += [
            f"ledger account {a} of {flow.partnership_id} is missing"
            for a in flow.accounts
            if a not in accounts
        ]
        if flow.transfer is None:
            continue
        if flow.transfer not in transferred:
            findings.lost.append(f"transfer {flow.transfer} of {flow.partnership_id} is missing")
        if transfers[str(flow.partnership_id)] > 1:
            findings.duplicated.append(
                f"partnership {flow.partnership_id}: {transfers[str(flow.partnership_id)]} transfers, one sent"
            )
        debit, credit = accounts.get(flow.accounts[0], (0, 0)), accounts.get(flow.accounts[1], (0, 0))
        if (debit[0], credit[1]) != (flow.amount, flow.amount):
            findings.duplicated.append(
                f"transfer {flow.transfer} of {flow.amount}: debited {debit[0]}, credited {credit[1]}"
            )


async def _in_assessment(dsn: str, flows: list[PartnershipFlow], findings: Findings) -> None:
    rows = await _rows(dsn, "SELECT id, partnership_id FROM evaluators")
    ids = {str(r["id"]) for r in rows}
    per_partnership = Counter(str(r["partnership_id"]) for r in rows)
    for flow in flows:
        if flow.evaluator is not None and flow.evaluator not in ids:
            findings.lost.append(f"evaluator {flow.evaluator} of {flow.partnership_id} is missing")
        if (n := per_partnership[str(flow.partnership_id)]) > 1:
            findings.duplicated.append(
                f"partnership {flow.partnership_id} has {n} evaluators, one registered"
            )


async def _in_incidents(dsn: str, flows: list[PartnershipFlow], findings: Findings) -> None:
    rows = await _rows(
        dsn,
        "SELECT p.id, p.partnership_id, v.status FROM protocols p "
        "JOIN protocol_versions v ON v.protocol_id = p.id AND v.number = 1",
    )
    status = {str(r["id"]): r["status"] for r in rows}
    per_partnership = Counter(str(r["partnership_id"]) for r in rows)
    for flow in flows:
        if (n := per_partnership[str(flow.partnership_id)]) > 1:
            findings.duplicated.append(f"partnership {flow.partnership_id} has {n} protocols, one created")
        if flow.protocol is None:
            continue
        expected = STATUS_AFTER[flow.protocol_steps]
        if flow.protocol not in status:
            findings.lost.append(f"protocol {flow.protocol} of {flow.partnership_id} is missing")
        elif status[flow.protocol] != expected:
            findings.lost.append(
                f"protocol {flow.protocol} is {status[flow.protocol]}, acknowledged {expected}"
            )


def _on_topics(
    topics: dict[str, list[ConsumerRecord[bytes, bytes]]], flows: list[PartnershipFlow], findings: Findings
) -> None:
    """Each acknowledged write that sends an event has it on its service's topic."""
    seen = {
        (envelope.type, str(envelope.data.get(field)))
        for records in topics.values()
        for envelope in _envelopes(records)
        for field in ("partnership_id", "transfer_id", "protocol_id")
        if field in envelope.data
    }
    for flow in flows:
        expected = [("partners.partnership_registered.v1", "partnership_id", flow.partnership_id)]
        if flow.transfer:
            expected.append(("finance.transfer_recorded.v1", "transfer_id", flow.transfer))
        if flow.protocol_steps == 3:
            expected.append(("incidents.protocol_version_approved.v1", "protocol_id", flow.protocol))
        findings.lost += [
            f"no {kind} on the topic for {field} {value}"
            for kind, field, value in expected
            if (kind, str(value)) not in seen
        ]


def _envelopes(records: Iterable[ConsumerRecord[bytes, bytes]]) -> Iterator[EventEnvelope]:
    for record in records:
        yield decode(list(record.headers or ()), record.key, record.value)
