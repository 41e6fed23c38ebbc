"""Agencies of a country nobody registered yet, registered at the same moment: every one is registered (the
country is inserted once, by whichever comes first), and none meets a 500. Found by the D1/A1 benchmark, which
ran 16 registrations at once on a fresh database."""

from __future__ import annotations

import asyncio

from sqlalchemy import text

from backbone.db import create_engine, create_sessionmaker
from services.partners.agencies import service
from services.partners.agencies.schemas import AgencyRegistration, CountryIn
from tests.support import Deployment


async def test_concurrent_first_agencies_of_a_country_are_all_registered(deployment: Deployment) -> None:
    await deployment.create("partners")
    engine = create_engine(deployment.settings("partners"), pool_size=8)
    sessions = create_sessionmaker(engine)

    async def register(n: int) -> int:
        async with sessions() as session:
            outcome = await service.register_agency(
                session,
                registration=AgencyRegistration(
                    country=CountryIn(code="GH", name="Ghana"), name=f"Ghana agency {n}", agency_type="police"
                ),
                idempotency=None,
            )
        return outcome.status_code

    try:
        assert await asyncio.gather(*(register(n) for n in range(8))) == [201] * 8
        async with engine.connect() as conn:
            countries = await conn.scalar(text("SELECT count(*) FROM countries WHERE code = 'GH'"))
            agencies = await conn.scalar(text("SELECT count(*) FROM agencies WHERE country_code = 'GH'"))
        assert (countries, agencies) == (1, 8)
    finally:
        await engine.dispose()
