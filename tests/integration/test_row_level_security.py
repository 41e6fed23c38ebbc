"""Row-level security in the partners database: a query that forgets its tenant filter still sees nothing of
another country, even as the tables' owner (FORCE ROW LEVEL SECURITY), and cannot write there either."""

from __future__ import annotations

import uuid

import asyncpg
import httpx
import pytest

from backbone.db import TENANT, create_sessionmaker
from services.partners.partnerships import service as partnerships
from tests.integration.test_access_matrix import roomy_api, tenant_a
from tests.support import Deployment

__all__ = ["roomy_api"]  # the fixture, imported for this module's tests

TABLES = (
    "partnerships",
    "oversight_members",
    "decisions",
    "commitments",
    "disputes",
    "agency_contacts",
    "capacity_profiles",
)


async def counts(deployment: Deployment, tenant: str | None) -> dict[str, int]:
    settings = deployment.settings("partners")
    conn = await asyncpg.connect(
        settings.asyncpg_dsn, server_settings={"backbone.tenant": tenant} if tenant is not None else {}
    )
    try:
        assert await conn.fetchval("SELECT current_user") == "partners_app", "the service's non-owner role"
        return {t: int(await conn.fetchval(f"SELECT count(*) FROM {t}")) for t in TABLES}  # no WHERE at all
    finally:
        await conn.close()


async def test_queries_without_a_tenant_filter_see_only_the_tenants_rows(
    roomy_api: httpx.AsyncClient, deployment: Deployment
) -> None:
    await tenant_a(roomy_api)
    france = await counts(deployment, "FR")
    assert all(france[t] >= 1 for t in TABLES), france
    assert await counts(deployment, "JP") == dict.fromkeys(TABLES, 0), "Japan is in none of it"
    assert await counts(deployment, None) == dict.fromkeys(TABLES, 0), "no tenant named: nothing"
    assert await counts(deployment, "-") == dict.fromkeys(TABLES, 0)
    brazil = await counts(deployment, "BR")
    assert brazil["partnerships"] == 1 and brazil["decisions"] == 1, "Brazil is a member"
    assert brazil["agency_contacts"] == 0, "France's agency's contacts are France's"
    assert brazil["capacity_profiles"] == 1, "capacity profiles are shared with partners"
    assert (await counts(deployment, "*")) == france, "the platform's own work sees everything"


async def test_the_runtime_role_owns_nothing_and_the_owner_is_confined_too(
    roomy_api: httpx.AsyncClient, deployment: Deployment
) -> None:
    await tenant_a(roomy_api)
    settings = deployment.settings("partners")
    runtime = await asyncpg.connect(settings.asyncpg_dsn)
    try:
        for statement in (
            "ALTER TABLE decisions DISABLE ROW LEVEL SECURITY",
            "ALTER TABLE decisions NO FORCE ROW LEVEL SECURITY",
            "DROP POLICY tenant_read ON decisions",
        ):
            with pytest.raises(asyncpg.InsufficientPrivilegeError, match="must be owner"):
                await runtime.execute(statement)
    finally:
        await runtime.close()
    owner = await asyncpg.connect(settings.migration_sqlalchemy_url.replace("+asyncpg", ""))
    try:
        assert await owner.fetchval("SELECT current_user") == "partners"
        assert await owner.fetchval("SELECT count(*) FROM decisions") == 0, "FORCE: the owner is confined too"
    finally:
        await owner.close()


async def test_another_tenant_can_neither_change_nor_add_rows(
    roomy_api: httpx.AsyncClient, deployment: Deployment
) -> None:
    ids = await tenant_a(roomy_api)
    conn = await asyncpg.connect(
        deployment.settings("partners").asyncpg_dsn, server_settings={"backbone.tenant": "JP"}
    )
    try:
        assert await conn.execute("UPDATE decisions SET title = 'hijacked'") == "UPDATE 0"
        assert await conn.execute("DELETE FROM commitments") == "DELETE 0"
        with pytest.raises(asyncpg.InsufficientPrivilegeError, match="row-level security"):
            await conn.execute(
                "INSERT INTO agency_contacts (id, agency_id, name, function, is_primary, "
                "is_national_coordination_contact, languages, added_at) "
                "VALUES ($1, $2, 'Mole', 'Spy', false, false, '[]', now())",
                uuid.uuid4(),
                uuid.UUID(ids["agency_id"]),
            )
        # Switching tenants inside the session is what the platform does; a disguised one is still confined.
        await conn.execute("SELECT set_config('backbone.tenant', 'BR', false)")
        assert await conn.execute("UPDATE agency_contacts SET name = 'x'") == "UPDATE 0"
    finally:
        await conn.close()


async def test_a_use_case_that_forgets_the_callers_tenant_still_returns_only_theirs(
    roomy_api: httpx.AsyncClient,
) -> None:
    ids = await tenant_a(roomy_api)
    sessions = create_sessionmaker(roomy_api.app.state.runtime.engine)  # type: ignore[attr-defined]
    for country, expected in (("JP", []), ("BR", [ids["partnership_id"]])):
        token = TENANT.set(country)
        try:
            async with sessions() as session:
                rows, _ = await partnerships.list_partnerships(
                    session, limit=50, cursor=None, phase=None, country_code=None, visible_to=None
                )
        finally:
            TENANT.reset(token)
        assert [str(r.id) for r in rows] == expected, country
