"""H1's baseline: a bare FastAPI route doing one asyncpg insert, served by uvicorn exactly as the services are.

`python -m benchmarks.bare_api <port> <dsn>`; the table `bench_agencies` must exist."""

from __future__ import annotations

import sys
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg
import uvicorn
from fastapi import FastAPI, Request
from pydantic import BaseModel, Field

from backbone.serve import UVICORN_OPTIONS

TABLE = (
    "CREATE TABLE IF NOT EXISTS bench_agencies (id uuid PRIMARY KEY, country_code text NOT NULL,"
    " name text NOT NULL, agency_type text NOT NULL, created_at timestamptz NOT NULL DEFAULT now())"
)


class Country(BaseModel):
    code: str = Field(pattern="^[A-Z]{2}$")
    name: str


class Agency(BaseModel):
    country: Country
    name: str = Field(min_length=2, max_length=200)
    agency_type: str


def build(dsn: str) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.pool = await asyncpg.create_pool(dsn, min_size=4, max_size=10)
        yield
        await app.state.pool.close()

    app = FastAPI(lifespan=lifespan)

    @app.post("/agencies", status_code=201)
    async def register(body: Agency, request: Request) -> dict[str, str]:
        agency_id = uuid.uuid4()
        await request.app.state.pool.execute(
            "INSERT INTO bench_agencies (id, country_code, name, agency_type) VALUES ($1, $2, $3, $4)",
            agency_id,
            body.country.code,
            body.name,
            body.agency_type,
        )
        return {"id": str(agency_id), "name": body.name}

    return app


if __name__ == "__main__":
    port, dsn = int(sys.argv[1]), sys.argv[2]
    uvicorn.run(build(dsn), host="127.0.0.1", port=port, **UVICORN_OPTIONS)  # type: ignore[arg-type]
