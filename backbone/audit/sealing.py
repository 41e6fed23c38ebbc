"""Chain version 2: entries are sealed by the database, not by the service.

The runtime role may neither INSERT into `audit_log` nor move the chain's head: its one way in is
`audit_append(entries)`, a SECURITY DEFINER function owned by the tables' owner (a role the service does not run
as). The function takes what happened (actor, action, object, details) and itself chooses the sequence number,
the time (`clock_timestamp()` under the head's lock, so time follows the chain) and the previous hash, and
computes the hash in SQL. A service that knows every hash input still cannot place an entry in the past, give it
another time, or rewrite one: the only rows it can add are appended now, by the database.

Since `seal_at_commit` (a later migration of every service), `audit_append` only files the entries as pending, and
a deferred constraint trigger seals them inside COMMIT: the same sealing, with the head locked for the commit only.

The hash input is the JSON text of `jsonb_build_array(...)` over the chained fields. `verify` builds the same text
with PostgreSQL's built-in functions (its own query, `search_path` pinned to `pg_catalog`, never a function the
owner could replace) and hashes it in Python.
"""

from __future__ import annotations

from collections.abc import Callable

from alembic import op

from backbone.audit.log import CHAINED
from backbone.audit.schema import PERSONAL, for_every_grantee

VERSION = 2

CONTENT = tuple(name for name in CHAINED if name not in ("seq", "occurred_at", "prev_hash"))
"""What the caller states; everything else in a sealed entry the database decides."""

SEALED = ("chain_version", "seq", "occurred_at", *CONTENT, "prev_hash")
"""The hash input's fields, in order."""

TIME_FORMAT = 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'


def hash_input_sql(value: Callable[[str], str]) -> str:
    """The text hashed for an entry, given the SQL expression of each sealed field."""
    return f"jsonb_build_array({', '.join(value(name) for name in SEALED)})::text"


def _column(name: str) -> str:
    if name == "occurred_at":
        return f"to_char(occurred_at AT TIME ZONE 'UTC', '{TIME_FORMAT}')"
    return name


STORED_HASH_INPUT = hash_input_sql(_column)
"""For `verify`: the hash input of a stored row."""


def _argument(name: str) -> str:
    if name == "chain_version":
        return str(VERSION)
    if name == "seq":
        return "next_seq"
    if name == "occurred_at":
        return f"to_char(stamp AT TIME ZONE 'UTC', '{TIME_FORMAT}')"
    if name == "prev_hash":
        return "previous"
    if name == "details":
        return "coalesce(entry->'details', '{}'::jsonb)"
    return f"(entry->>'{name}')"


def _sealing_sql(entries: str) -> str:
    """The statements that seal `entries` (a JSON array) onto the chain, under the head's lock."""
    content = ", ".join(CONTENT)
    values = ", ".join(_argument(name) for name in CONTENT)
    personal = ", ".join(PERSONAL)
    personal_values = ", ".join(f"(entry->>'{name}')" for name in PERSONAL)
    return f"""
            SELECT seq, hash INTO next_seq, previous FROM audit_chain_head WHERE id = 1 FOR UPDATE;
            stamp := clock_timestamp();
            FOR entry IN SELECT value FROM jsonb_array_elements({entries}) LOOP
                next_seq := next_seq + 1;
                sealed := encode(sha256(convert_to({hash_input_sql(_argument)}, 'UTF8')), 'hex');
                INSERT INTO audit_log (seq, chain_version, occurred_at, {content}, {personal}, prev_hash, hash)
                VALUES (next_seq, {VERSION}, stamp, {values}, {personal_values}, previous, sealed);
                previous := sealed;
            END LOOP;
            UPDATE audit_chain_head SET seq = next_seq, hash = previous WHERE id = 1;"""


_SEALING_VARIABLES = """
            entry jsonb;
            next_seq bigint;
            previous text;
            stamp timestamptz;
            sealed text;"""

_ARRAY_CHECK = """
            IF jsonb_typeof(entries) IS DISTINCT FROM 'array' THEN
                RAISE EXCEPTION 'audit_append takes a JSON array of entries' USING ERRCODE = '22023';
            END IF;"""


def append_function_sql() -> str:
    """Version 2's `audit_append`: sealed at once, so the head stays locked from the call to the commit."""
    return f"""
        CREATE OR REPLACE FUNCTION audit_append(entries jsonb) RETURNS void
        LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
        DECLARE{_SEALING_VARIABLES}
        BEGIN{_ARRAY_CHECK}{_sealing_sql("entries")}
        END $$
    """


def seal_at_commit_sql() -> list[str]:
    """`audit_append` files the entries as pending; a deferred constraint trigger seals them inside COMMIT.

    The head's lock is then held for the sealing and the commit's own WAL flush only. Taken by `audit_append` it
    was held across the caller's turn between that call and its COMMIT: with many writers in one process, the
    holder waited behind the others' work while every other writer waited for the head (benchmarks/README.md,
    A1). The pending table is unlogged: a pending row never outlives its transaction. The runtime role has no
    right on it; only the two SECURITY DEFINER functions write it, and only the owner could disable the trigger.
    """
    return [
        "CREATE UNLOGGED TABLE audit_pending (id bigserial PRIMARY KEY, entries jsonb NOT NULL)",
        "REVOKE ALL ON audit_pending FROM PUBLIC",
        f"""
        CREATE OR REPLACE FUNCTION audit_append(entries jsonb) RETURNS void
        LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
        BEGIN{_ARRAY_CHECK}
            INSERT INTO audit_pending (entries) VALUES (entries);
        END $$
        """,
        f"""
        CREATE OR REPLACE FUNCTION audit_seal_pending() RETURNS trigger
        LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
        DECLARE{_SEALING_VARIABLES}
        BEGIN{_sealing_sql("NEW.entries")}
            DELETE FROM audit_pending WHERE id = NEW.id;
            RETURN NULL;
        END $$
        """,
        "REVOKE ALL ON FUNCTION audit_seal_pending() FROM PUBLIC",
        "CREATE CONSTRAINT TRIGGER audit_seal_at_commit AFTER INSERT ON audit_pending "
        "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION audit_seal_pending()",
    ]


def unseal_at_commit_sql() -> list[str]:
    return [
        "DROP TRIGGER IF EXISTS audit_seal_at_commit ON audit_pending",
        "DROP FUNCTION IF EXISTS audit_seal_pending()",
        "DROP TABLE IF EXISTS audit_pending",
        append_function_sql(),
    ]


def seal_the_chain() -> None:
    """For a service's migration: version 2 of the chain, and the runtime role's direct writes taken back."""
    op.execute("ALTER TABLE audit_log ADD COLUMN chain_version smallint NOT NULL DEFAULT 1")
    op.execute(append_function_sql())
    op.execute("REVOKE ALL ON FUNCTION audit_append(jsonb) FROM PUBLIC")
    op.execute(
        for_every_grantee(
            "REVOKE INSERT ON audit_log FROM %I",
            "REVOKE UPDATE ON audit_chain_head FROM %I",
            "GRANT EXECUTE ON FUNCTION audit_append(jsonb) TO %I",
        )
    )
    _file_under_owner_and_actor()


def seal_at_commit() -> None:
    """For a service's migration: entries sealed inside COMMIT (`seal_at_commit_sql`)."""
    for statement in seal_at_commit_sql():
        op.execute(statement)
    op.execute(
        for_every_grantee(
            "REVOKE ALL ON audit_pending FROM %I", "REVOKE ALL ON SEQUENCE audit_pending_id_seq FROM %I"
        )
    )


def unseal_at_commit() -> None:
    for statement in unseal_at_commit_sql():
        op.execute(statement)


def _file_under_owner_and_actor() -> None:
    """An entry is filed under the owner of the data (`tenant`) and the actor's country: the owner's auditors
    see foreign reads of their data, and a country's auditors see what its own people did elsewhere."""
    from backbone.migrations import TENANT_SQL, drop_row_level_security, row_level_security

    drop_row_level_security("audit_log")
    row_level_security(
        "audit_log", read=f"tenant = {TENANT_SQL} OR actor_country = {TENANT_SQL}", insert="true"
    )


def unseal_the_chain() -> None:
    from backbone.audit.schema import audit_trail_row_security
    from backbone.migrations import drop_row_level_security

    drop_row_level_security("audit_log")
    audit_trail_row_security()
    op.execute(
        """
        DO $$
        DECLARE grantee text;
        BEGIN
            FOR grantee IN SELECT DISTINCT g.grantee FROM information_schema.role_routine_grants g
                           WHERE g.routine_name = 'audit_append' AND g.grantee <> current_user
                             AND g.grantee <> 'PUBLIC'
            LOOP
                EXECUTE format('GRANT INSERT ON audit_log TO %I', grantee);
                EXECUTE format('GRANT UPDATE ON audit_chain_head TO %I', grantee);
            END LOOP;
        END $$
        """
    )
    op.execute("DROP FUNCTION IF EXISTS audit_append(jsonb)")
    op.execute("ALTER TABLE audit_log DROP COLUMN IF EXISTS chain_version")
