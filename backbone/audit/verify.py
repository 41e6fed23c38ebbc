"""Walking the chain: the first entry that was changed, removed or reordered, and the retention purge."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg

from backbone.audit.log import CHAINED, entry_hash, personal_digest
from backbone.audit.schema import GENESIS, PERSONAL, PURGE_SETTING
from backbone.audit.sealing import STORED_HASH_INPUT


@dataclass(frozen=True)
class Anchor:
    """The chain's head as it was once, kept outside the database (`backbone.audit.anchors`)."""

    seq: int
    hash: str
    anchored_at: str


@dataclass
class Report:
    entries: int = 0
    head_seq: int = 0
    head_hash: str = GENESIS
    problems: list[tuple[int, str]] = field(default_factory=list)
    anchors: int = 0

    @property
    def intact(self) -> bool:
        return not self.problems

    def describe(self, service: str) -> str:
        if self.intact:
            checked = f", {self.anchors} anchored heads match" if self.anchors else ""
            return f"audit log of {service}: {self.entries} entries, chain intact{checked}, head {self.head_hash}"
        lines = [
            f"audit log of {service}: BROKEN ({len(self.problems)} problems, first at seq {self.problems[0][0]})"
        ]
        lines += [f"  seq {seq}: {why}" for seq, why in self.problems]
        return "\n".join(lines)


PLATFORM_VIEW = (
    "SELECT set_config('backbone.tenant', '*', true), set_config('search_path', 'pg_catalog, public', true)"
)
"""Verifying and purging are the platform's own work: every country's entries (row-level security); and only
PostgreSQL's own functions build the hash input, whatever the schema holds."""


def _entry(row: asyncpg.Record) -> dict[str, Any]:
    entry = {name: row[name] for name in CHAINED}
    if isinstance(entry["details"], str):
        entry["details"] = json.loads(entry["details"])
    return entry


def _recomputed(row: asyncpg.Record) -> str:
    if row["chain_version"] == 1:
        return entry_hash(_entry(row))
    return hashlib.sha256(row["hash_input"].encode()).hexdigest()


async def verify(conn: asyncpg.Connection, anchors: Iterable[Anchor] = ()) -> Report:
    """Walk the chain; with `anchors`, also check that every head once anchored outside the database is still
    in it, unchanged (a rewrite by someone able to recompute every hash after it is caught there)."""
    report = Report()
    expected, previous, version = 1, GENESIS, 1
    anchored = {anchor.seq: anchor for anchor in anchors}
    hashes = {0: GENESIS}
    async with conn.transaction(readonly=True, isolation="repeatable_read"):  # one consistent snapshot
        await conn.execute(PLATFORM_VIEW)
        head = await conn.fetchrow("SELECT seq, hash FROM audit_chain_head WHERE id = 1")
        columns = ", ".join((*CHAINED, *PERSONAL, "hash", "chain_version"))
        async for row in conn.cursor(
            f"SELECT {columns}, {STORED_HASH_INPUT} AS hash_input FROM audit_log ORDER BY seq"
        ):
            seq = int(row["seq"])
            report.entries += 1
            if seq != expected:
                report.problems.append((expected, f"missing: the next entry present is seq {seq}"))
            if row["prev_hash"] != previous:
                report.problems.append((seq, "prev_hash is not the hash of the entry before it"))
            if row["chain_version"] < version:
                report.problems.append(
                    (seq, "changed: an unsealed entry after sealed ones (written directly)")
                )
            if _recomputed(row) != row["hash"]:
                report.problems.append((seq, "changed: its content does not match its hash"))
            if row["personal_salt"] is not None and row["personal_digest"] != personal_digest(
                row["actor_subject"], row["source_ip"], row["personal_salt"]
            ):
                report.problems.append((seq, "changed: its actor or address does not match its digest"))
            if seq in anchored:
                hashes[seq] = row["hash"]
            expected, previous, version = seq + 1, row["hash"], max(version, row["chain_version"])
    report.head_seq, report.head_hash = int(head["seq"]), str(head["hash"])
    if report.head_seq != expected - 1 or report.head_hash != previous:
        report.problems.append(
            (
                expected,
                f"missing: the chain's head is at seq {report.head_seq}, the last entry at {expected - 1}",
            )
        )
    for seq, anchor in sorted(anchored.items()):
        if hashes.get(seq) != anchor.hash:
            report.problems.append(
                (seq, f"rewritten: the head anchored at {anchor.anchored_at} had another hash at this seq")
            )
    report.anchors = len(anchored)
    report.problems.sort(key=lambda problem: problem[0])
    return report


async def purge_personal_data(conn: asyncpg.Connection, *, older_than: timedelta) -> int:
    """Clear the personal fields of entries older than `older_than` (as the tables' owner); returns how many."""
    cutoff = datetime.now(UTC) - older_than
    async with conn.transaction():
        await conn.execute(PLATFORM_VIEW)
        await conn.execute(f"SELECT set_config('{PURGE_SETTING}', 'on', true)")
        cleared = ", ".join(f"{name} = NULL" for name in PERSONAL)
        status = await conn.execute(
            f"UPDATE audit_log SET {cleared}, purged_at = now() WHERE occurred_at < $1 AND purged_at IS NULL",
            cutoff,
        )
    return int(status.split()[-1])
