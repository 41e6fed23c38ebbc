"""The audit tables, created by each service's migration (`create_audit_log()`), and their guard trigger."""

from __future__ import annotations

from alembic import op
from sqlalchemy import BigInteger, CheckConstraint, Column, DateTime, Integer, MetaData, Table, Text
from sqlalchemy.dialects.postgresql import JSONB

PERSONAL = ("actor_subject", "source_ip", "personal_salt")
"""Columns cleared by the retention purge; everything else stays as it was written."""

metadata = MetaData()

audit_log_table = Table(
    "audit_log",
    metadata,
    Column("seq", BigInteger, primary_key=True, autoincrement=False),
    Column("occurred_at", DateTime(timezone=True), nullable=False),
    Column("tenant", Text),
    Column("actor_kind", Text, nullable=False),
    Column("actor_roles", Text, nullable=False),
    Column("actor_country", Text),
    Column("actor_agency", Text),
    Column("action", Text, nullable=False),
    Column("object_type", Text),
    Column("object_id", Text),
    Column("handling", Text),
    Column("trace_id", Text),
    Column("details", JSONB, nullable=False),
    Column("actor_subject", Text),
    Column("source_ip", Text),
    Column("personal_salt", Text),
    Column("personal_digest", Text, nullable=False),
    Column("prev_hash", Text, nullable=False),
    Column("hash", Text, nullable=False),
    Column("purged_at", DateTime(timezone=True)),
)

audit_head_table = Table(
    "audit_chain_head",
    metadata,
    Column("id", Integer, CheckConstraint("id = 1"), primary_key=True),
    Column("seq", BigInteger, nullable=False),
    Column("hash", Text, nullable=False),
)

GENESIS = "0" * 64
PURGE_SETTING = "backbone.audit_purge"


def create_audit_log() -> None:
    """For a service's migration: the tables, the guard, and only INSERT/SELECT for anyone but the owner."""
    bind = op.get_bind()
    audit_log_table.create(bind)
    audit_head_table.create(bind)
    op.create_index("ix_audit_log_object", "audit_log", ["object_type", "object_id", "seq"])
    op.create_index("ix_audit_log_tenant", "audit_log", ["tenant", "seq"])
    op.execute(f"INSERT INTO audit_chain_head (id, seq, hash) VALUES (1, 0, '{GENESIS}')")
    kept = " - ".join(f"'{c}'" for c in (*PERSONAL, "purged_at"))
    cleared = " AND ".join(f"NEW.{c} IS NULL" for c in PERSONAL)
    op.execute(
        f"""
        CREATE FUNCTION audit_log_guard() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP = 'UPDATE' AND current_setting('{PURGE_SETTING}', true) = 'on' AND {cleared}
               AND (to_jsonb(NEW) - {kept}) = (to_jsonb(OLD) - {kept}) THEN
                RETURN NEW;  -- the retention purge: personal fields cleared, nothing else touched
            END IF;
            RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
        END $$
        """
    )
    op.execute(
        "CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log "
        "FOR EACH ROW EXECUTE FUNCTION audit_log_guard()"
    )
    op.execute(
        "CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log "
        "FOR EACH STATEMENT EXECUTE FUNCTION audit_log_guard()"
    )
    # Default privileges gave the runtime role every right on new tables: take back all but INSERT and SELECT
    # (and, on the head row, UPDATE, which the chain needs), from every role that is not the owner.
    op.execute(
        for_every_grantee(
            "REVOKE UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON audit_log FROM %I",
            "REVOKE DELETE, TRUNCATE, REFERENCES, TRIGGER, INSERT ON audit_chain_head FROM %I",
        )
    )


def for_every_grantee(*statements: str) -> str:
    """SQL running each statement (`%I` the role) for every role but the owner granted rights on the audit tables."""
    run = "\n".join(f"EXECUTE format('{statement}', grantee);" for statement in statements)
    return f"""
        DO $$
        DECLARE grantee text;
        BEGIN
            FOR grantee IN SELECT DISTINCT g.grantee FROM information_schema.role_table_grants g
                           WHERE g.table_name IN ('audit_log', 'audit_chain_head')
                             AND g.grantee <> current_user AND g.grantee <> 'PUBLIC'
            LOOP
                {run}
            END LOOP;
        END $$
    """


def audit_trail_row_security() -> None:
    """A country's auditors read their own country's entries, and the database holds that line, not the route;
    every request appends, whoever's data it touches (the platform's own work, `*`, reads all: `verify`)."""
    from backbone.migrations import TENANT_SQL, row_level_security

    row_level_security("audit_log", read=f"tenant = {TENANT_SQL}", insert="true")


def drop_audit_trail_row_security() -> None:
    from backbone.migrations import drop_row_level_security

    drop_row_level_security("audit_log")


def drop_audit_log() -> None:
    op.execute("DROP TABLE IF EXISTS audit_log")
    op.execute("DROP TABLE IF EXISTS audit_chain_head")
    op.execute("DROP FUNCTION IF EXISTS audit_log_guard()")


def keep_append_only_sql(app_role: str) -> str:
    """For provisioning, which grants the runtime role every row right on all tables: take the audit log's
    UPDATE and DELETE back, and once the chain is sealed (`backbone.audit.sealing`) its INSERT and the head's
    UPDATE too (`app_role` must be a quoted identifier)."""
    return (
        "DO $$ BEGIN IF to_regclass('public.audit_log') IS NOT NULL THEN "
        f"REVOKE UPDATE, DELETE ON audit_log FROM {app_role}; "
        f"REVOKE INSERT, DELETE ON audit_chain_head FROM {app_role}; "
        "IF to_regprocedure('public.audit_append(jsonb)') IS NOT NULL THEN "
        f"REVOKE INSERT ON audit_log FROM {app_role}; "
        f"REVOKE UPDATE ON audit_chain_head FROM {app_role}; "
        "END IF; END IF; END $$"
    )
