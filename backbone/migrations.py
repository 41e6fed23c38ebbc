"""Alembic per service: one `migrations/` folder in each service, run by `make run` and the test fixtures."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from pathlib import Path

from alembic import command, context, op
from alembic.config import Config
from sqlalchemy import MetaData, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from backbone.db import idempotency_table, inbox_table, outbox_table, parked_outbox_table
from backbone.settings import ServiceSettings

SERVICES_DIR = Path(__file__).resolve().parents[1] / "services"
NOTIFY_CHANNEL = "outbox_committed"
_MIGRATION_LOCK = 0x0B0E_0001


def alembic_config(settings: ServiceSettings) -> Config:
    config = Config()
    config.set_main_option("script_location", str(SERVICES_DIR / settings.service_name / "migrations"))
    config.set_main_option("sqlalchemy.url", settings.migration_sqlalchemy_url.replace("%", "%%"))
    config.attributes["service_name"] = settings.service_name
    return config


def upgrade(settings: ServiceSettings, revision: str = "heads") -> None:
    # "heads": features developed side by side may each add a migration after the same parent; Alembic
    # applies every branch (their tables are independent) without a merge revision.
    command.upgrade(alembic_config(settings), revision)


async def upgrade_async(settings: ServiceSettings, revision: str = "heads") -> None:
    await asyncio.to_thread(upgrade, settings, revision)


def run_env(target_metadata: MetaData) -> None:
    """The body of every service's `migrations/env.py` (online mode, asyncpg)."""
    url = context.config.get_main_option("sqlalchemy.url")
    assert url is not None

    def migrate(connection: Connection) -> None:
        context.configure(connection=connection, target_metadata=target_metadata, compare_type=True)
        with context.begin_transaction():
            # Several replicas may start at once (Kubernetes initContainers): one migrates, the others wait
            # for it and then find nothing left to do.
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK})
            context.run_migrations()

    async def run() -> None:
        engine = create_async_engine(url)
        async with engine.connect() as connection:
            await connection.run_sync(migrate)
            await connection.commit()
        await engine.dispose()

    if context.is_offline_mode():
        context.configure(url=url, target_metadata=target_metadata, literal_binds=True)
        with context.begin_transaction():
            context.run_migrations()
    else:
        asyncio.run(run())


def create_plumbing_tables() -> None:
    """Outbox, inbox and idempotency tables, and the trigger that wakes relays on commit."""
    bind = op.get_bind()
    for table in (outbox_table, inbox_table, idempotency_table):
        table.create(bind)
    op.create_index("ix_outbox_bucket_id", "outbox", ["bucket", "id"])
    # A queue table: every row is deleted soon after its insert. Vacuum it after a fixed number of dead rows
    # (not a share of a table that is usually nearly empty), without throttling, so relays never wade
    # through dead index entries at the head of a bucket.
    op.execute(
        "ALTER TABLE outbox SET (autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 2000, "
        "autovacuum_vacuum_insert_scale_factor = 0, autovacuum_vacuum_insert_threshold = 5000, "
        "autovacuum_vacuum_cost_delay = 0, autovacuum_analyze_scale_factor = 0, "
        "autovacuum_analyze_threshold = 2000)"
    )
    op.create_index("ix_idempotency_keys_created_at", "idempotency_keys", ["created_at"])
    # NOTIFY is delivered only after commit, so relays wake exactly when rows become visible.
    op.execute(
        f"""
        CREATE FUNCTION notify_outbox_committed() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM pg_notify('{NOTIFY_CHANNEL}', '');
            RETURN NULL;
        END $$
        """
    )
    op.execute(
        "CREATE TRIGGER outbox_committed AFTER INSERT ON outbox "
        "FOR EACH STATEMENT EXECUTE FUNCTION notify_outbox_committed()"
    )


def create_parked_outbox() -> None:
    """Where the relay parks an outbox row the broker refuses for good, so that its bucket moves on."""
    parked_outbox_table.create(op.get_bind())


def drop_parked_outbox() -> None:
    op.drop_table("outbox_parked")


def drop_plumbing_tables() -> None:
    op.execute("DROP TRIGGER IF EXISTS outbox_committed ON outbox")
    op.execute("DROP FUNCTION IF EXISTS notify_outbox_committed()")
    for name in ("idempotency_keys", "inbox", "outbox"):
        op.drop_table(name)


TENANT_SQL = "current_setting('backbone.tenant', true)"
"""The tenant a transaction works for (backbone.db sets it): a country code, `*` for the platform, `-` none."""
SYSTEM_SQL = f"{TENANT_SQL} = '*'"


def row_level_security(
    table: str, *, read: str, write: str | None = None, insert: str | None = None, steer: str | None = None
) -> None:
    """Row-level security on `table`, forced on its owner too, with policies from SQL conditions.

    `read` decides which rows are visible (and updatable, deletable); `write` which rows may be written
    (defaults to `read`); `insert`, when given, which rows may be inserted (for a row whose tenant is only
    established by rows inserted after it in the same transaction); `steer`, when given, which of the visible
    rows may be changed, deleted or locked (seeing a row is not steering it). The platform's own work (`*`) sees
    all.
    """
    write = write or read
    changeable = f"({read}) AND ({steer})" if steer else read
    op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
    op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
    op.execute(f"CREATE POLICY tenant_read ON {table} FOR SELECT USING ({SYSTEM_SQL} OR ({read}))")
    op.execute(
        f"CREATE POLICY tenant_insert ON {table} FOR INSERT WITH CHECK ({SYSTEM_SQL} OR ({insert or write}))"
    )
    op.execute(
        f"CREATE POLICY tenant_update ON {table} FOR UPDATE USING ({SYSTEM_SQL} OR ({changeable})) "
        f"WITH CHECK ({SYSTEM_SQL} OR ({write}))"
    )
    deletable = f"({write}) AND ({steer})" if steer else write
    op.execute(f"CREATE POLICY tenant_delete ON {table} FOR DELETE USING ({SYSTEM_SQL} OR ({deletable}))")


def drop_row_level_security(table: str) -> None:
    for policy in ("tenant_read", "tenant_insert", "tenant_update", "tenant_delete"):
        op.execute(f"DROP POLICY IF EXISTS {policy} ON {table}")
    op.execute(f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY")
    op.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")


def frozen_versions_function(table: str, *, noun: str, columns: Sequence[str]) -> str:
    """The trigger function that keeps approved (and superseded) versions immutable: no delete, no change of
    `columns`, and no status change but approved → superseded. Refused with SQLSTATE 55000."""
    changed = " OR ".join(f"NEW.{c} IS DISTINCT FROM OLD.{c}" for c in columns)
    refusal = f"RAISE EXCEPTION 'approved {noun} version % is immutable', OLD.id USING ERRCODE = '55000';"
    return f"""
        CREATE OR REPLACE FUNCTION {table.removesuffix("s")}_frozen() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF TG_OP = 'DELETE' THEN
            IF OLD.status IN ('approved', 'superseded') THEN
              {refusal}
            END IF;
            RETURN OLD;
          END IF;
          IF OLD.status IN ('approved', 'superseded') AND (
               {changed} OR NOT (NEW.status = OLD.status OR (OLD.status, NEW.status) = ('approved', 'superseded'))
             ) THEN
            {refusal}
          END IF;
          RETURN NEW;
        END $$
        """


def freeze_approved_versions(table: str, *, noun: str, columns: Sequence[str]) -> None:
    """Approved versions in `table` (e.g. `curriculum_versions`) become immutable, even to the table's owner."""
    function = f"{table.removesuffix('s')}_frozen"
    op.execute(frozen_versions_function(table, noun=noun, columns=columns))
    op.execute(
        f"CREATE TRIGGER {function} BEFORE UPDATE OR DELETE ON {table} FOR EACH ROW EXECUTE FUNCTION {function}()"
    )
