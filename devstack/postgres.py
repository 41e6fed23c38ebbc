"""A PostgreSQL cluster of the project's own, from the machine's server binaries (initdb + pg_ctl)."""

from __future__ import annotations

import os
import pwd
import shutil
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from backbone.audit.schema import keep_append_only_sql
from devstack.config import StackConfig
from devstack.process import log, port_open, run_checked, wait_until
from devstack.tokens import safe_token

SYSTEM_USER_WHEN_ROOT = "postgres"


def find_bin_dir() -> Path:
    """The newest installed server version; never a hard-coded one."""
    override = os.environ.get("BACKBONE_POSTGRES_BIN")
    if override:
        return Path(override)
    candidates = sorted(
        (p for p in Path("/usr/lib/postgresql").glob("*/bin") if (p / "initdb").exists()),
        key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0,
    )
    if not candidates:
        found = shutil.which("initdb")
        if found:
            return Path(found).parent
        raise RuntimeError(
            "No PostgreSQL server binaries found (looked in /usr/lib/postgresql/*/bin and PATH). "
            "Install the server package, or set BACKBONE_POSTGRES_ADMIN_URL to use an external server."
        )
    return candidates[-1]


@dataclass(frozen=True)
class LocalPostgres:
    config: StackConfig

    @property
    def root(self) -> Path:
        return self.config.state_dir / "postgres"

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @property
    def socket_dir(self) -> Path:
        return self.root / "run"

    @property
    def log_file(self) -> Path:
        return self.config.logs_dir / "postgres.log"

    @property
    def password_file(self) -> Path:
        return self.root / "admin.password"

    @property
    def run_as(self) -> str | None:
        return SYSTEM_USER_WHEN_ROOT if os.geteuid() == 0 else None

    def admin_url(self) -> str:
        password = self.password_file.read_text().strip()
        return f"postgresql://postgres:{password}@{self.config.host}:{self.config.postgres_port}/postgres"

    def is_running(self) -> bool:
        return (self.data_dir / "postmaster.pid").exists() and port_open(
            self.config.host, self.config.postgres_port
        )

    def _chown(self, *paths: Path) -> None:
        if self.run_as is None:
            return
        entry = pwd.getpwnam(self.run_as)
        for path in paths:
            os.chown(path, entry.pw_uid, entry.pw_gid)

    def _init(self, bin_dir: Path) -> None:
        log(f"initialising a PostgreSQL cluster in {self.data_dir} ({bin_dir})")
        self.root.mkdir(parents=True, exist_ok=True)
        self.config.logs_dir.mkdir(parents=True, exist_ok=True)
        self.socket_dir.mkdir(parents=True, exist_ok=True)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.data_dir.chmod(0o700)
        password = safe_token(24)
        pwfile = self.root / "initdb.pw"
        pwfile.write_text(password + "\n")
        pwfile.chmod(0o600)
        self._chown(self.root, self.data_dir, self.socket_dir, pwfile)
        try:
            run_checked(
                [
                    str(bin_dir / "initdb"),
                    "-D",
                    str(self.data_dir),
                    "-U",
                    "postgres",
                    f"--pwfile={pwfile}",
                    "--auth-host=scram-sha-256",
                    "--auth-local=scram-sha-256",
                    "--encoding=UTF8",
                    "--locale=C.UTF-8",
                ],
                what="initdb",
                user=self.run_as,
            )
        finally:
            pwfile.unlink(missing_ok=True)
        self.password_file.write_text(password + "\n")
        self.password_file.chmod(0o600)
        # Relays LISTEN on one connection each and tests create databases in parallel: be generous.
        with open(self.data_dir / "postgresql.auto.conf", "a") as conf:
            conf.write(
                "max_connections = 300\n"
                "shared_buffers = 256MB\n"
                "fsync = on\n"
                "synchronous_commit = on\n"
                "log_min_messages = warning\n"
                # Queue-like tables (the outbox) are vacuumed promptly; the default naptime is a minute.
                "autovacuum_naptime = 5s\n"
            )

    def start(self) -> None:
        if self.is_running():
            log(f"PostgreSQL already running on {self.config.host}:{self.config.postgres_port}")
            return
        bin_dir = find_bin_dir()
        if not (self.data_dir / "PG_VERSION").exists():
            self._init(bin_dir)
        self.config.logs_dir.mkdir(parents=True, exist_ok=True)
        log_file = self.root / "server.log"
        opts = f"-p {self.config.postgres_port} -h {self.config.host} -k {self.socket_dir}"
        run_checked(
            [
                str(bin_dir / "pg_ctl"),
                "-D",
                str(self.data_dir),
                "-l",
                str(log_file),
                "-o",
                opts,
                "-w",
                "-t",
                "60",
                "start",
            ],
            what="pg_ctl start",
            user=self.run_as,
        )
        wait_until(
            lambda: port_open(self.config.host, self.config.postgres_port),
            what="PostgreSQL",
            timeout=60,
            log_file=log_file,
        )
        log(f"PostgreSQL ready on {self.config.host}:{self.config.postgres_port}")

    def stop(self) -> None:
        if not (self.data_dir / "postmaster.pid").exists():
            return
        run_checked(
            [str(find_bin_dir() / "pg_ctl"), "-D", str(self.data_dir), "-m", "fast", "-w", "stop"],
            what="pg_ctl stop",
            user=self.run_as,
        )
        log("stopped PostgreSQL")


async def provision_database(
    admin_url: str, *, database: str, role: str, password: str, app_role: str, app_password: str
) -> None:
    """One database per service, owned by `role` (migrations), used at runtime by `app_role`, which may read
    and write every row its row-level security allows but owns nothing (no ALTER, no DISABLE ROW LEVEL
    SECURITY). Nobody else may connect."""
    conn = await asyncpg.connect(admin_url)
    try:
        # Roles are the cluster's, shared by every deployment: two provisioning at once (parallel test workers)
        # would race on the same catalog rows ("tuple concurrently updated"). Released with the connection.
        await conn.execute("SELECT pg_advisory_lock(hashtext('backbone.provision_database'))")
        for login, secret in ((role, password), (app_role, app_password)):
            literal_pw = secret.replace("'", "''")
            verb = (
                "ALTER"
                if await conn.fetchval("SELECT 1 FROM pg_roles WHERE rolname = $1", login)
                else "CREATE"
            )
            await conn.execute(f"{verb} ROLE {_ident(login)} LOGIN INHERIT PASSWORD '{literal_pw}'")
        owner, app = _ident(role), _ident(app_role)
        if not await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", database):
            await conn.execute(f"CREATE DATABASE {_ident(database)} OWNER {owner}")
        await conn.execute(f"REVOKE ALL ON DATABASE {_ident(database)} FROM PUBLIC")
        await conn.execute(f"GRANT CONNECT, TEMPORARY ON DATABASE {_ident(database)} TO {owner}, {app}")
    finally:
        await conn.close()
    # Rows, not tables: the runtime role's rights on everything the owner creates, now and later.
    conn = await asyncpg.connect(_with_database(admin_url, database))
    try:
        await conn.execute(f"GRANT USAGE ON SCHEMA public TO {app}")
        for kind, rights in (("TABLES", "SELECT, INSERT, UPDATE, DELETE"), ("SEQUENCES", "USAGE, SELECT")):
            await conn.execute(
                f"ALTER DEFAULT PRIVILEGES FOR ROLE {owner} IN SCHEMA public GRANT {rights} ON {kind} TO {app}"
            )
            await conn.execute(f"GRANT {rights} ON ALL {kind} IN SCHEMA public TO {app}")
        await conn.execute(keep_append_only_sql(app))
    finally:
        await conn.close()


def _with_database(url: str, database: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{database}"))


async def drop_database(admin_url: str, *, database: str) -> None:
    conn = await asyncpg.connect(admin_url)
    try:
        await conn.execute(f"DROP DATABASE IF EXISTS {_ident(database)} WITH (FORCE)")
    finally:
        await conn.close()


def _ident(name: str) -> str:
    if not name.replace("_", "").isalnum():
        raise ValueError(f"unsafe SQL identifier: {name!r}")
    return f'"{name}"'
