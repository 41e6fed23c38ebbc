"""The ledger's use cases: open an account, record a transfer (single, pending, post, void), expire pending
transfers past their timeout. Each runs in one transaction that locks the two accounts (in id order, so
concurrent transfers never deadlock), updates their balances and writes the transfer and its event."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from backbone.errors import Conflict, DomainError, field_problem
from backbone.idempotency import Outcome
from backbone.outbox import add_event
from contracts.events.finance import TransferRecordedV1
from services.finance import SOURCE
from services.finance.ledger import rules
from services.finance.ledger.schemas import AccountIn, AccountOut, TransferIn, TransferOut
from services.finance.models import KnownPartnership, LedgerAccount, LedgerTransfer
from services.finance.partnerships import HANDLING, partnership_of, release

REFUSED_BY_CONSTRAINT = {
    "account_debits_within_credits": (
        "exceeds_credits",
        "the debit account may not pay out more than it holds",
    ),
    "account_credits_within_debits": ("exceeds_debits", "the credit account may not take more than it owes"),
    "account_balances_not_negative": ("balance_negative", "a balance would go below zero"),
    "uq_ledger_pending_resolved": ("pending_already_resolved", "the pending transfer was resolved meanwhile"),
}


def account_view(row: LedgerAccount) -> AccountOut:
    return AccountOut.model_validate(row, from_attributes=True)


def transfer_view(row: LedgerTransfer) -> TransferOut:
    return TransferOut.model_validate(row, from_attributes=True)


async def open_account(session: AsyncSession, *, partnership_id: uuid.UUID, account: AccountIn) -> Outcome:
    async with session.begin():
        partnership = await partnership_of(session, partnership_id)
        wanted = {**account.model_dump(), "partnership_id": partnership_id}
        if account.country_code:
            wanted["country_code"] = account.country_code.upper()
            if wanted["country_code"] not in partnership.member_countries:
                raise field_problem("country_code", "not_a_member", "The account's partner must be a member.")
        existing = await session.get(LedgerAccount, account.id)
        if existing is not None:
            if any(getattr(existing, name) != value for name, value in wanted.items()):
                raise Conflict(f"Account {account.id} exists with other fields.", code="account_exists")
            return Outcome(200, account_view(existing).model_dump(mode="json"))
        row = LedgerAccount(**wanted, handling_code=HANDLING, created_at=datetime.now(UTC))
        row.debits_pending = row.debits_posted = row.credits_pending = row.credits_posted = 0
        session.add(row)
        await session.flush()
        return Outcome(201, account_view(row).model_dump(mode="json"), {"Location": f"/accounts/{row.id}"})


async def ensure_account(
    session: AsyncSession,
    partnership: KnownPartnership,
    *,
    kind: str,
    currency: str,
    country_code: str | None = None,
    debits_must_not_exceed_credits: bool = False,
) -> uuid.UUID:
    """The partnership's own account of this kind (and partner, and currency), opened the first time a use case
    needs it; its id is derived from what it is, so concurrent first uses open it once."""
    key = uuid.uuid5(partnership.partnership_id, f"{kind}:{country_code or '-'}:{currency}")
    await session.execute(
        pg_insert(LedgerAccount)
        .values(
            id=key,
            partnership_id=partnership.partnership_id,
            kind=kind,
            name=f"{kind.replace('_', ' ')} {country_code or ''} {currency}".replace("  ", " "),
            country_code=country_code,
            currency=currency,
            debits_must_not_exceed_credits=debits_must_not_exceed_credits,
            credits_must_not_exceed_debits=False,
            debits_pending=0,
            debits_posted=0,
            credits_pending=0,
            credits_posted=0,
            handling_code=HANDLING,
            created_at=datetime.now(UTC),
        )
        .on_conflict_do_nothing(index_elements=[LedgerAccount.id])
    )
    return key


async def record_transfer(
    session: AsyncSession, *, partnership_id: uuid.UUID, transfer: TransferIn
) -> Outcome:
    async with session.begin():
        partnership = await partnership_of(session, partnership_id)
        existing = await session.get(LedgerTransfer, transfer.id)
        if existing is not None:
            return _replayed(existing, partnership_id, transfer)
        if transfer.kind in rules.RESOLUTIONS:
            assert transfer.pending_id is not None  # TransferIn says so
            pending = await _pending(session, partnership_id, transfer.pending_id)
            for name in ("debit_account_id", "credit_account_id"):
                given = getattr(transfer, name)
                if given is not None and given != getattr(pending, name):
                    raise field_problem(
                        name, "not_the_pending_account", "A resolution moves the pending's accounts."
                    )
            row = await _resolve(
                session,
                partnership,
                pending,
                transfer.kind,
                transfer.id,
                transfer.amount,
                code=transfer.code,
                user_data=transfer.user_data,
            )
        else:
            assert transfer.debit_account_id and transfer.credit_account_id and transfer.amount
            expires = (
                datetime.now(UTC) + timedelta(seconds=transfer.timeout_seconds)
                if transfer.timeout_seconds
                else None
            )
            row = await apply_transfer(
                session,
                partnership,
                transfer_id=transfer.id,
                kind=transfer.kind,
                debit_id=transfer.debit_account_id,
                credit_id=transfer.credit_account_id,
                amount=transfer.amount,
                code=transfer.code,
                user_data=transfer.user_data,
                expires_at=expires,
            )
        return Outcome(201, transfer_view(row).model_dump(mode="json"), {"Location": f"/transfers/{row.id}"})


def _replayed(existing: LedgerTransfer, partnership_id: uuid.UUID, transfer: TransferIn) -> Outcome:
    """The same transfer again is a no-op answered with the original; the same id for another transfer is a
    conflict (ids are the client's idempotency)."""
    same = (
        existing.partnership_id == partnership_id
        and existing.kind == transfer.kind
        and existing.code == transfer.code
        and existing.user_data == transfer.user_data
        and existing.pending_id == transfer.pending_id
        and all(
            getattr(transfer, name) in (None, getattr(existing, name))
            for name in ("debit_account_id", "credit_account_id", "amount")
        )
    )
    if not same:
        raise Conflict(f"Transfer {transfer.id} exists with other fields.", code="transfer_exists")
    return Outcome(200, transfer_view(existing).model_dump(mode="json"))


async def _pending(session: AsyncSession, partnership_id: uuid.UUID, pending_id: uuid.UUID) -> LedgerTransfer:
    pending = await session.get(LedgerTransfer, pending_id)
    if pending is None or pending.partnership_id != partnership_id or pending.kind != "pending":
        raise field_problem(
            "pending_id", "pending_unknown", "No pending transfer with this id in this partnership."
        )
    return pending


async def _resolve(
    session: AsyncSession,
    partnership: KnownPartnership,
    pending: LedgerTransfer,
    kind: str,
    transfer_id: uuid.UUID,
    amount: int | None,
    *,
    code: str,
    user_data: str | None,
) -> LedgerTransfer:
    moved = pending.amount if kind != "post_pending" or amount is None else amount
    if moved > pending.amount:
        raise field_problem(
            "amount", "exceeds_pending_amount", f"At most {pending.amount}: what the pending reserved."
        )
    return await apply_transfer(
        session,
        partnership,
        transfer_id=transfer_id,
        kind=kind,
        debit_id=pending.debit_account_id,
        credit_id=pending.credit_account_id,
        amount=moved,
        code=code,
        user_data=user_data,
        pending=pending,
    )


async def account_pair(
    session: AsyncSession,
    partnership_id: uuid.UUID,
    debit_id: uuid.UUID,
    credit_id: uuid.UUID,
    *,
    fields: tuple[str, str] = ("debit_account_id", "credit_account_id"),
    lock: bool = True,
) -> tuple[LedgerAccount, LedgerAccount]:
    """The two accounts money would move between: distinct, of this partnership, in one currency (each refusal
    names the request's field). Locked for a transfer, in id order, so concurrent transfers never deadlock."""
    source, destination = fields
    if debit_id == credit_id:
        raise field_problem(destination, "same_account", "Money moves between two accounts.")
    query = (
        select(LedgerAccount).where(LedgerAccount.id.in_([debit_id, credit_id])).order_by(LedgerAccount.id)
    )
    rows = await session.scalars(query.with_for_update() if lock else query)
    found = {row.id: row for row in rows if row.partnership_id == partnership_id}
    for name, key in ((source, debit_id), (destination, credit_id)):
        if key not in found:
            raise field_problem(name, "account_unknown", "No account with this id in this partnership.")
    debit, credit = found[debit_id], found[credit_id]
    if debit.currency != credit.currency:
        raise field_problem(
            destination,
            "currency_mismatch",
            f"The {source.removesuffix('_id').replace('_', ' ')} is in {debit.currency}.",
        )
    return debit, credit


async def apply_transfer(
    session: AsyncSession,
    partnership: KnownPartnership,
    *,
    transfer_id: uuid.UUID,
    kind: str,
    debit_id: uuid.UUID,
    credit_id: uuid.UUID,
    amount: int,
    code: str,
    user_data: str | None,
    expires_at: datetime | None = None,
    pending: LedgerTransfer | None = None,
) -> LedgerTransfer:
    debit, credit = await account_pair(session, partnership.partnership_id, debit_id, credit_id)
    now = datetime.now(UTC)
    if pending is not None:
        # Under the accounts' locks: a resolution racing this one has committed, or waits behind us.
        resolved = await session.scalar(
            select(LedgerTransfer.kind).where(LedgerTransfer.pending_id == pending.id)
        )
        if resolved is not None:
            raise Conflict(
                f"The pending transfer is already resolved ({resolved}).", code="pending_already_resolved"
            )
        if kind != "expire_pending" and pending.expires_at is not None and pending.expires_at <= now:
            raise Conflict("The pending transfer timed out: it is voided.", code="pending_expired")
    change = rules.changes(kind, amount, pending.amount if pending is not None else 0)  # type: ignore[arg-type]
    debit.debits_pending += change.pending
    debit.debits_posted += change.posted
    credit.credits_pending += change.pending
    credit.credits_posted += change.posted
    row = LedgerTransfer(
        id=transfer_id,
        partnership_id=partnership.partnership_id,
        debit_account_id=debit_id,
        credit_account_id=credit_id,
        amount=amount,
        currency=debit.currency,
        kind=kind,
        pending_id=pending.id if pending is not None else None,
        expires_at=expires_at,
        code=code,
        user_data=user_data,
        handling_code=HANDLING,
        created_at=now,
    )
    session.add(row)
    try:
        await session.flush()
    except IntegrityError as exc:
        raise _refusal(exc) from exc
    await add_event(
        session,
        TransferRecordedV1(
            transfer_id=str(row.id),
            partnership_id=str(row.partnership_id),
            kind=kind,
            debit_account_id=str(debit_id),
            credit_account_id=str(credit_id),
            amount=amount,
            currency=row.currency,
            pending_id=str(row.pending_id) if row.pending_id else None,
            code=code,
            user_data=user_data,
            recorded_at=now,
        ),
        aggregate_id=str(row.id),
        source=SOURCE,
        release=release(partnership),
    )
    return row


def _refusal(exc: IntegrityError) -> DomainError:
    constraint = getattr(getattr(exc.orig, "__cause__", None), "constraint_name", None) or str(exc.orig)
    for name, (code, why) in REFUSED_BY_CONSTRAINT.items():
        if name in constraint:
            return Conflict(f"Refused: {why}.", code=code)
    raise exc


async def expire_pending(session: AsyncSession, *, now: datetime, limit: int = 500) -> int:
    """Void every pending transfer past its timeout (the platform's own work, `*`); returns how many. Each in
    its own savepoint: one that cannot be expired (resolved meanwhile) does not hold back the others."""
    resolution = aliased(LedgerTransfer)
    due = (
        select(LedgerTransfer)
        .where(
            LedgerTransfer.kind == "pending",
            LedgerTransfer.expires_at <= now,
            ~exists().where(resolution.pending_id == LedgerTransfer.id),
        )
        .order_by(LedgerTransfer.expires_at)
        .limit(limit)
    )
    expired = 0
    async with session.begin():
        for pending in list(await session.scalars(due)):
            partnership = await partnership_of(session, pending.partnership_id)
            try:
                async with session.begin_nested():
                    await apply_transfer(
                        session,
                        partnership,
                        transfer_id=uuid.uuid5(pending.id, "expire"),
                        kind="expire_pending",
                        debit_id=pending.debit_account_id,
                        credit_id=pending.credit_account_id,
                        amount=pending.amount,
                        code="timeout",
                        user_data=None,
                        pending=pending,
                    )
                expired += 1
            except Conflict:
                continue  # posted or voided while we looked
    return expired


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
