"""The ledger's use cases: open an account, record a transfer (single, pending, post, void), expire pending
transfers past their timeout. Each runs in one transaction that locks the two accounts (in id order, so
concurrent transfers never deadlock), updates their balances and writes the transfer and its event."""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import exists, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from backbone.errors import Conflict, DomainError, body_field, field_problem
from backbone.idempotency import Outcome
from backbone.outbox import Outgoing, add_events
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
    key: uuid.UUID | None = None,
    name: str | None = None,
) -> uuid.UUID:
    """The partnership's own account of this kind (and partner, and currency), opened the first time a use case
    needs it; its id is derived from what it is (or from the record it serves, `key`), so concurrent first uses
    open it once."""
    key = key or uuid.uuid5(partnership.partnership_id, f"{kind}:{country_code or '-'}:{currency}")
    await session.execute(
        pg_insert(LedgerAccount)
        .values(
            id=key,
            partnership_id=partnership.partnership_id,
            kind=kind,
            name=name or f"{kind.replace('_', ' ')} {country_code or ''} {currency}".replace("  ", " "),
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


async def shared_pool(session: AsyncSession, partnership: KnownPartnership, currency: str) -> uuid.UUID:
    """The partnership's shared pool in this currency: contributions and grants flow in, spending flows out, and
    it is never overdrawn."""
    return await ensure_account(
        session, partnership, kind="shared_pool", currency=currency, debits_must_not_exceed_credits=True
    )


async def record_transfer(
    session: AsyncSession, *, partnership_id: uuid.UUID, transfer: TransferIn
) -> Outcome:
    [(created, row)] = await record_transfers(session, partnership_id=partnership_id, transfers=[transfer])
    if not created:
        return Outcome(200, transfer_view(row).model_dump(mode="json"))
    return Outcome(201, transfer_view(row).model_dump(mode="json"), {"Location": f"/transfers/{row.id}"})


async def record_transfers(
    session: AsyncSession, *, partnership_id: uuid.UUID, transfers: Sequence[TransferIn]
) -> list[tuple[bool, LedgerTransfer]]:
    """Record the transfers in order, all or none, in one transaction (TigerBeetle's batches: the cost of a
    request, a commit and an audit seal is paid once). Each is `(created, row)`: one already recorded under
    its id is answered with the original, as a retry must be; a post or void names a pending recorded before."""
    batch = len(transfers) > 1
    async with session.begin():
        partnership = await partnership_of(session, partnership_id)
        ids = [transfer.id for transfer in transfers]
        known = await session.scalars(select(LedgerTransfer).where(LedgerTransfer.id.in_(ids)))
        existing = {row.id: row for row in known}
        wanted = {t.pending_id for t in transfers if t.pending_id is not None and t.id not in existing}
        pendings = await _pendings(session, partnership_id, wanted)
        moves, seen = [], set()
        for index, transfer in enumerate(transfers):
            with _naming(index if batch else None):
                if transfer.id in seen:
                    raise field_problem(
                        "id", "duplicate_in_batch", "Each transfer of a batch has its own id."
                    )
                seen.add(transfer.id)
                if transfer.id in existing:
                    _replayed(existing[transfer.id], partnership_id, transfer)
                else:
                    moves.append(_move(transfer, pendings, index if batch else None))
        recorded = {row.id: row for row in await apply_transfers(session, partnership, moves)}
        return [(t.id in recorded, recorded.get(t.id) or existing[t.id]) for t in transfers]


async def _pendings(
    session: AsyncSession, partnership_id: uuid.UUID, ids: set[uuid.UUID]
) -> dict[uuid.UUID, LedgerTransfer]:
    if not ids:
        return {}
    rows = await session.scalars(select(LedgerTransfer).where(LedgerTransfer.id.in_(ids)))
    return {row.id: row for row in rows if row.partnership_id == partnership_id and row.kind == "pending"}


def _move(transfer: TransferIn, pendings: dict[uuid.UUID, LedgerTransfer], index: int | None) -> Move:
    if transfer.kind not in rules.RESOLUTIONS:
        assert (
            transfer.debit_account_id and transfer.credit_account_id and transfer.amount
        )  # TransferIn says so
        expires = (
            datetime.now(UTC) + timedelta(seconds=transfer.timeout_seconds)
            if transfer.timeout_seconds
            else None
        )
        return Move(
            transfer.id,
            transfer.kind,
            transfer.debit_account_id,
            transfer.credit_account_id,
            transfer.amount,
            transfer.code,
            transfer.user_data,
            expires_at=expires,
            index=index,
        )
    assert transfer.pending_id is not None  # TransferIn says so
    pending = pendings.get(transfer.pending_id)
    if pending is None:
        raise field_problem(
            "pending_id", "pending_unknown", "No pending transfer with this id in this partnership."
        )
    for name in ("debit_account_id", "credit_account_id"):
        given = getattr(transfer, name)
        if given is not None and given != getattr(pending, name):
            raise field_problem(name, "not_the_pending_account", "A resolution moves the pending's accounts.")
    moved = pending.amount if transfer.kind != "post_pending" or transfer.amount is None else transfer.amount
    if moved > pending.amount:
        raise field_problem(
            "amount", "exceeds_pending_amount", f"At most {pending.amount}: what the pending reserved."
        )
    return Move(
        transfer.id,
        transfer.kind,
        pending.debit_account_id,
        pending.credit_account_id,
        moved,
        transfer.code,
        transfer.user_data,
        pending=pending,
        index=index,
    )


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
    found = await _accounts(session, partnership_id, {debit_id, credit_id}, lock=lock)
    return _pair(found, debit_id, credit_id, fields)


async def _accounts(
    session: AsyncSession, partnership_id: uuid.UUID, ids: set[uuid.UUID], *, lock: bool
) -> dict[uuid.UUID, LedgerAccount]:
    query = select(LedgerAccount).where(LedgerAccount.id.in_(ids)).order_by(LedgerAccount.id)
    rows = await session.scalars(query.with_for_update() if lock else query)
    return {row.id: row for row in rows if row.partnership_id == partnership_id}


def _pair(
    found: dict[uuid.UUID, LedgerAccount], debit_id: uuid.UUID, credit_id: uuid.UUID, fields: tuple[str, str]
) -> tuple[LedgerAccount, LedgerAccount]:
    source, destination = fields
    if debit_id == credit_id:
        raise field_problem(destination, "same_account", "Money moves between two accounts.")
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


@dataclass(frozen=True)
class Move:
    """One transfer for `apply_transfers`: what it moves, and the request fields its refusals name."""

    transfer_id: uuid.UUID
    kind: str
    debit_id: uuid.UUID
    credit_id: uuid.UUID
    amount: int
    code: str
    user_data: str | None
    expires_at: datetime | None = None
    pending: LedgerTransfer | None = None
    fields: tuple[str, str] = ("debit_account_id", "credit_account_id")
    index: int | None = None
    """Its place in a batch, which a refusal names."""


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
    move = Move(transfer_id, kind, debit_id, credit_id, amount, code, user_data, expires_at, pending)
    return (await apply_transfers(session, partnership, [move]))[0]


async def apply_transfers(
    session: AsyncSession, partnership: KnownPartnership, moves: Sequence[Move]
) -> list[LedgerTransfer]:
    """Record the moves in order, in the session's transaction: every account they touch locked at once (in id
    order: concurrent batches never deadlock), each move checked against the balances the moves before it left
    (a refusal raised by the n-th names it: `transfers.n`), then one write of the rows, balances and events."""
    if not moves:
        return []
    accounts = await _accounts(
        session, partnership.partnership_id, {a for m in moves for a in (m.debit_id, m.credit_id)}, lock=True
    )
    # Under the accounts' locks: a resolution racing one of these has committed, or waits behind us.
    resolved: dict[uuid.UUID, str] = {}
    pending_ids = [m.pending.id for m in moves if m.pending is not None]
    if pending_ids:
        query = select(LedgerTransfer.pending_id, LedgerTransfer.kind).where(
            LedgerTransfer.pending_id.in_(pending_ids)
        )
        resolved = {row.pending_id: row.kind for row in await session.execute(query)}
    now = datetime.now(UTC)
    rows: list[LedgerTransfer] = []
    for move in moves:
        with _naming(move.index):
            rows.append(_apply(partnership, accounts, resolved, move, now))
    session.add_all(rows)
    try:
        await session.flush()
    except IntegrityError as exc:
        raise _refusal(exc) from exc
    await add_events(session, [_recorded(partnership, row) for row in rows], source=SOURCE)
    return rows


def _apply(
    partnership: KnownPartnership,
    accounts: dict[uuid.UUID, LedgerAccount],
    resolved: dict[uuid.UUID, str],
    move: Move,
    now: datetime,
) -> LedgerTransfer:
    debit, credit = _pair(accounts, move.debit_id, move.credit_id, move.fields)
    pending = move.pending
    if pending is not None:
        if pending.id in resolved:
            raise Conflict(
                f"The pending transfer is already resolved ({resolved[pending.id]}).",
                code="pending_already_resolved",
            )
        if move.kind != "expire_pending" and pending.expires_at is not None and pending.expires_at <= now:
            raise Conflict("The pending transfer timed out: it is voided.", code="pending_expired")
        resolved[pending.id] = move.kind
    change = rules.changes(move.kind, move.amount, pending.amount if pending is not None else 0)  # type: ignore[arg-type]
    debit.debits_pending += change.pending
    debit.debits_posted += change.posted
    credit.credits_pending += change.pending
    credit.credits_posted += change.posted
    for account in (debit, credit):
        broken = rules.limit_broken(_balances(account))
        if broken is not None:
            code, why = REFUSED_BY_CONSTRAINT[broken]
            raise Conflict(f"Refused: {why}.", code=code)
    return LedgerTransfer(
        id=move.transfer_id,
        partnership_id=partnership.partnership_id,
        debit_account_id=move.debit_id,
        credit_account_id=move.credit_id,
        amount=move.amount,
        currency=debit.currency,
        kind=move.kind,
        pending_id=pending.id if pending is not None else None,
        expires_at=move.expires_at,
        code=move.code,
        user_data=move.user_data,
        handling_code=HANDLING,
        created_at=now,
    )


def _balances(account: LedgerAccount) -> rules.Balances:
    return rules.Balances(
        debits_pending=account.debits_pending,
        debits_posted=account.debits_posted,
        credits_pending=account.credits_pending,
        credits_posted=account.credits_posted,
        debits_must_not_exceed_credits=account.debits_must_not_exceed_credits,
        credits_must_not_exceed_debits=account.credits_must_not_exceed_debits,
    )


def _recorded(partnership: KnownPartnership, row: LedgerTransfer) -> Outgoing:
    event = TransferRecordedV1(
        transfer_id=str(row.id),
        partnership_id=str(row.partnership_id),
        kind=row.kind,
        debit_account_id=str(row.debit_account_id),
        credit_account_id=str(row.credit_account_id),
        amount=row.amount,
        currency=row.currency,
        pending_id=str(row.pending_id) if row.pending_id else None,
        code=row.code,
        user_data=row.user_data,
        recorded_at=row.created_at,
    )
    return Outgoing(event, aggregate_id=str(row.id), release=release(partnership))


@contextmanager
def _naming(index: int | None) -> Iterator[None]:
    """A refusal of the n-th transfer of a batch names it: its fields as `transfers.n.<field>`."""
    try:
        yield
    except DomainError as exc:
        if index is None:
            raise
        errors = exc.extensions.get("errors") or [body_field("", exc.code, exc.detail)]
        exc.extensions["errors"] = [
            {**error, "field": ".".join(filter(None, ("transfers", str(index), error["field"])))}
            for error in errors
        ]
        exc.detail = f"Transfer {index}: {exc.detail}"
        exc.extensions["index"] = index
        raise


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
